package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The test model with Qwen3's own chat template, which writes tools and tool calls (Hermes), served
 * with the qwen3 reasoning parser.
 */
public class ToolModelResource extends TestModelResource {

  static String qwen3Template() {
    try (InputStream in =
        ToolModelResource.class.getResourceAsStream("/chat-templates/expectations.json")) {
      JsonNode all = ServerClient.JSON.readTree(in);
      return all.path("templates").path("qwen3").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Qwen3's template writes each tool's schema into the prompt: about 900 tokens of bytes. */
  @Override
  protected int context() {
    return 2048;
  }

  @Override
  public Map<String, String> start() {
    Map<String, String> config = super.start();
    config.put("modelforge.serve.reasoning-parser", "qwen3"); // as Qwen3 is served with vLLM
    Path dir = Path.of(config.get("modelforge.serve.model"));
    var tokenizerConfig = ServerClient.JSON.createObjectNode();
    tokenizerConfig.put("eos_token", "<|im_end|>");
    tokenizerConfig.put("clean_up_tokenization_spaces", false);
    tokenizerConfig.put("chat_template", qwen3Template());
    try {
      Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return config;
  }
}
