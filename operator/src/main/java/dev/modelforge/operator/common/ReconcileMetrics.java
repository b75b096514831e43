package dev.modelforge.operator.common;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetricsV2;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * JOSDK's reconcile metrics ({@code reconciliations_started_total}, {@code
 * reconciliations_failure_total}, {@code reconciliations_execution_duration_seconds_bucket}, ...)
 * on the application's registry.
 *
 * <p>The extension's own producer hands JOSDK a metrics object that stays a no-op unless the
 * registry binds it before the operator reads its configuration: the packaged operator exported no
 * reconcile series at all while the tests' did. Built here from the injected registry, the series
 * exist whatever the start-up order. The execution timer publishes a histogram so the dashboard's
 * latency quantiles have buckets.
 */
@ApplicationScoped
public class ReconcileMetrics {

  @Produces
  @Singleton
  Metrics reconcileMetrics(MeterRegistry registry) {
    return MicrometerMetricsV2.newBuilder(registry)
        .withExecutionTimerConfig(timer -> timer.publishPercentileHistogram())
        .build();
  }
}
