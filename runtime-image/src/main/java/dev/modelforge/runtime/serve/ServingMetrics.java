package dev.modelforge.runtime.serve;

import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.scheduler.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * vLLM's serving metrics, exactly: the series names ({@code vllm:} by default; {@code serve
 * --metrics-prefix} renames it), the labels {@code model_name} and {@code engine}, and vLLM's
 * histogram bucket edges, so the dashboards, KEDA triggers, HPA rules and the Inference Extension's
 * endpoint picker written for vLLM read this server unchanged.
 */
@ApplicationScoped
public class ServingMetrics {

  /** vLLM's edges for time to first token, seconds. */
  static final double[] TTFT_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0
  };

  /** vLLM's edges for the time between two output tokens, seconds. */
  static final double[] ITL_BUCKETS = {
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0
  };

  /** vLLM's edges for whole-request latencies (end to end, queue), seconds. */
  static final double[] REQUEST_LATENCY_BUCKETS = {
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0
  };

  /** vLLM's edges for the tokens of one engine step. */
  static final double[] ITERATION_TOKEN_BUCKETS = {
    1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384
  };

  /** vLLM's edges for the n request parameter. */
  static final double[] PARAMS_N_BUCKETS = {1, 2, 5, 10, 20};

  private final MeterRegistry registry;
  private final String prefix;
  private final Tags labels;
  private final Timer timeToFirstToken;
  private final Timer interTokenLatency;
  private final Timer e2eLatency;
  private final Timer queueTime;
  private final Timer prefillTime;
  private final Timer decodeTime;
  private final Timer inferenceTime;
  private final Timer timePerOutputToken;
  private final DistributionSummary paramsN;
  private final Map<FinishReason, Counter> success = new EnumMap<>(FinishReason.class);
  private volatile TokenHistograms tokens;
  private final ServingEngine engine;
  private final MultiGauge loraInfo;
  private volatile Tags loraTags;
  private volatile double loraChanged;

  /** Everything registered here, removed when the application stops (see {@link #close}). */
  private final List<Meter> meters = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The per-request token histograms, whose edges depend on the loaded model's context. */
  private record TokenHistograms(
      DistributionSummary prompt,
      DistributionSummary generation,
      DistributionSummary maxTokens,
      DistributionSummary maxGeneration) {}

  ServingMetrics(MeterRegistry registry, ServingEngine engine, ServeConfig config) {
    this.registry = registry;
    this.engine = engine;
    this.prefix = config.metricsPrefix() + ":";
    this.labels = Tags.of("model_name", ServingEngine.servedName(config), "engine", "0");
    gauge("num_requests_running", "Requests in the running batch", engine, s -> s.running());
    gauge("num_requests_waiting", "Requests waiting to be scheduled", engine, s -> s.waiting());
    gauge(
        "kv_cache_usage_perc",
        "KV-cache usage. 1 means 100 percent usage.",
        engine,
        SchedulerStats::kvCacheUsage);
    counter(
        "prefix_cache_queries",
        "Prefix cache queries, in tokens",
        engine,
        SchedulerStats::prefixCacheQueries);
    counter(
        "prefix_cache_hits",
        "Prefix cache hits, in tokens",
        engine,
        SchedulerStats::prefixCacheHits);
    counter(
        "prompt_tokens",
        "Number of prefill tokens processed",
        engine,
        SchedulerStats::promptTokens);
    counter(
        "generation_tokens",
        "Number of generation tokens processed",
        engine,
        SchedulerStats::generationTokens);
    counter(
        "num_preemptions",
        "Cumulative number of preemptions from the engine",
        engine,
        SchedulerStats::preemptions);
    this.timeToFirstToken =
        timer("time_to_first_token", "Histogram of time to first token in seconds", TTFT_BUCKETS);
    this.interTokenLatency =
        timer("inter_token_latency", "Histogram of inter-token latency in seconds", ITL_BUCKETS);
    this.e2eLatency =
        timer(
            "e2e_request_latency",
            "Histogram of e2e request latency in seconds",
            REQUEST_LATENCY_BUCKETS);
    this.queueTime =
        timer(
            "request_queue_time",
            "Histogram of time spent in WAITING phase for request",
            REQUEST_LATENCY_BUCKETS);
    this.prefillTime =
        timer(
            "request_prefill_time",
            "Histogram of time spent in PREFILL phase for request",
            REQUEST_LATENCY_BUCKETS);
    this.decodeTime =
        timer(
            "request_decode_time",
            "Histogram of time spent in DECODE phase for request",
            REQUEST_LATENCY_BUCKETS);
    this.inferenceTime =
        timer(
            "request_inference_time",
            "Histogram of time spent in RUNNING phase for request",
            REQUEST_LATENCY_BUCKETS);
    this.timePerOutputToken =
        timer(
            "request_time_per_output_token",
            "Histogram of time_per_output_token_seconds per request",
            ITL_BUCKETS);
    this.paramsN =
        summary("request_params_n", "Histogram of the n request parameter", PARAMS_N_BUCKETS);
    DistributionSummary iterationTokens =
        summary(
            "iteration_tokens_total",
            "Histogram of number of tokens per engine_step",
            ITERATION_TOKEN_BUCKETS);
    engine.observeSteps(iterationTokens::record);
    for (FinishReason r : FinishReason.values()) {
      success.put(
          r,
          keep(
              Counter.builder(prefix + "request_success")
                  .tags(labels)
                  .tag("finished_reason", r.apiName())
                  .description("Count of successfully processed requests")
                  .register(registry)));
    }
    this.loraInfo =
        MultiGauge.builder(prefix + "lora_requests_info")
            .description("Running stats on lora requests")
            .register(registry);
    refreshLora();
    keep(
        Gauge.builder(prefix + "cache_config_info", () -> 1)
            .description("Information of the LLMEngine CacheConfig")
            .tags(
                Tags.of(
                    "engine",
                    "0",
                    "block_size",
                    String.valueOf(config.blockSize()),
                    "enable_prefix_caching",
                    String.valueOf(config.prefixCaching()),
                    "cache_dtype",
                    "auto",
                    "kv_cache_memory",
                    config.kvCacheMemory()))
            .register(registry));
  }

  private <M extends Meter> M keep(M meter) {
    meters.add(meter);
    return meter;
  }

  /**
   * Unregisters this application's meters: their functions read this application's engine, and a
   * registry that outlives it (Quarkus keeps one across test restarts) must not call them.
   */
  @PreDestroy
  void close() {
    engine.observeSteps(tokens -> {});
    loraInfo.register(List.of(), true);
    meters.forEach(registry::remove);
    meters.clear();
  }

  /**
   * vLLM's lora_requests_info: one series whose labels name the adapters running and waiting
   * (comma-separated) and max_lora (here: the adapters loaded, all resident at once), valued at the
   * time they last changed; the Inference Extension's endpoint picker routes by it. Refreshed when
   * a request arrives, is scheduled or ends, which is when those lists change.
   */
  void refreshLora() {
    SchedulerStats s = engine.stats();
    Tags tags =
        Tags.of(
            "max_lora",
            String.valueOf(engine.adapters().size()),
            "running_lora_adapters",
            s == null ? "" : String.join(",", s.runningAdapters()),
            "waiting_lora_adapters",
            s == null ? "" : String.join(",", s.waitingAdapters()));
    if (tags.equals(loraTags)) {
      return;
    }
    synchronized (this) {
      loraTags = tags;
      loraChanged = System.currentTimeMillis() / 1000.0;
      double at = loraChanged;
      loraInfo.register(List.of(MultiGauge.Row.of(tags, () -> at)), true);
    }
  }

  private void gauge(
      String name, String help, ServingEngine engine, ToDoubleFunction<SchedulerStats> f) {
    keep(
        Gauge.builder(
                prefix + name, engine, e -> e.stats() == null ? 0 : f.applyAsDouble(e.stats()))
            .description(help)
            .tags(labels)
            .register(registry));
  }

  private void counter(
      String name, String help, ServingEngine engine, ToDoubleFunction<SchedulerStats> f) {
    keep(
        FunctionCounter.builder(
                prefix + name, engine, e -> e.stats() == null ? 0 : f.applyAsDouble(e.stats()))
            .description(help)
            .tags(labels)
            .register(registry));
  }

  private Timer timer(String name, String help, double[] bucketsSeconds) {
    Duration[] edges = new Duration[bucketsSeconds.length];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = Duration.ofNanos(Math.round(bucketsSeconds[i] * 1e9));
    }
    return keep(
        Timer.builder(prefix + name)
            .description(help)
            .tags(labels)
            .serviceLevelObjectives(edges)
            .register(registry));
  }

  /** vLLM's 1-2-5 edges up to the context length: 1, 2, 5, 10, 20, 50, ... */
  static double[] oneTwoFive(int max) {
    List<Double> edges = new ArrayList<>();
    for (long exp = 1; ; exp *= 10) {
      for (int m : new int[] {1, 2, 5}) {
        if (m * exp > max) {
          return edges.stream().mapToDouble(Double::doubleValue).toArray();
        }
        edges.add((double) (m * exp));
      }
    }
  }

  private TokenHistograms tokens(int maxModelLength) {
    TokenHistograms t = tokens;
    if (t == null) {
      synchronized (this) {
        if (tokens == null) {
          double[] edges = oneTwoFive(maxModelLength);
          tokens =
              new TokenHistograms(
                  summary("request_prompt_tokens", "Number of prefill tokens processed", edges),
                  summary(
                      "request_generation_tokens", "Number of generation tokens processed", edges),
                  summary(
                      "request_params_max_tokens",
                      "Histogram of the max_tokens request parameter",
                      edges),
                  summary(
                      "request_max_num_generation_tokens",
                      "Histogram of maximum number of requested generation tokens",
                      edges));
        }
        t = tokens;
      }
    }
    return t;
  }

  private DistributionSummary summary(String name, String help, double[] edges) {
    return keep(
        DistributionSummary.builder(prefix + name)
            .description(help)
            .tags(labels)
            .serviceLevelObjectives(edges)
            .register(registry));
  }

  /** Clock of one request, fed by its listener. */
  final class RequestClock {
    private final long arrival = System.nanoTime();
    private final TokenHistograms histograms;
    private long scheduled;
    private long firstToken;
    private long lastToken;

    RequestClock(TokenHistograms histograms, int promptTokens, int maxTokens) {
      this.histograms = histograms;
      histograms.prompt().record(promptTokens);
      histograms.maxTokens().record(maxTokens);
    }

    void scheduled() {
      scheduled = System.nanoTime();
      queueTime.record(Duration.ofNanos(scheduled - arrival));
      refreshLora();
    }

    void token() {
      long now = System.nanoTime();
      if (lastToken == 0) {
        firstToken = now;
        timeToFirstToken.record(Duration.ofNanos(now - arrival));
        if (scheduled != 0) {
          prefillTime.record(Duration.ofNanos(now - scheduled));
        }
      } else {
        interTokenLatency.record(Duration.ofNanos(now - lastToken));
      }
      lastToken = now;
    }

    void finished(FinishReason reason, int generatedTokens) {
      long now = System.nanoTime();
      e2eLatency.record(Duration.ofNanos(now - arrival));
      if (scheduled != 0) {
        inferenceTime.record(Duration.ofNanos(now - scheduled));
      }
      if (firstToken != 0) {
        decodeTime.record(Duration.ofNanos(now - firstToken));
        if (generatedTokens > 1) {
          timePerOutputToken.record(Duration.ofNanos((now - firstToken) / (generatedTokens - 1)));
        }
      }
      histograms.generation().record(generatedTokens);
      success.get(reason).increment();
      refreshLora();
    }
  }

  /**
   * One request's parameters and outcome beside its choices' clocks: vLLM's request_params_n, and
   * the most tokens any of its {@code n} choices generated.
   */
  void requestParams(int n) {
    paramsN.record(n);
  }

  void requestFinished(int maxModelLength, int maxGeneratedTokens) {
    tokens(maxModelLength).maxGeneration().record(maxGeneratedTokens);
  }

  RequestClock startRequest(int maxModelLength, int promptTokens, int maxTokens) {
    RequestClock clock = new RequestClock(tokens(maxModelLength), promptTokens, maxTokens);
    refreshLora();
    return clock;
  }
}
