package dev.modelforge.operator.api.v1alpha1;

/** The Kubernetes resource.Quantity grammar, for @Pattern on quantity strings. */
final class Quantities {
  static final String PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

  private Quantities() {}
}
