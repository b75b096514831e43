package dev.modelforge.runtime.serve;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of {@code modelforge serve}, set from its command line by {@link ServeMain}. */
@ConfigMapping(prefix = "modelforge.serve")
public interface ServeConfig {

  /** Model directory or .gguf file. */
  Optional<String> model();

  /** LoRA adapters to load at startup: name -> PEFT adapter directory. */
  java.util.Map<String, String> adapters();

  /** The model id clients use; defaults to the directory's name. */
  Optional<String> servedModelName();

  /** Sequences decoded together at most. */
  @WithDefault(DEFAULT_MAX_BATCH)
  int maxBatch();

  /** Token budget of one engine step (decodes plus prefill chunks). */
  @WithDefault(DEFAULT_MAX_TOKENS_PER_STEP)
  int maxTokensPerStep();

  /**
   * Memory for the paged KV cache, e.g. 512M or 2G; or {@code auto}: the heap the loaded model
   * leaves, times {@link #memoryUtilization}.
   */
  @WithDefault(DEFAULT_KV_CACHE_MEMORY)
  String kvCacheMemory();

  /** With {@code kv-cache-memory=auto}: the fraction of the free heap the KV cache may take. */
  @WithDefault(DEFAULT_MEMORY_UTILIZATION)
  double memoryUtilization();

  /** Longest prompt plus completion; defaults to the model's context length. */
  Optional<Integer> maxModelLen();

  @WithDefault(DEFAULT_BLOCK_SIZE)
  int blockSize();

  @WithDefault("true")
  boolean prefixCaching();

  /** Requests queued before new ones get 429. */
  @WithDefault(DEFAULT_MAX_WAITING)
  int maxWaiting();

  /** Kernel threads; defaults to all cores. */
  Optional<Integer> threads();

  /** Where the kernels run ({@code --device}); the CPU unless set. */
  Optional<String> device();

  /** Re-encode weights on load: q8_0 or q4_0. */
  Optional<String> quantize();

  /**
   * Weight type: auto (as stored), float32, bfloat16, or float16 (served as bfloat16: the CPU
   * kernels have no float16 path, as vLLM's CPU backend does the same).
   */
  @WithDefault("auto")
  String dtype();

  /** Default of {@link #drainTimeout()}, and of {@code serve --drain-timeout}. */
  // the defaults, also quoted by serve's --help
  String DEFAULT_MAX_BATCH = "32";

  String DEFAULT_MAX_TOKENS_PER_STEP = "512";
  String DEFAULT_KV_CACHE_MEMORY = "1G";
  String DEFAULT_MEMORY_UTILIZATION = "0.9";
  String DEFAULT_BLOCK_SIZE = "16";
  String DEFAULT_MAX_WAITING = "256";
  String DEFAULT_POOLING_TYPE = "last";
  String DEFAULT_METRICS_PREFIX = "vllm";
  String DEFAULT_DRAIN_TIMEOUT = "30s";

  /** How long shutdown waits for requests in flight before cancelling them. */
  @WithDefault(DEFAULT_DRAIN_TIMEOUT)
  Duration drainTimeout();

  /**
   * The key every /v1 request must carry as {@code Authorization: Bearer KEY} (vLLM's --api-key);
   * none when unset. Also from the environment as MODELFORGE_SERVE_API_KEY, which keeps it off the
   * command line.
   */
  Optional<String> apiKey();

  /**
   * vLLM's --reasoning-parser: qwen3 or deepseek_r1 split a chat answer's thinking into {@code
   * reasoning_content}; none when unset.
   */
  Optional<String> reasoningParser();

  /** vLLM's --chat-template: a Jinja file, or the template itself, used instead of the model's. */
  Optional<String> chatTemplate();

  /** How /v1/embeddings pools hidden states: last (vLLM's default for decoders), mean or cls. */
  @WithDefault(DEFAULT_POOLING_TYPE)
  String poolingType();

  /** The metrics' name prefix: vLLM's, so what is built for vLLM reads this server as it is. */
  @WithDefault(DEFAULT_METRICS_PREFIX)
  String metricsPrefix();
}
