package dev.modelforge.runtime.serve;

import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.init.RandomModelWriter;
import dev.modelforge.engine.tensor.DType;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a small random Qwen2-layout model with a byte-level tokenizer (every byte a token, no
 * merges, ChatML special tokens and template) and points the server at it.
 */
public class TestModelResource implements QuarkusTestResourceLifecycleManager {

  static final int VOCAB = 259; // 256 bytes + <|endoftext|> + <|im_start|> + <|im_end|>
  static final int CONTEXT = 256;
  private Path dir;
  private Map<String, String> overrides = Map.of();

  static ModelConfig config() {
    return config(CONTEXT);
  }

  static ModelConfig config(int context) {
    return new ModelConfig(
        Architecture.QWEN2,
        64,
        2,
        4,
        2,
        16,
        128,
        VOCAB,
        context,
        1e-6f,
        new RopeConfig(10000, "default", 1, 1, 1, 0),
        true,
        true,
        "f32");
  }

  static Path writeModel(Path dir) throws IOException {
    return writeModel(dir, CONTEXT);
  }

  static Path writeModel(Path dir, int context) throws IOException {
    new RandomModelWriter(config(context), 31, DType.F32).perturbNorms().initStd(0.15).write(dir);
    Files.writeString(dir.resolve("tokenizer.json"), ByteTokenizerJson.build());
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"eos_token": "<|im_end|>", "clean_up_tokenization_spaces": false,
         "chat_template": "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\\\n' + message['content'] + '<|im_end|>\\\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\\\n' }}{% endif %}"}
        """);
    return dir;
  }

  /** Init args are extra server settings (a test profile's limits). */
  @Override
  public void init(Map<String, String> initArgs) {
    this.overrides = Map.copyOf(initArgs);
  }

  /** A random PEFT LoRA adapter (rank 4 on q_proj and v_proj) for the test model. */
  static Path writeAdapter(Path dir, long seed) throws IOException {
    Files.createDirectories(dir);
    ModelConfig c = config();
    java.util.Random rng = new java.util.Random(seed);
    dev.modelforge.engine.format.safetensors.SafetensorsWriter w =
        new dev.modelforge.engine.format.safetensors.SafetensorsWriter();
    int r = 4;
    for (int l = 0; l < c.layers(); l++) {
      for (String m : new String[] {"q_proj", "v_proj"}) {
        int out = m.equals("q_proj") ? c.qDim() : c.kvDim();
        float[] a = new float[r * c.dim()];
        float[] b = new float[out * r];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) (rng.nextGaussian() * 0.5);
        }
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) (rng.nextGaussian() * 0.5);
        }
        String name = "base_model.model.model.layers." + l + ".self_attn." + m;
        w.addF32(name + ".lora_A.weight", new long[] {r, c.dim()}, a);
        w.addF32(name + ".lora_B.weight", new long[] {out, r}, b);
      }
    }
    w.write(dir.resolve("adapter_model.safetensors"));
    Files.writeString(
        dir.resolve("adapter_config.json"),
        """
        {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "lora_dropout": 0.0,
         "target_modules": ["q_proj", "v_proj"], "task_type": "CAUSAL_LM", "bias": "none"}
        """);
    return dir;
  }

  @Override
  public Map<String, String> start() {
    try {
      dir = Files.createTempDirectory("modelforge-serve-test");
      writeModel(dir, context());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> config = new HashMap<>();
    config.put("modelforge.serve.model", dir.toString());
    config.put("modelforge.serve.served-model-name", "tiny");
    config.put("modelforge.serve.max-batch", "8");
    config.put("modelforge.serve.threads", "2");
    config.put("modelforge.serve.kv-cache-memory", "8M");
    config.put("modelforge.serve.block-size", "8");
    config.putAll(overrides);
    return config;
  }

  /** The test model's context length. */
  protected int context() {
    return CONTEXT;
  }

  @Override
  public void stop() {
    // the temp folder lives in target/ (java.io.tmpdir) and goes with mvn clean
  }
}
