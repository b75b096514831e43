package dev.modelforge.runtime.cli;

import dev.modelforge.contract.args.Device;
import dev.modelforge.runtime.serve.ReasoningParser;
import dev.modelforge.runtime.serve.ServeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code modelforge serve}: the OpenAI-compatible server. It runs as a Quarkus application ({@code
 * dev.modelforge.runtime.serve.ServeMain}); {@code bin/modelforge serve} starts that, and these
 * options become its configuration.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve a model over the OpenAI API: /v1/completions, /v1/chat/completions (SSE streaming),",
      "/v1/models, /tokenize, /detokenize, /health/live, /health/ready and /metrics, with",
      "continuous batching over a paged KV cache and prefix caching."
    })
public final class ServeCommand implements Callable<Integer> {

  /**
   * Quarkus's shutdown wait beyond the drain: the server's wait for the aborted streams' last step
   * after cancelling them (ServingEngine.ABORT_WAIT, 5 s) and its own shutdown.
   */
  private static final Duration ABORT_GRACE = Duration.ofSeconds(10);

  private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)?");

  @Option(names = "--model", required = true, description = "Model directory or .gguf file.")
  Path model;

  @Option(names = "--adapter", description = "LoRA adapter NAME=DIR (repeatable).")
  List<String> adapters = new ArrayList<>();

  @Option(
      names = "--port",
      defaultValue = "8000",
      description = "HTTP port (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "0.0.0.0",
      description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--served-model-name",
      description = "Model id clients use (default: the directory name).")
  String servedModelName;

  @Option(
      names = {"--max-batch", "--max-batch-size"},
      description =
          "Sequences decoded together at most (default " + ServeConfig.DEFAULT_MAX_BATCH + ").")
  Integer maxBatch;

  @Option(
      names = "--max-tokens-per-step",
      description =
          "Token budget of one engine step (default "
              + ServeConfig.DEFAULT_MAX_TOKENS_PER_STEP
              + ").")
  Integer maxTokensPerStep;

  @Option(
      names = "--kv-cache-memory",
      description =
          "Memory for the paged KV cache, e.g. 512M (default "
              + ServeConfig.DEFAULT_KV_CACHE_MEMORY
              + "), or auto: the heap the loaded"
              + " model leaves, times --memory-utilization (what the operator passes).")
  String kvCacheMemory;

  @Option(
      names = "--memory-utilization",
      description =
          "With --kv-cache-memory auto: the fraction of the free heap the KV cache may take"
              + " (default "
              + ServeConfig.DEFAULT_MEMORY_UTILIZATION
              + ").")
  Double memoryUtilization;

  @Option(
      names = {"--max-model-len", "--max-sequence-length"},
      description = "Longest prompt + completion (default: the model's context).")
  Integer maxModelLen;

  @Option(
      names = "--block-size",
      description = "Positions per KV block (default " + ServeConfig.DEFAULT_BLOCK_SIZE + ").")
  Integer blockSize;

  @Option(
      names = "--prefix-caching",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Reuse KV blocks of shared prompt prefixes (default on; --no-prefix-caching).")
  boolean prefixCaching = true;

  @Option(
      names = "--dtype",
      description = "Weight type: auto (default, as stored), float32, bfloat16, float16.")
  String dtype;

  @Option(
      names = "--max-waiting",
      description = "Queued requests before 429 (default " + ServeConfig.DEFAULT_MAX_WAITING + ").")
  Integer maxWaiting;

  @Option(names = "--threads", description = "Kernel threads (default: all cores).")
  Integer threads;

  @Option(
      names = Device.FLAG,
      description = "Where the kernels run: cpu (default; the only backend this runtime has).")
  String device;

  @Option(names = "--quantize", description = "Re-encode weights on load: q8_0 or q4_0.")
  String quantize;

  @Option(
      names = "--drain-timeout",
      description =
          "Shutdown waits this long for requests in flight (default "
              + ServeConfig.DEFAULT_DRAIN_TIMEOUT
              + ").")
  String drainTimeout;

  @Option(
      names = "--api-key",
      description = {
        "Require 'Authorization: Bearer KEY' on every /v1 request (or set MODELFORGE_SERVE_API_KEY,",
        "which keeps the key off the command line)."
      })
  String apiKey;

  @Option(
      names = "--chat-template",
      description = "A Jinja chat template file (or the template itself) instead of the model's.")
  String chatTemplate;

  @Option(
      names = "--pooling-type",
      description = "How /v1/embeddings pools the hidden states: last (default), mean or cls.")
  String poolingType;

  @Option(
      names = "--reasoning-parser",
      description =
          "Split chat answers' thinking into reasoning_content: qwen3 or deepseek_r1 (vLLM's).")
  String reasoningParser;

  @Option(
      names = "--metrics-prefix",
      description =
          "Prefix of the /metrics series names (default vllm: vllm:num_requests_running, ...).")
  String metricsPrefix;

  /** The server's configuration properties for these options. */
  public Map<String, String> toProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    for (String a : adapters) {
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(0, eq) : "";
      if (eq <= 0 || eq == a.length() - 1 || !name.matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException(
            "--adapter takes NAME=DIR with a name of letters, digits, '-' or '_', got '" + a + "'");
      }
      p.put(
          "modelforge.serve.adapters." + name,
          Path.of(a.substring(eq + 1)).toAbsolutePath().toString());
    }
    p.put("modelforge.serve.model", model.toAbsolutePath().toString());
    p.put("quarkus.http.port", Integer.toString(port));
    p.put("quarkus.http.host", host);
    put(p, "modelforge.serve.served-model-name", servedModelName);
    put(p, "modelforge.serve.max-batch", maxBatch);
    put(p, "modelforge.serve.max-tokens-per-step", maxTokensPerStep);
    put(p, "modelforge.serve.kv-cache-memory", kvCacheMemory);
    put(p, "modelforge.serve.memory-utilization", memoryUtilization);
    put(p, "modelforge.serve.max-model-len", maxModelLen);
    put(p, "modelforge.serve.block-size", blockSize);
    put(p, "modelforge.serve.max-waiting", maxWaiting);
    put(p, "modelforge.serve.threads", threads);
    put(p, "modelforge.serve.device", device);
    put(p, "modelforge.serve.quantize", quantize);
    Duration drain =
        parseDuration(drainTimeout == null ? ServeConfig.DEFAULT_DRAIN_TIMEOUT : drainTimeout);
    p.put("modelforge.serve.drain-timeout", drain.toMillis() + "ms");
    // Quarkus closes the HTTP connections once its own shutdown wait is over, whatever the drain
    // is still waiting for: it has to outlast the drain, and the aborted streams' last step after
    // it
    p.put("quarkus.shutdown.timeout", drain.plus(ABORT_GRACE).toMillis() + "ms");
    if (!prefixCaching) {
      p.put("modelforge.serve.prefix-caching", "false");
    }
    put(p, "modelforge.serve.dtype", dtype);
    put(p, "modelforge.serve.api-key", apiKey);
    if (metricsPrefix != null && !metricsPrefix.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      throw new IllegalArgumentException(
          "--metrics-prefix must be a Prometheus name (letters, digits, '_'), got '"
              + metricsPrefix
              + "'");
    }
    put(p, "modelforge.serve.metrics-prefix", metricsPrefix);
    if (reasoningParser != null) {
      ReasoningParser.named(reasoningParser); // refuse an unknown name before the server starts
    }
    put(p, "modelforge.serve.reasoning-parser", reasoningParser);
    if (poolingType != null) {
      dev.modelforge.engine.embed.Pooling.named(poolingType); // refused before the server starts
    }
    put(p, "modelforge.serve.pooling-type", poolingType);
    if (chatTemplate != null) {
      boolean inline = chatTemplate.contains("{{") || chatTemplate.contains("{%");
      if (!inline && !java.nio.file.Files.isReadable(Path.of(chatTemplate))) {
        throw new IllegalArgumentException(
            "--chat-template " + chatTemplate + ": no such file (give a file or the template)");
      }
      p.put(
          "modelforge.serve.chat-template",
          inline ? chatTemplate : Path.of(chatTemplate).toAbsolutePath().toString());
    }
    return p;
  }

  /**
   * A duration as Quarkus writes them: a number with {@code ms}, {@code s}, {@code m}, {@code h} or
   * {@code d}, a bare number of seconds, or ISO-8601 ({@code PT30S}).
   */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      Duration d = Duration.parse(text.trim());
      if (!d.isNegative()) {
        return d;
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--drain-timeout takes a duration such as 30s, 500ms, 2m or PT30S, got '" + text + "'");
  }

  private static void put(Map<String, String> p, String key, Object value) {
    if (value != null) {
      p.put(key, value.toString());
    }
  }

  @Override
  public Integer call() {
    throw new IllegalStateException(
        "serve runs as a Quarkus application: start it with bin/modelforge serve (after ./mvnw package)");
  }
}
