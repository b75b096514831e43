package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;
import java.util.function.Function;

/**
 * Gauges {@code modelforge_resources{kind, phase}}: how many resources of each kind are in each
 * phase. Counted from the controller's own cache at scrape time, so deletions need no finalizer to
 * be seen.
 */
@ApplicationScoped
public class PhaseMetrics {
  private final MeterRegistry registry;

  public PhaseMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public <P extends HasMetadata, E extends Enum<E>> void track(
      String kind, IndexerResourceCache<P> cache, Function<P, E> phaseOf, E[] phases) {
    for (E phase : phases) {
      Gauge.builder(
              "modelforge.resources",
              cache,
              c -> c.list().filter(p -> Objects.equals(phaseOf.apply(p), phase)).count())
          .description("ModelForge resources by kind and phase")
          .tag("kind", kind)
          .tag("phase", phase.name())
          .register(registry);
    }
  }
}
