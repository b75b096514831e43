package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.Model;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Watches the Models that resources of one kind refer to by name (a base model, served models,
 * adapters), so a Model becoming Ready wakes up everything waiting for it. The references are
 * indexed on the primary cache: a Model event finds its dependents without a scan.
 */
public final class ModelInformer {
  public static final String NAME = "referenced-models";
  private static final String INDEX = "modelforge.dev/referenced-models";

  private ModelInformer() {}

  public static <P extends HasMetadata> InformerEventSource<Model, P> create(
      EventSourceContext<P> context, Function<P, Collection<String>> references) {
    var primaries = context.getPrimaryCache();
    primaries.addIndexer(
        INDEX,
        primary ->
            references.apply(primary).stream()
                .map(name -> key(primary.getMetadata().getNamespace(), name))
                .toList());
    var configuration =
        InformerEventSourceConfiguration.from(Model.class, context.getPrimaryResourceClass())
            .withName(NAME)
            .withSecondaryToPrimaryMapper(
                model ->
                    primaries
                        .byIndex(
                            INDEX,
                            key(model.getMetadata().getNamespace(), model.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (P primary) ->
                    references.apply(primary).stream()
                        .map(name -> new ResourceID(name, primary.getMetadata().getNamespace()))
                        .collect(Collectors.toSet()))
            .build();
    return new InformerEventSource<>(configuration, context);
  }

  /** The referenced Models that exist, by name. */
  @SuppressWarnings("unchecked")
  public static <P extends HasMetadata> Map<String, Model> referenced(
      P primary, Context<P> context) {
    var source =
        (InformerEventSource<Model, P>)
            context.eventSourceRetriever().getEventSourceFor(Model.class, NAME);
    Set<Model> models = source.getSecondaryResources(primary);
    return models.stream()
        .collect(Collectors.toMap(m -> m.getMetadata().getName(), Function.identity()));
  }

  public static <P extends HasMetadata> Optional<Model> referenced(
      P primary, Context<P> context, String name) {
    return Optional.ofNullable(referenced(primary, context).get(name));
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
