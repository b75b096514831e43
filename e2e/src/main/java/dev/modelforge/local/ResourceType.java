package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionNames;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceSubresources;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One kind the local API server serves at one group/version, as discovery lists it and as {@code
 * kubectl get} prints it. The core group is the empty string.
 */
record ResourceType(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    List<String> subresources,
    List<PrinterColumn> printerColumns) {

  /** A column of {@code kubectl get}'s table, as a CRD's {@code additionalPrinterColumns} says. */
  record PrinterColumn(
      String name, String type, String format, String description, int priority, String jsonPath) {

    /** The column a CRD without printer columns gets, as kube-apiserver does. */
    static final PrinterColumn AGE =
        new PrinterColumn(
            "Age",
            "date",
            "",
            "CreationTimestamp is a timestamp representing the server time when this object was"
                + " created.",
            0,
            ".metadata.creationTimestamp");
  }

  ResourceType {
    shortNames = List.copyOf(shortNames);
    categories = List.copyOf(categories);
    subresources = List.copyOf(subresources);
    printerColumns = List.copyOf(printerColumns);
  }

  /** A built-in kind, printed with the name and age columns. */
  static ResourceType builtIn(
      String groupVersion,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      List<String> subresources) {
    int slash = groupVersion.indexOf('/');
    String group = slash < 0 ? "" : groupVersion.substring(0, slash);
    String version = groupVersion.substring(slash + 1);
    return new ResourceType(
        group,
        version,
        plural,
        kind.toLowerCase(Locale.ROOT),
        kind,
        namespaced,
        shortNames,
        categories,
        subresources,
        List.of(PrinterColumn.AGE));
  }

  /** The kinds a CRD adds: one per served version. */
  static List<ResourceType> fromCrd(CustomResourceDefinition crd) {
    var spec = crd.getSpec();
    CustomResourceDefinitionNames names = spec.getNames();
    String singular =
        Objects.requireNonNullElse(names.getSingular(), "").isEmpty()
            ? names.getKind().toLowerCase(Locale.ROOT)
            : names.getSingular();
    boolean namespaced = "Namespaced".equals(spec.getScope());
    List<ResourceType> types = new ArrayList<>();
    for (CustomResourceDefinitionVersion version : spec.getVersions()) {
      if (!Boolean.TRUE.equals(version.getServed())) {
        continue;
      }
      types.add(
          new ResourceType(
              spec.getGroup(),
              version.getName(),
              names.getPlural(),
              singular,
              names.getKind(),
              namespaced,
              Objects.requireNonNullElse(names.getShortNames(), List.of()),
              Objects.requireNonNullElse(names.getCategories(), List.of()),
              subresources(version.getSubresources()),
              printerColumns(version.getAdditionalPrinterColumns())));
    }
    return types;
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  private static List<String> subresources(CustomResourceSubresources subresources) {
    List<String> names = new ArrayList<>();
    if (subresources != null && subresources.getStatus() != null) {
      names.add("status");
    }
    if (subresources != null && subresources.getScale() != null) {
      names.add("scale");
    }
    return names;
  }

  private static List<PrinterColumn> printerColumns(List<CustomResourceColumnDefinition> columns) {
    if (columns == null || columns.isEmpty()) {
      return List.of(PrinterColumn.AGE);
    }
    return columns.stream()
        .map(
            column ->
                new PrinterColumn(
                    column.getName(),
                    column.getType(),
                    Objects.requireNonNullElse(column.getFormat(), ""),
                    Objects.requireNonNullElse(column.getDescription(), ""),
                    Objects.requireNonNullElse(column.getPriority(), 0),
                    column.getJsonPath()))
        .toList();
  }
}
