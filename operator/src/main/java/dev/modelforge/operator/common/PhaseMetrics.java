package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Gauges {@code modelforge_resources{kind, phase}}: how many resources of each kind are in each
 * phase. Counted from the controller's own cache at scrape time, so deletions need no finalizer to
 * be seen.
 */
@ApplicationScoped
public class PhaseMetrics {
  private final MeterRegistry registry;
  private final List<Meter> registered = new CopyOnWriteArrayList<>();

  public PhaseMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public <P extends HasMetadata, E extends Enum<E>> void track(
      String kind, IndexerResourceCache<P> cache, Function<P, E> phaseOf, E[] phases) {
    for (E phase : phases) {
      var gauge =
          Gauge.builder(
                  "modelforge.resources",
                  cache,
                  c -> c.list().filter(p -> Objects.equals(phaseOf.apply(p), phase)).count())
              .description("ModelForge resources by kind and phase")
              .tag("kind", kind)
              .tag("phase", phase.name())
              .register(registry);
      registered.add(gauge);
    }
  }

  /**
   * The injected registry is Micrometer's global composite, which outlives this bean (across
   * Quarkus restarts in tests): leaving the gauges would keep them bound to a stopped cache.
   */
  @PreDestroy
  void unregister() {
    registered.forEach(registry::remove);
    registered.clear();
  }
}
