package dev.modelforge.runtime.serve;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template (the Jinja string in tokenizer_config.json) rendered with Jinjava, with
 * the variables and helpers Hugging Face provides: {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code raise_exception}.
 */
final class ChatTemplate {

  private final String template;
  private final Jinjava jinja;
  private final String bos;
  private final String eos;

  ChatTemplate(String template, Tokenizer tokenizer) {
    this.template = template;
    this.jinja =
        new Jinjava(
            JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .build());
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raise", String.class));
    this.bos =
        tokenizer.bosTokenId().stream().mapToObj(tokenizer::tokenText).findFirst().orElse("");
    int[] eosIds = tokenizer.eosTokenIds();
    this.eos = eosIds.length > 0 ? tokenizer.tokenText(eosIds[0]) : "";
  }

  /** Used by templates to reject conversations they cannot format. */
  public static String raise(String message) {
    throw new IllegalArgumentException("the chat template refused the messages: " + message);
  }

  /** Renders {@code messages} (maps with role and content) into the prompt text. */
  String render(List<Map<String, Object>> messages, boolean addGenerationPrompt) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("messages", messages);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.put("bos_token", bos);
    vars.put("eos_token", eos);
    RenderResult result = jinja.renderForResult(template, vars);
    for (TemplateError e : result.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("the chat template failed: " + e.getMessage());
      }
    }
    return result.getOutput();
  }
}
