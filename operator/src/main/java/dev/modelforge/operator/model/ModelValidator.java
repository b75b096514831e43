package dev.modelforge.operator.model;

import dev.modelforge.operator.api.v1alpha1.Model;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules on a Model's spec that its CRD schema cannot state; the schema (its required fields,
 * the source URI's pattern, CEL) is the one home of every other rule, and the API server applies it
 * before the operator sees the object (CrdSchemaOnRealServerTest holds each rule there). A spec
 * that breaks one of these ends in an InvalidSpec condition, not in a crash loop.
 */
public final class ModelValidator {
  private ModelValidator() {}

  public static List<String> problems(Model model) {
    var spec = model.getSpec();
    if (spec == null) {
      return List.of("spec is required");
    }
    var problems = new ArrayList<String>();
    String size = spec.getStorage() == null ? null : spec.getStorage().getSize();
    // the schema's pattern admits any quantity, zero and negative ones too
    if (size != null && !isPositiveQuantity(size)) {
      problems.add("spec.storage.size '" + size + "' is not a positive quantity such as 4Gi");
    }
    if (spec.getAdapterOf() != null
        && model.getMetadata().getName().equals(spec.getAdapterOf().getName())) {
      problems.add("spec.adapterOf names this Model itself; name its base Model");
    }
    return problems;
  }

  static boolean isPositiveQuantity(String value) {
    try {
      return Quantity.getAmountInBytes(new Quantity(value)).signum() > 0;
    } catch (IllegalArgumentException | ArithmeticException e) {
      return false;
    }
  }
}
