package dev.modelforge.runtime.serve;

import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.scheduler.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The serving metrics under the names people already graph for vLLM, with the {@code modelforge:}
 * prefix: gauges and counters read from the scheduler, latency histograms per request.
 */
@ApplicationScoped
public class ServingMetrics {

  private final Timer timeToFirstToken;
  private final Timer interTokenLatency;
  private final Timer e2eLatency;
  private final Timer queueTime;
  private final Map<FinishReason, Counter> success = new EnumMap<>(FinishReason.class);

  ServingMetrics(MeterRegistry registry, ServingEngine engine) {
    gauge(registry, "modelforge:num_requests_running", engine, s -> s.running());
    gauge(registry, "modelforge:num_requests_waiting", engine, s -> s.waiting());
    gauge(registry, "modelforge:kv_cache_usage_perc", engine, SchedulerStats::kvCacheUsage);
    counter(
        registry, "modelforge:prefix_cache_queries", engine, SchedulerStats::prefixCacheQueries);
    counter(registry, "modelforge:prefix_cache_hits", engine, SchedulerStats::prefixCacheHits);
    counter(registry, "modelforge:prompt_tokens", engine, SchedulerStats::promptTokens);
    counter(registry, "modelforge:generation_tokens", engine, SchedulerStats::generationTokens);
    counter(registry, "modelforge:num_preemptions", engine, SchedulerStats::preemptions);
    this.timeToFirstToken =
        timer(registry, "modelforge:time_to_first_token", "Time to first token");
    this.interTokenLatency =
        timer(registry, "modelforge:inter_token_latency", "Time between tokens");
    this.e2eLatency = timer(registry, "modelforge:e2e_request_latency", "Request latency");
    this.queueTime =
        timer(registry, "modelforge:request_queue_time", "Time waiting to be scheduled");
    for (FinishReason r : FinishReason.values()) {
      success.put(
          r,
          Counter.builder("modelforge:request_success")
              .tag("finished_reason", r.apiName())
              .description("Requests finished, by reason")
              .register(registry));
    }
  }

  private static void gauge(
      MeterRegistry registry,
      String name,
      ServingEngine engine,
      ToDoubleFunction<SchedulerStats> f) {
    Gauge.builder(name, engine, e -> e.stats() == null ? 0 : f.applyAsDouble(e.stats()))
        .register(registry);
  }

  private static void counter(
      MeterRegistry registry,
      String name,
      ServingEngine engine,
      ToDoubleFunction<SchedulerStats> f) {
    FunctionCounter.builder(name, engine, e -> e.stats() == null ? 0 : f.applyAsDouble(e.stats()))
        .register(registry);
  }

  private static Timer timer(MeterRegistry registry, String name, String description) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry);
  }

  /** Clock of one request, fed by its listener. */
  final class RequestClock {
    private final long arrival = System.nanoTime();
    private long lastToken;

    void scheduled() {
      queueTime.record(Duration.ofNanos(System.nanoTime() - arrival));
    }

    void token() {
      long now = System.nanoTime();
      if (lastToken == 0) {
        timeToFirstToken.record(Duration.ofNanos(now - arrival));
      } else {
        interTokenLatency.record(Duration.ofNanos(now - lastToken));
      }
      lastToken = now;
    }

    void finished(FinishReason reason) {
      e2eLatency.record(Duration.ofNanos(System.nanoTime() - arrival));
      success.get(reason).increment();
    }
  }

  RequestClock startRequest() {
    return new RequestClock();
  }
}
