package dev.modelforge.operator.common;

import dev.modelforge.contract.progress.ProgressReports;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Optional;
import java.util.Set;

/**
 * Watches the progress ConfigMaps of one kind of workload (fetch or train) and maps each to the
 * resource it reports on, so a pod's report triggers a reconcile that folds it into status.
 */
public final class ProgressInformer {
  public static final String NAME = "progress";

  private ProgressInformer() {}

  public static <P extends HasMetadata> InformerEventSource<ConfigMap, P> create(
      EventSourceContext<P> context, String kind) {
    var configuration =
        InformerEventSourceConfiguration.from(ConfigMap.class, context.getPrimaryResourceClass())
            .withName(NAME)
            // Only report ConfigMaps: the operator must not cache every ConfigMap of the cluster.
            .withLabelSelector(ProgressReports.KIND_LABEL + "=" + kind)
            .withSecondaryToPrimaryMapper(configMap -> reportedResource(configMap, kind))
            .withPrimaryToSecondaryMapper(
                (HasMetadata primary) ->
                    Set.of(
                        new ResourceID(
                            ProgressReports.configMapName(primary.getMetadata().getName(), kind),
                            primary.getMetadata().getNamespace())))
            .build();
    return new InformerEventSource<>(configuration, context);
  }

  static Set<ResourceID> reportedResource(ConfigMap configMap, String kind) {
    String name = configMap.getMetadata().getName();
    String suffix = ProgressReports.configMapName("", kind);
    if (!name.endsWith(suffix) || name.length() == suffix.length()) {
      return Set.of();
    }
    return Set.of(
        new ResourceID(
            name.substring(0, name.length() - suffix.length()),
            configMap.getMetadata().getNamespace()));
  }

  public static <P extends HasMetadata> ProgressReport latest(Context<P> context) {
    Optional<ConfigMap> configMap = context.getSecondaryResource(ConfigMap.class, NAME);
    return ProgressReport.from(configMap);
  }
}
