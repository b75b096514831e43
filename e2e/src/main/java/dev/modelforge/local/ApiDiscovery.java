package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersions;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.RootPaths;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The legacy discovery documents of the local API server: {@code /api}, {@code /api/v1}, {@code
 * /apis}, {@code /apis/GROUP} and {@code /apis/GROUP/VERSION}. kubectl and the Fabric8 client map
 * kinds, plurals and short names to URLs through them. Built-in kinds come from a fixed catalogue
 * of what ModelForge and its operator use; custom kinds from the CRDs stored in the server.
 */
final class ApiDiscovery {

  static final List<ResourceType> BUILT_IN =
      List.of(
          builtIn("v1", "namespaces", "Namespace", false, List.of("ns"), "status"),
          builtIn("v1", "pods", "Pod", true, List.of("po"), List.of("all"), "status"),
          builtIn("v1", "services", "Service", true, List.of("svc"), List.of("all"), "status"),
          builtIn("v1", "configmaps", "ConfigMap", true, List.of("cm")),
          builtIn("v1", "secrets", "Secret", true, List.of()),
          builtIn(
              "v1",
              "persistentvolumeclaims",
              "PersistentVolumeClaim",
              true,
              List.of("pvc"),
              "status"),
          builtIn("v1", "events", "Event", true, List.of("ev")),
          builtIn("v1", "serviceaccounts", "ServiceAccount", true, List.of("sa")),
          builtIn("v1", "endpoints", "Endpoints", true, List.of("ep")),
          builtIn(
              "apps/v1",
              "deployments",
              "Deployment",
              true,
              List.of("deploy"),
              List.of("all"),
              "status",
              "scale"),
          builtIn(
              "apps/v1",
              "replicasets",
              "ReplicaSet",
              true,
              List.of("rs"),
              List.of("all"),
              "status",
              "scale"),
          builtIn(
              "apps/v1",
              "statefulsets",
              "StatefulSet",
              true,
              List.of("sts"),
              List.of("all"),
              "status",
              "scale"),
          builtIn("batch/v1", "jobs", "Job", true, List.of(), List.of("all"), "status"),
          builtIn("batch/v1", "cronjobs", "CronJob", true, List.of("cj"), List.of("all"), "status"),
          builtIn("coordination.k8s.io/v1", "leases", "Lease", true, List.of()),
          builtIn("rbac.authorization.k8s.io/v1", "roles", "Role", true, List.of()),
          builtIn("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true, List.of()),
          builtIn("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false, List.of()),
          builtIn(
              "rbac.authorization.k8s.io/v1",
              "clusterrolebindings",
              "ClusterRoleBinding",
              false,
              List.of()),
          builtIn("events.k8s.io/v1", "events", "Event", true, List.of("ev")),
          builtIn(
              "apiextensions.k8s.io/v1",
              "customresourcedefinitions",
              "CustomResourceDefinition",
              false,
              List.of("crd", "crds"),
              List.of(),
              "status"));

  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

  private final List<ResourceType> types;

  /** Discovery for the built-in kinds and those of the given CRDs. */
  ApiDiscovery(List<CustomResourceDefinition> crds) {
    List<ResourceType> all = new ArrayList<>(BUILT_IN);
    crds.stream()
        .sorted(Comparator.comparing(crd -> crd.getMetadata().getName()))
        .map(ResourceType::fromCrd)
        .forEach(all::addAll);
    this.types = List.copyOf(all);
  }

  /** {@code /}: the paths a client may start from. */
  RootPaths rootPaths() {
    List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis", "/version"));
    for (APIGroup group : groups().getGroups()) {
      paths.add("/apis/" + group.getName());
      group.getVersions().forEach(v -> paths.add("/apis/" + v.getGroupVersion()));
    }
    return new RootPathsBuilder().withPaths(paths).build();
  }

  /** {@code /api}: the versions of the core group. */
  APIVersions coreVersions() {
    return new APIVersionsBuilder().withKind("APIVersions").withVersions("v1").build();
  }

  /** {@code /apis}: every named group with its versions, the preferred one first. */
  APIGroupList groups() {
    Map<String, List<String>> versionsByGroup = new LinkedHashMap<>();
    for (ResourceType type : types) {
      if (!type.group().isEmpty()) {
        List<String> versions =
            versionsByGroup.computeIfAbsent(type.group(), g -> new ArrayList<>());
        if (!versions.contains(type.version())) {
          versions.add(type.version());
        }
      }
    }
    List<APIGroup> groups = new ArrayList<>();
    versionsByGroup.forEach((name, versions) -> groups.add(group(name, versions)));
    return new APIGroupListBuilder()
        .withKind("APIGroupList")
        .withApiVersion("v1")
        .withGroups(groups)
        .build();
  }

  /** {@code /apis/GROUP}, or empty when no kind is served in that group. */
  Optional<APIGroup> group(String name) {
    return groups().getGroups().stream().filter(g -> g.getName().equals(name)).findFirst();
  }

  /** {@code /api/v1} or {@code /apis/GROUP/VERSION}, or empty when nothing is served there. */
  Optional<APIResourceList> resources(String groupVersion) {
    List<APIResource> resources = new ArrayList<>();
    for (ResourceType type : types) {
      if (type.groupVersion().equals(groupVersion)) {
        resources.add(resource(type));
        type.subresources().forEach(sub -> resources.add(subresource(type, sub)));
      }
    }
    if (resources.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new APIResourceListBuilder()
            .withKind("APIResourceList")
            .withApiVersion("v1")
            .withGroupVersion(groupVersion)
            .withResources(resources)
            .build());
  }

  /** The kind served at {@code plural} in a group/version, if any. */
  /** Every resource type served: the built-in kinds and the installed CRDs'. */
  List<ResourceType> types() {
    return types;
  }

  Optional<ResourceType> find(String group, String version, String plural) {
    return types.stream()
        .filter(t -> t.group().equals(group))
        .filter(t -> t.version().equals(version))
        .filter(t -> t.plural().equals(plural))
        .findFirst();
  }

  private static APIGroup group(String name, List<String> versions) {
    List<GroupVersionForDiscovery> ordered =
        versions.stream()
            .sorted(ApiDiscovery::byVersionPriority)
            .map(v -> new GroupVersionForDiscovery(name + "/" + v, v))
            .toList();
    return new APIGroupBuilder()
        .withKind("APIGroup")
        .withApiVersion("v1")
        .withName(name)
        .withVersions(ordered)
        .withPreferredVersion(ordered.getFirst())
        .build();
  }

  private static APIResource resource(ResourceType type) {
    return new APIResourceBuilder()
        .withName(type.plural())
        .withSingularName(type.singular())
        .withNamespaced(type.namespaced())
        .withKind(type.kind())
        .withVerbs(VERBS)
        .withShortNames(type.shortNames().isEmpty() ? null : type.shortNames())
        .withCategories(type.categories().isEmpty() ? null : type.categories())
        .build();
  }

  private static APIResource subresource(ResourceType type, String subresource) {
    APIResourceBuilder builder =
        new APIResourceBuilder()
            .withName(type.plural() + "/" + subresource)
            .withSingularName("")
            .withNamespaced(type.namespaced())
            .withKind(type.kind())
            .withVerbs(SUBRESOURCE_VERBS);
    if (subresource.equals("scale")) {
      builder.withGroup("autoscaling").withVersion("v1").withKind("Scale");
    }
    return builder.build();
  }

  private static final Pattern KUBE_VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

  /**
   * Kubernetes' version priority: GA before beta before alpha, higher numbers first, then anything
   * else by name. The first version of a group is its preferred one.
   */
  private static int byVersionPriority(String a, String b) {
    Matcher ma = KUBE_VERSION.matcher(a);
    Matcher mb = KUBE_VERSION.matcher(b);
    boolean kubeA = ma.matches();
    boolean kubeB = mb.matches();
    if (!kubeA || !kubeB) {
      return kubeA == kubeB ? a.compareTo(b) : kubeA ? -1 : 1;
    }
    int stability = Integer.compare(stability(mb.group(2)), stability(ma.group(2)));
    if (stability != 0) {
      return stability;
    }
    int major = Integer.compare(Integer.parseInt(mb.group(1)), Integer.parseInt(ma.group(1)));
    if (major != 0 || ma.group(3) == null) {
      return major;
    }
    return Integer.compare(Integer.parseInt(mb.group(3)), Integer.parseInt(ma.group(3)));
  }

  private static int stability(String level) {
    return level == null ? 2 : level.equals("beta") ? 1 : 0;
  }

  private static ResourceType builtIn(
      String groupVersion,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      String... subresources) {
    return builtIn(groupVersion, plural, kind, namespaced, shortNames, List.of(), subresources);
  }

  private static ResourceType builtIn(
      String groupVersion,
      String plural,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      String... subresources) {
    return ResourceType.builtIn(
        groupVersion, plural, kind, namespaced, shortNames, categories, List.of(subresources));
  }
}
