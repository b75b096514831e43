package dev.modelforge.operator.model;

import dev.modelforge.operator.api.v1alpha1.Model;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a Model's spec before anything is created. The CRD schema already rejects most of this,
 * but not every API server applies it (the in-process one of the local mode does not), and an
 * invalid spec must end in a condition, not in a crash loop.
 */
public final class ModelValidator {
  static final Set<String> SCHEMES = Set.of("hf", "https", "http", "s3", "pvc", "configmap");

  private ModelValidator() {}

  public static List<String> problems(Model model) {
    var problems = new ArrayList<String>();
    var spec = model.getSpec();
    if (spec == null) {
      return List.of("spec is required");
    }
    String uri = spec.getSource() == null ? null : spec.getSource().getUri();
    if (uri == null || uri.isBlank()) {
      problems.add("spec.source.uri is required, for example hf://Qwen/Qwen2.5-0.5B-Instruct");
    } else {
      int schemeEnd = uri.indexOf("://");
      String scheme = schemeEnd < 0 ? "" : uri.substring(0, schemeEnd);
      if (!SCHEMES.contains(scheme) || uri.length() == schemeEnd + 3) {
        problems.add(
            "spec.source.uri '"
                + uri
                + "' is not supported; use hf://, https://, s3://, pvc://claim/path or"
                + " configmap://name");
      }
    }
    String size = spec.getStorage() == null ? null : spec.getStorage().getSize();
    if (size == null) {
      problems.add("spec.storage.size is required, for example 4Gi");
    } else if (!isPositiveQuantity(size)) {
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
