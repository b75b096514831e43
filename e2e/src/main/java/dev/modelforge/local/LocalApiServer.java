package dev.modelforge.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * The local cluster's API server: Fabric8's mock server in CRUD mode (objects in memory, watches,
 * status subresources, merge and JSON patches) behind a discovery handler, so that kubectl maps
 * kinds to resources and works against it. What it cannot do is listed in e2e/README.md.
 */
public final class LocalApiServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesMockServer server;
  private final Discovery discovery;
  private final KubernetesClient client;

  private LocalApiServer(KubernetesMockServer server, Discovery discovery) {
    this.server = server;
    this.discovery = discovery;
    this.client = server.createClient();
  }

  /** Starts on 127.0.0.1; {@code port} 0 picks a free port. */
  public static LocalApiServer start(int port) {
    // The mock server logs every request at INFO; the local cluster's log is the runner's.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    Discovery discovery = new Discovery();
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), discovery, false);
    server.init(InetAddress.getLoopbackAddress(), port);
    return new LocalApiServer(server, discovery);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * Creates every CustomResourceDefinition in {@code dir}'s YAML files and lists them in discovery.
   */
  public void installCrds(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
              .sorted()
              .toList();
    }
    for (Path f : files) {
      Object parsed;
      try (InputStream in = Files.newInputStream(f)) {
        parsed = Serialization.unmarshal(in);
      }
      if (parsed instanceof CustomResourceDefinition crd) {
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd)
            .createOr(c -> c.update());
        discovery.add(crd);
      }
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }

  /** Answers the discovery requests the CRUD dispatcher does not know, and hands on the rest. */
  static final class Discovery extends KubernetesCrudDispatcher {
    private static final List<String> ALL_VERBS =
        List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

    /** group/version -> resources; the core group is "". */
    private final Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();

    private final List<String> crdGroups = new CopyOnWriteArrayList<>();

    /** group/version/plural -> the CRD's printer columns. */
    private final Map<String, List<Map<String, String>>> columns =
        new java.util.concurrent.ConcurrentHashMap<>();

    /** Status columns for the built-in kinds the operator creates, as kubectl shows them. */
    private static final Map<String, List<Map<String, String>>> BUILT_IN =
        Map.of(
            "jobs",
            List.of(
                Map.of("name", "Active", "type", "integer", "jsonPath", ".status.active"),
                Map.of("name", "Succeeded", "type", "integer", "jsonPath", ".status.succeeded"),
                Map.of("name", "Failed", "type", "integer", "jsonPath", ".status.failed")),
            "deployments",
            List.of(
                Map.of("name", "Ready", "type", "integer", "jsonPath", ".status.readyReplicas"),
                Map.of(
                    "name",
                    "Available",
                    "type",
                    "integer",
                    "jsonPath",
                    ".status.availableReplicas")),
            "persistentvolumeclaims",
            List.of(Map.of("name", "Status", "type", "string", "jsonPath", ".status.phase")));

    /** group/version/kind -> the CRD's openAPIV3Schema. */
    private final Map<String, Object> crdSchemas = new java.util.concurrent.ConcurrentHashMap<>();

    Discovery() {
      core("namespaces", "Namespace", false, "ns");
      core("pods", "Pod", true, "po");
      core("services", "Service", true, "svc");
      core("configmaps", "ConfigMap", true, "cm");
      core("secrets", "Secret", true);
      core("persistentvolumeclaims", "PersistentVolumeClaim", true, "pvc");
      core("serviceaccounts", "ServiceAccount", true, "sa");
      core("events", "Event", true, "ev");
      core("endpoints", "Endpoints", true, "ep");
      resource("apps/v1", "deployments", "Deployment", true, List.of("deploy"), List.of("all"));
      resource("apps/v1", "replicasets", "ReplicaSet", true, List.of("rs"), List.of("all"));
      resource("batch/v1", "jobs", "Job", true, List.of(), List.of("all"));
      resource("coordination.k8s.io/v1", "leases", "Lease", true, List.of(), List.of());
      resource(
          "authorization.k8s.io/v1",
          "selfsubjectrulesreviews",
          "SelfSubjectRulesReview",
          false,
          List.of(),
          List.of());
      resource(
          "authorization.k8s.io/v1",
          "selfsubjectaccessreviews",
          "SelfSubjectAccessReview",
          false,
          List.of(),
          List.of());
      resource("events.k8s.io/v1", "events", "Event", true, List.of("ev"), List.of());
      resource("rbac.authorization.k8s.io/v1", "roles", "Role", true, List.of(), List.of());
      resource(
          "rbac.authorization.k8s.io/v1",
          "rolebindings",
          "RoleBinding",
          true,
          List.of(),
          List.of());
      resource(
          "rbac.authorization.k8s.io/v1",
          "clusterroles",
          "ClusterRole",
          false,
          List.of(),
          List.of());
      resource(
          "rbac.authorization.k8s.io/v1",
          "clusterrolebindings",
          "ClusterRoleBinding",
          false,
          List.of(),
          List.of());
      resource(
          "apiextensions.k8s.io/v1",
          "customresourcedefinitions",
          "CustomResourceDefinition",
          false,
          List.of("crd", "crds"),
          List.of());
    }

    private void core(String plural, String kind, boolean namespaced, String... shortNames) {
      resource("v1", plural, kind, namespaced, List.of(shortNames), List.of());
    }

    private void resource(
        String groupVersion,
        String plural,
        String kind,
        boolean namespaced,
        List<String> shortNames,
        List<String> categories) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("name", plural);
      r.put("singularName", kind.toLowerCase(java.util.Locale.ROOT));
      r.put("namespaced", namespaced);
      r.put("kind", kind);
      r.put("verbs", ALL_VERBS);
      if (!shortNames.isEmpty()) {
        r.put("shortNames", shortNames);
      }
      if (!categories.isEmpty()) {
        r.put("categories", categories);
      }
      List<Map<String, Object>> list =
          groups.computeIfAbsent(groupVersion, k -> new CopyOnWriteArrayList<>());
      list.removeIf(e -> e.get("name").equals(plural) || e.get("name").equals(plural + "/status"));
      list.add(r);
      Map<String, Object> status = new LinkedHashMap<>();
      status.put("name", plural + "/status");
      status.put("singularName", "");
      status.put("namespaced", namespaced);
      status.put("kind", kind);
      status.put("verbs", List.of("get", "patch", "update"));
      list.add(status);
    }

    void add(CustomResourceDefinition crd) {
      var spec = crd.getSpec();
      for (var version : spec.getVersions()) {
        String gv = spec.getGroup() + "/" + version.getName();
        List<Map<String, String>> printed = new ArrayList<>();
        if (version.getAdditionalPrinterColumns() != null) {
          for (var c : version.getAdditionalPrinterColumns()) {
            Map<String, String> col = new LinkedHashMap<>();
            col.put("name", c.getName());
            col.put("type", c.getType());
            col.put("jsonPath", c.getJsonPath());
            col.put("description", c.getDescription() == null ? "" : c.getDescription());
            col.put("priority", Integer.toString(c.getPriority() == null ? 0 : c.getPriority()));
            printed.add(col);
          }
        }
        columns.put(gv + "/" + spec.getNames().getPlural(), printed);
        if (version.getSchema() != null && version.getSchema().getOpenAPIV3Schema() != null) {
          crdSchemas.put(
              gv + "/" + spec.getNames().getKind(), version.getSchema().getOpenAPIV3Schema());
        }
        resource(
            gv,
            spec.getNames().getPlural(),
            spec.getNames().getKind(),
            "Namespaced".equals(spec.getScope()),
            spec.getNames().getShortNames() == null ? List.of() : spec.getNames().getShortNames(),
            spec.getNames().getCategories() == null ? List.of() : spec.getNames().getCategories());
      }
      if (!crdGroups.contains(spec.getGroup())) {
        crdGroups.add(spec.getGroup());
      }
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath();
      int q = path.indexOf('?');
      String bare = q < 0 ? path : path.substring(0, q);
      if (bare.endsWith("/") && bare.length() > 1) {
        bare = bare.substring(0, bare.length() - 1);
      }
      if ("POST".equals(request.getMethod()) && bare.startsWith("/apis/authorization.k8s.io/v1/")) {
        return review(bare, request.getUtf8Body());
      }
      if ("GET".equals(request.getMethod())) {
        Object body = discovery(bare);
        if (body != null) {
          return json(200, body);
        }
        if (bare.equals("/openapi/v3")) {
          Map<String, Object> paths = new LinkedHashMap<>();
          for (String gv : groups.keySet()) {
            String doc = gv.contains("/") ? "apis/" + gv : "api/" + gv;
            paths.put(doc, Map.of("serverRelativeURL", "/openapi/v3/" + doc));
          }
          return json(200, Map.of("paths", paths));
        }
        if (bare.startsWith("/openapi/v3/")) {
          String doc = bare.substring("/openapi/v3/".length());
          String gv = doc.startsWith("apis/") ? doc.substring(5) : doc.substring(4);
          if (groups.containsKey(gv)) {
            return json(200, openApi(gv));
          }
        }
        if (bare.startsWith("/openapi")) {
          return json(
              404, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", 404));
        }
      }
      MockResponse response = super.dispatch(request);
      String accept = request.getHeader("Accept");
      if ("GET".equals(request.getMethod())
          && accept != null
          && accept.contains("as=Table")
          && !path.contains("watch=true")
          && response.code() == 200) {
        return table(bare, response);
      }
      return response;
    }

    /**
     * The server-side printing kubectl asks for: the CRD's additionalPrinterColumns (or a few
     * status columns for the built-in kinds ModelForge creates) evaluated on each object.
     */
    private MockResponse table(String path, MockResponse response) {
      String[] parts = path.split("/");
      // /api/v1/[namespaces/NS/]PLURAL[/NAME] or /apis/G/V/[namespaces/NS/]PLURAL[/NAME]
      int first = parts.length > 1 && parts[1].equals("api") ? 3 : 4;
      if (parts.length <= first) {
        return response;
      }
      String groupVersion = first == 3 ? parts[2] : parts[2] + "/" + parts[3];
      int at = first;
      if (parts[at].equals("namespaces") && parts.length > at + 2) {
        at += 2;
      }
      String plural = parts[at];
      if (parts.length > at + 2) {
        return response; // a subresource
      }
      List<Map<String, String>> found =
          columns.getOrDefault(groupVersion + "/" + plural, BUILT_IN.get(plural));
      List<Map<String, String>> cols = found == null ? List.of() : found;
      try {
        JsonNode body = JSON.readTree(response.getBody().readUtf8());
        List<JsonNode> items = new ArrayList<>();
        if (body.has("items")) {
          body.get("items").forEach(items::add);
        } else {
          items.add(body);
        }
        List<Map<String, Object>> definitions = new ArrayList<>();
        definitions.add(
            Map.of(
                "name",
                "Name",
                "type",
                "string",
                "format",
                "name",
                "description",
                "Name",
                "priority",
                0));
        boolean age = false;
        for (Map<String, String> c : cols) {
          definitions.add(
              Map.of(
                  "name", c.get("name"),
                  "type", c.get("type"),
                  "format", "",
                  "description", c.getOrDefault("description", ""),
                  "priority", Integer.parseInt(c.getOrDefault("priority", "0"))));
          age |= c.get("name").equals("Age");
        }
        if (!age) {
          definitions.add(
              Map.of(
                  "name", "Age", "type", "date", "format", "", "description", "", "priority", 0));
        }
        List<Object> rows = new ArrayList<>();
        for (JsonNode item : items) {
          List<Object> cells = new ArrayList<>();
          cells.add(item.path("metadata").path("name").asText());
          for (Map<String, String> c : cols) {
            JsonNode v = item.at(c.get("jsonPath").replace('.', '/'));
            Object cell =
                v.isMissingNode() || v.isNull() ? null : JSON.treeToValue(v, Object.class);
            cells.add("date".equals(c.get("type")) && cell != null ? age(cell.toString()) : cell);
          }
          if (!age) {
            cells.add(age(item.path("metadata").path("creationTimestamp").asText("")));
          }
          Map<String, Object> object = new LinkedHashMap<>();
          object.put("kind", "PartialObjectMetadata");
          object.put("apiVersion", "meta.k8s.io/v1");
          object.put("metadata", item.path("metadata"));
          rows.add(Map.of("cells", cells, "object", object));
        }
        Map<String, Object> table = new LinkedHashMap<>();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        table.put(
            "metadata",
            Map.of("resourceVersion", body.path("metadata").path("resourceVersion").asText("")));
        table.put("columnDefinitions", definitions);
        table.put("rows", rows);
        return json(200, table);
      } catch (IOException | RuntimeException e) {
        return response;
      }
    }

    /**
     * The local cluster has no RBAC: every caller may do everything, which is what access and rules
     * reviews (JOSDK asks one before leader election) are told.
     */
    /** A timestamp as the API server prints it in tables: the time since, like "3m12s". */
    static String age(String timestamp) {
      long s;
      try {
        s =
            java.time.Duration.between(java.time.Instant.parse(timestamp), java.time.Instant.now())
                .toSeconds();
      } catch (RuntimeException e) {
        return "<unknown>";
      }
      s = Math.max(0, s);
      if (s < 120) {
        return s + "s";
      } else if (s < 600) {
        return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
      } else if (s < 3 * 3600) {
        return s / 60 + "m";
      } else if (s < 8 * 3600) {
        return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
      } else if (s < 48 * 3600) {
        return s / 3600 + "h";
      }
      return s / 86400 + "d";
    }

    private static MockResponse review(String path, String body) {
      Map<String, Object> review;
      try {
        review = new LinkedHashMap<>(JSON.readValue(body, Map.class));
      } catch (IOException | RuntimeException e) {
        return json(
            400, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", 400));
      }
      if (path.endsWith("/selfsubjectrulesreviews")) {
        review.put(
            "status",
            Map.of(
                "resourceRules",
                List.of(
                    Map.of(
                        "verbs",
                        List.of("*"),
                        "apiGroups",
                        List.of("*"),
                        "resources",
                        List.of("*"))),
                "nonResourceRules",
                List.of(Map.of("verbs", List.of("*"), "nonResourceURLs", List.of("*"))),
                "incomplete",
                false));
      } else if (path.endsWith("accessreviews")) {
        review.put("status", Map.of("allowed", true, "reason", "the local cluster has no RBAC"));
      } else {
        return json(
            404, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "code", 404));
      }
      return json(201, review);
    }

    /**
     * An OpenAPI v3 document for one group/version, so kubectl validates client-side: a CRD's own
     * schema, and an open object for the built-in kinds (the server checks those).
     */
    private Map<String, Object> openApi(String groupVersion) {
      String group =
          groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
      String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
      Map<String, Object> schemas = new LinkedHashMap<>();
      Map<String, Object> paths = new LinkedHashMap<>();
      for (Map<String, Object> r : groups.get(groupVersion)) {
        String name = (String) r.get("name");
        if (name.contains("/")) {
          continue;
        }
        String kind = (String) r.get("kind");
        Map<String, Object> schema = new LinkedHashMap<>();
        Object crdSchema = crdSchemas.get(groupVersion + "/" + kind);
        if (crdSchema != null) {
          schema.putAll(JSON.convertValue(crdSchema, Map.class));
        } else {
          schema.put("type", "object");
          schema.put("x-kubernetes-preserve-unknown-fields", true);
        }
        schema.put(
            "x-kubernetes-group-version-kind",
            List.of(Map.of("group", group, "version", version, "kind", kind)));
        String prefix =
            group.isEmpty() ? "io.k8s.api.core." + version : reverse(group) + "." + version;
        schemas.put(prefix + "." + kind, schema);
        // kubectl looks for fieldValidation on a resource's PATCH to leave validation to the
        // server; the CRUD store accepts every field, as a server with the CRD's schema would
        // accept every field the schema names.
        String base = (group.isEmpty() ? "/api/" : "/apis/") + groupVersion + "/";
        String item =
            base
                + (Boolean.TRUE.equals(r.get("namespaced")) ? "namespaces/{namespace}/" : "")
                + name
                + "/{name}";
        paths.put(
            item,
            Map.of(
                "patch",
                Map.of(
                    "x-kubernetes-action", "patch",
                    "x-kubernetes-group-version-kind",
                        Map.of("group", group, "version", version, "kind", kind),
                    "parameters",
                        List.of(
                            Map.of(
                                "name",
                                "fieldValidation",
                                "in",
                                "query",
                                "schema",
                                Map.of("type", "string"))),
                    "responses", Map.of("200", Map.of("description", "OK")))));
      }
      return Map.of(
          "openapi",
          "3.0.0",
          "info",
          Map.of("title", "ModelForge local cluster", "version", "v1.32"),
          "paths",
          paths,
          "components",
          Map.of("schemas", schemas));
    }

    private static String reverse(String group) {
      List<String> parts = new ArrayList<>(List.of(group.split("\\.")));
      java.util.Collections.reverse(parts);
      return String.join(".", parts);
    }

    private Object discovery(String path) {
      switch (path) {
        case "/version" -> {
          return Map.of(
              "major", "1",
              "minor", "32",
              "gitVersion", "v1.32.0+modelforge-local",
              "platform", "linux/amd64");
        }
        case "/api" -> {
          return Map.of(
              "kind", "APIVersions",
              "versions", List.of("v1"),
              "serverAddressByClientCIDRs",
                  List.of(Map.of("clientCIDR", "0.0.0.0/0", "serverAddress", "127.0.0.1")));
        }
        case "/api/v1" -> {
          return resourceList("v1");
        }
        case "/apis" -> {
          Map<String, List<String>> versions = new LinkedHashMap<>();
          for (String gv : groups.keySet()) {
            if (gv.contains("/")) {
              versions
                  .computeIfAbsent(gv.substring(0, gv.indexOf('/')), k -> new ArrayList<>())
                  .add(gv);
            }
          }
          List<Object> list = new ArrayList<>();
          versions.forEach(
              (group, gvs) -> {
                List<Object> vs = new ArrayList<>();
                for (String gv : gvs) {
                  vs.add(Map.of("groupVersion", gv, "version", gv.substring(gv.indexOf('/') + 1)));
                }
                list.add(
                    Map.of(
                        "name", group,
                        "versions", vs,
                        "preferredVersion", vs.getFirst()));
              });
          return Map.of("kind", "APIGroupList", "apiVersion", "v1", "groups", list);
        }
        default -> {
          if (path.startsWith("/apis/")) {
            String gv = path.substring("/apis/".length());
            if (groups.containsKey(gv) && gv.chars().filter(c -> c == '/').count() == 1) {
              return resourceList(gv);
            }
          }
          return null;
        }
      }
    }

    private Map<String, Object> resourceList(String groupVersion) {
      return Map.of(
          "kind",
          "APIResourceList",
          "apiVersion",
          "v1",
          "groupVersion",
          groupVersion,
          "resources",
          groups.getOrDefault(groupVersion, List.of()));
    }

    private static MockResponse json(int code, Object body) {
      try {
        return new MockResponse()
            .setResponseCode(code)
            .setHeader("Content-Type", "application/json")
            .setBody(JSON.writeValueAsString(body));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
