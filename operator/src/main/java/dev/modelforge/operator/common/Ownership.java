package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/**
 * The controller reference every created object carries. Set by the model objects themselves
 * (JOSDK's own reference leaves {@code controller} unset), so garbage collection removes the object
 * with its owner and {@code kubectl describe} shows who controls it.
 */
public final class Ownership {
  private Ownership() {}

  public static OwnerReference controlledBy(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
