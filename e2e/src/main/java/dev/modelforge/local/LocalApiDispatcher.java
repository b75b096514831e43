package dev.modelforge.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.local.ResourceType.PrinterColumn;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The front of the local API server: answers what Fabric8's CRUD store cannot (version, discovery,
 * OpenAPI, tables for {@code kubectl get}) and refuses what the store would hang on or answer
 * obscurely (protobuf bodies, strategic merge patch, server-side apply, HTTP-streaming watches)
 * with a message saying what to do instead. Everything else goes to the store.
 */
final class LocalApiDispatcher extends Dispatcher {

  /** The Kubernetes version the server claims: the kubectl it is tested with. */
  static final String MAJOR = "1";

  static final String MINOR = "32";

  private static final String CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String JSON = "application/json";

  /** Options of writes that change nothing in the store: dropped before it reads the path. */
  private static final String AUTHORIZATION = "/apis/authorization.k8s.io/v1/";

  private static final Set<String> WRITE_OPTIONS = Set.of("fieldManager", "fieldValidation");

  private final KubernetesCrudDispatcher store;
  private final KubernetesSerialization serialization = new KubernetesSerialization();
  private final ObjectMapper mapper = new ObjectMapper();
  private final ResourceTables tables;
  private volatile CachedDiscovery cached;

  LocalApiDispatcher(KubernetesCrudDispatcher store, Clock clock) {
    this.store = store;
    this.tables = new ResourceTables(mapper, clock);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    Target target = Target.of(request.getPath());
    String path = target.path();

    Optional<MockResponse> refused = refuseUnsupportedBody(request.getHeader("Content-Type"));
    if (refused.isPresent()) {
      return refused.get();
    }
    if (request.method() == HttpMethod.POST && path.startsWith(AUTHORIZATION)) {
      return review(path, request.getUtf8Body());
    }
    if (request.method() != HttpMethod.GET) {
      if (target.has("dryRun")) {
        return status(
            400,
            "BadRequest",
            "the local API server has no server-side dry run and would persist the change; use"
                + " --dry-run=client");
      }
      io.fabric8.mockwebserver.http.Buffer body = request.getBody();
      Optional<JsonNode> schema = customResourceSchema(path);
      if (schema.isPresent() && body != null && body.size() > 0 && isObjectWrite(request)) {
        ObjectNode object;
        try {
          JsonNode parsed = mapper.readTree(body.getBytes());
          if (!(parsed instanceof ObjectNode o)) {
            return status(400, "BadRequest", "the body is not a JSON object");
          }
          object = o;
        } catch (java.io.IOException e) {
          return status(400, "BadRequest", "the body is not JSON: " + e.getMessage());
        }
        List<String> unknown = new java.util.ArrayList<>();
        prune(object, schema.get(), "", unknown, true);
        if (!unknown.isEmpty()) {
          if (target.has("fieldValidation", "Strict")) {
            return status(
                400,
                "BadRequest",
                "strict decoding error: unknown field"
                    + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown.stream().map(f -> "\"" + f + "\"").toList()));
          }
          try {
            body = new io.fabric8.mockwebserver.http.Buffer(mapper.writeValueAsBytes(object));
          } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
          }
        }
      }
      // the store finds the status subresource only at the end of the whole target
      RecordedRequest forwarded =
          new RecordedRequest(
              request.getHttpVersion(),
              request.method(),
              target.without(WRITE_OPTIONS),
              request.getHeaders(),
              body);
      return withNotFoundMessage(fromStore(forwarded), path);
    }
    if (path.equals("/openapi/v3")) {
      return json(200, serialization.asJson(openApiIndex()));
    }
    if (path.startsWith("/openapi/v3/")) {
      Optional<Object> doc = openApi(path.substring("/openapi/v3/".length()));
      if (doc.isPresent()) {
        return json(200, serialization.asJson(doc.get()));
      }
    }
    if (path.startsWith("/openapi/")) {
      return status(404, "NotFound", "the local API server publishes OpenAPI v3 only");
    }
    Optional<Object> document = discoveryDocument(path);
    if (document.isPresent()) {
      return json(200, serialization.asJson(document.get()));
    }
    boolean watch = target.has("watch", "true") || target.has("watch", "1");
    if (watch && !isWebSocket(request)) {
      return status(
          405,
          "MethodNotAllowed",
          "the local API server streams watches over WebSocket only (as the Fabric8 client"
              + " does); kubectl get --watch needs HTTP streaming: poll with kubectl get instead");
    }
    if (watch) {
      return store.dispatch(request);
    }
    MockResponse stored = withNotFoundMessage(fromStore(request), path);
    return asRead(stored, path, request.getHeader("Accept"));
  }

  /**
   * The store's answer, labelled as JSON: client-go decodes an unlabelled body as the first type it
   * accepts, which for typed clients (kubectl describe) is protobuf.
   */
  private MockResponse fromStore(RecordedRequest request) {
    MockResponse response = store.dispatch(request);
    if (response.header("Content-Type") == null) {
      response.setHeader("Content-Type", JSON);
    }
    return response;
  }

  /**
   * A successful read as kube-apiserver shapes it: a Table when the client asks for one, and a list
   * whose kind names its items ({@code ModelList}) where the store says {@code List}, which
   * client-go's typed clients cannot decode.
   */
  private MockResponse asRead(MockResponse stored, String path, String accept) {
    Optional<ResourcePath> at = ResourcePath.parse(path);
    if (stored.code() != HttpURLConnection.HTTP_OK
        || at.isEmpty()
        || at.get().subresource() != null) {
      return stored;
    }
    Optional<ResourceType> type =
        discovery().find(at.get().group(), at.get().version(), at.get().plural());
    String body = text(stored);
    try {
      if (ResourceTables.requested(accept)) {
        List<PrinterColumn> columns =
            type.map(ResourceType::printerColumns).orElse(List.of(PrinterColumn.AGE));
        return json(200, tables.render(body, columns));
      }
      if (at.get().name() == null && type.isPresent()) {
        return json(200, typedList(body, type.get()));
      }
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("The store answered " + path + " with invalid JSON", e);
    }
    return stored;
  }

  private String typedList(String body, ResourceType type) throws JsonProcessingException {
    ObjectNode list = (ObjectNode) mapper.readTree(body);
    list.put("apiVersion", type.groupVersion()).put("kind", type.kind() + "List");
    return mapper.writeValueAsString(list);
  }

  /**
   * The store reads protobuf as JSON and never answers; it refuses the other two with a bare 415
   * that kubectl prints as {@code The Unknown "" is invalid}.
   */
  private Optional<MockResponse> refuseUnsupportedBody(String contentType) {
    if (contentType == null) {
      return Optional.empty();
    }
    if (contentType.startsWith("application/vnd.kubernetes.protobuf")) {
      return Optional.of(
          unsupportedMediaType(
              "the local API server reads JSON and YAML bodies only, not protobuf; instead of"
                  + " kubectl create <kind> ..., pipe its --dry-run=client -o yaml into kubectl"
                  + " create --validate=false -f -"));
    }
    if (contentType.startsWith("application/strategic-merge-patch+json")) {
      return Optional.of(
          unsupportedMediaType(
              "the local API server has no strategic merge patch, which kubectl apply uses to"
                  + " update built-in kinds and kubectl patch uses by default; use kubectl patch"
                  + " --type=merge or --type=json, or kubectl replace -f"));
    }
    if (contentType.startsWith("application/apply-patch")) {
      return Optional.of(
          unsupportedMediaType(
              "the local API server has no server-side apply; use client-side kubectl apply"
                  + " (without --server-side), or turn server-side apply off in the client"));
    }
    return Optional.empty();
  }

  /**
   * The local cluster has no RBAC: every caller may do everything, which is what access and rules
   * reviews are told (JOSDK asks for one before it campaigns for leadership).
   */
  private MockResponse review(String path, String body) {
    Map<String, Object> review;
    try {
      review = new LinkedHashMap<>(mapper.readValue(body, Map.class));
    } catch (JsonProcessingException e) {
      return status(400, "BadRequest", "the review is not JSON: " + e.getOriginalMessage());
    }
    if (path.endsWith("/selfsubjectrulesreviews")) {
      review.put(
          "status",
          Map.of(
              "resourceRules",
              List.of(
                  Map.of(
                      "verbs", List.of("*"), "apiGroups", List.of("*"), "resources", List.of("*"))),
              "nonResourceRules",
              List.of(Map.of("verbs", List.of("*"), "nonResourceURLs", List.of("*"))),
              "incomplete",
              false));
    } else if (path.endsWith("accessreviews")) {
      review.put("status", Map.of("allowed", true, "reason", "the local cluster has no RBAC"));
    } else {
      return status(404, "NotFound", "no such review: " + path);
    }
    try {
      return json(201, mapper.writeValueAsString(review));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A create, a replace or a merge patch: bodies that are (part of) an object. */
  private static boolean isObjectWrite(RecordedRequest request) {
    if (request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT) {
      return true;
    }
    String type = request.getHeader("Content-Type");
    return request.method() == HttpMethod.PATCH && type != null && type.contains("merge-patch");
  }

  /**
   * The openAPIV3Schema of the custom resource a write targets, or empty for built-in kinds and
   * other paths. Like kube-apiserver, the local server drops fields the schema does not name (and
   * refuses them when the client asks for strict field validation, as kubectl does), so a typo
   * never reaches a controller's typed model.
   */
  private Optional<JsonNode> customResourceSchema(String path) {
    Optional<ResourcePath> target = ResourcePath.parse(path);
    if (target.isEmpty() || target.get().group().isEmpty()) {
      return Optional.empty();
    }
    ResourcePath r = target.get();
    for (CustomResourceDefinition crd :
        serialization
            .unmarshal(text(store.handleGet(CRDS_PATH)), CustomResourceDefinitionList.class)
            .getItems()) {
      var spec = crd.getSpec();
      if (!spec.getGroup().equals(r.group()) || !spec.getNames().getPlural().equals(r.plural())) {
        continue;
      }
      for (var version : spec.getVersions()) {
        if (version.getName().equals(r.version())
            && version.getSchema() != null
            && version.getSchema().getOpenAPIV3Schema() != null) {
          return Optional.of(mapper.valueToTree(version.getSchema().getOpenAPIV3Schema()));
        }
      }
    }
    return Optional.empty();
  }

  /** Removes from {@code node} what {@code schema} does not name, recording each field's path. */
  private static void prune(
      JsonNode node, JsonNode schema, String at, List<String> unknown, boolean root) {
    if (schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (node instanceof ObjectNode object) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      for (var it = object.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        if (root
            && (field.equals("apiVersion") || field.equals("kind") || field.equals("metadata"))) {
          continue;
        }
        String where = at.isEmpty() ? field : at + "." + field;
        if (properties.has(field)) {
          prune(object.get(field), properties.get(field), where, unknown, false);
        } else if (additional.isObject()) {
          prune(object.get(field), additional, where, unknown, false);
        } else if (!additional.asBoolean(false) && properties.isObject()) {
          unknown.add(where);
          it.remove();
        }
      }
    } else if (node != null && node.isArray() && schema.has("items")) {
      for (int i = 0; i < node.size(); i++) {
        prune(node.get(i), schema.get("items"), at + "[" + i + "]", unknown, false);
      }
    }
  }

  /** The OpenAPI v3 index: one document per group/version. */
  private Map<String, Object> openApiIndex() {
    Map<String, Object> paths = new LinkedHashMap<>();
    for (ResourceType t : discovery().types()) {
      String doc = documentPath(t);
      paths.put(doc, Map.of("serverRelativeURL", "/openapi/v3/" + doc));
    }
    return Map.of("paths", paths);
  }

  private static String documentPath(ResourceType t) {
    return t.group().isEmpty() ? "api/" + t.version() : "apis/" + t.group() + "/" + t.version();
  }

  /**
   * A group/version's OpenAPI v3 document without schemas: each resource's PATCH declares the
   * fieldValidation parameter, from which kubectl concludes that the server validates and sends
   * objects without checking them against a downloaded schema. The CRUD store accepts every field.
   */
  private Optional<Object> openApi(String doc) {
    Map<String, Object> paths = new LinkedHashMap<>();
    for (ResourceType t : discovery().types()) {
      if (!documentPath(t).equals(doc)) {
        continue;
      }
      String item =
          "/"
              + doc
              + "/"
              + (t.namespaced() ? "namespaces/{namespace}/" : "")
              + t.plural()
              + "/{name}";
      paths.put(
          item,
          Map.of(
              "patch",
              Map.of(
                  "x-kubernetes-action",
                  "patch",
                  "x-kubernetes-group-version-kind",
                  Map.of("group", t.group(), "version", t.version(), "kind", t.kind()),
                  "parameters",
                  List.of(
                      Map.of(
                          "name",
                          "fieldValidation",
                          "in",
                          "query",
                          "schema",
                          Map.of("type", "string"))),
                  "responses",
                  Map.of("200", Map.of("description", "OK")))));
    }
    if (paths.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        Map.of(
            "openapi",
            "3.0.0",
            "info",
            Map.of("title", "ModelForge local cluster", "version", "v1.32"),
            "paths",
            paths,
            "components",
            Map.of("schemas", Map.of())));
  }

  private Optional<Object> discoveryDocument(String path) {
    List<String> segments = segments(path);
    if (path.equals("/version")) {
      return Optional.of(version());
    }
    if (segments.isEmpty()) {
      return Optional.of(discovery().rootPaths());
    }
    if (segments.equals(List.of("api"))) {
      return Optional.of(discovery().coreVersions());
    }
    if (segments.size() == 2 && segments.getFirst().equals("api")) {
      return discovery().resources(segments.get(1)).map(Object.class::cast);
    }
    if (segments.equals(List.of("apis"))) {
      return Optional.of(discovery().groups());
    }
    if (segments.size() == 2 && segments.getFirst().equals("apis")) {
      return discovery().group(segments.get(1)).map(Object.class::cast);
    }
    if (segments.size() == 3 && segments.getFirst().equals("apis")) {
      return discovery().resources(segments.get(1) + "/" + segments.get(2)).map(Object.class::cast);
    }
    return Optional.empty();
  }

  /**
   * Discovery as of now, from the CRDs in the store, so CRDs created by any client (kubectl
   * included) are served at once.
   */
  private ApiDiscovery discovery() {
    String crds = text(store.handleGet(CRDS_PATH));
    CachedDiscovery cached = this.cached;
    if (cached == null || !cached.crds().equals(crds)) {
      List<CustomResourceDefinition> items =
          serialization.unmarshal(crds, CustomResourceDefinitionList.class).getItems();
      cached = new CachedDiscovery(crds, new ApiDiscovery(items));
      this.cached = cached;
    }
    return cached.discovery();
  }

  /** Discovery as built from the store's CRD list, reused while that list is unchanged. */
  private record CachedDiscovery(String crds, ApiDiscovery discovery) {}

  private Map<String, Object> version() {
    return Map.of(
        "major", MAJOR,
        "minor", MINOR,
        "gitVersion", "v" + MAJOR + "." + MINOR + ".0",
        "gitCommit", "",
        "gitTreeState", "clean",
        "buildDate", "1970-01-01T00:00:00Z",
        "goVersion", "",
        "compiler", "",
        "platform", "linux/amd64");
  }

  /** The store answers a missing object with an empty 404; kubectl then prints a vague error. */
  private MockResponse withNotFoundMessage(MockResponse stored, String path) {
    Optional<ResourcePath> resource = ResourcePath.parse(path);
    if (stored.code() != HttpURLConnection.HTTP_NOT_FOUND
        || !text(stored).isEmpty()
        || resource.isEmpty()
        || resource.get().name() == null) {
      return stored;
    }
    ResourcePath at = resource.get();
    String qualified = at.group().isEmpty() ? at.plural() : at.plural() + "." + at.group();
    Status status =
        new StatusBuilder()
            .withKind("Status")
            .withApiVersion("v1")
            .withStatus("Failure")
            .withReason("NotFound")
            .withCode(404)
            .withMessage("%s \"%s\" not found".formatted(qualified, at.name()))
            .withNewDetails()
            .withName(at.name())
            .withGroup(at.group())
            .withKind(at.plural())
            .endDetails()
            .build();
    return json(404, serialization.asJson(status));
  }

  private MockResponse unsupportedMediaType(String message) {
    return status(415, "UnsupportedMediaType", message);
  }

  private MockResponse status(int code, String reason, String message) {
    Status status =
        new StatusBuilder()
            .withKind("Status")
            .withApiVersion("v1")
            .withStatus("Failure")
            .withReason(reason)
            .withCode(code)
            .withMessage(message)
            .build();
    return json(code, serialization.asJson(status));
  }

  private static String text(MockResponse response) {
    return response.getBody() == null
        ? ""
        : new String(response.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse().setResponseCode(code).setHeader("Content-Type", JSON).setBody(body);
  }

  private static boolean isWebSocket(RecordedRequest request) {
    return "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
  }

  private static List<String> segments(String path) {
    return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
  }

  /** A request target: its path and its query parameters, still URL-encoded. */
  private record Target(String path, List<String> parameters) {

    static Target of(String target) {
      int question = target.indexOf('?');
      if (question < 0) {
        return new Target(target, List.of());
      }
      List<String> parameters =
          Arrays.stream(target.substring(question + 1).split("&"))
              .filter(p -> !p.isEmpty())
              .toList();
      return new Target(target.substring(0, question), parameters);
    }

    boolean has(String name) {
      return parameters.stream().anyMatch(p -> name(p).equals(name));
    }

    boolean has(String name, String value) {
      return parameters.contains(name + "=" + value);
    }

    /** The target without the named parameters. */
    String without(Set<String> names) {
      List<String> kept = parameters.stream().filter(p -> !names.contains(name(p))).toList();
      return kept.isEmpty() ? path : path + "?" + String.join("&", kept);
    }

    private static String name(String parameter) {
      int equals = parameter.indexOf('=');
      return equals < 0 ? parameter : parameter.substring(0, equals);
    }
  }

  /**
   * Where a request path points among a kind's objects: {@code /api/v1[/namespaces/NS]/PLURAL
   * [/NAME[/SUBRESOURCE]]}, or the same under {@code /apis/GROUP/VERSION}.
   */
  record ResourcePath(
      String group,
      String version,
      String namespace,
      String plural,
      String name,
      String subresource) {

    static Optional<ResourcePath> parse(String path) {
      List<String> segments = segments(path);
      int prefix;
      String group;
      if (segments.size() >= 3 && segments.getFirst().equals("api")) {
        prefix = 2;
        group = "";
      } else if (segments.size() >= 4 && segments.getFirst().equals("apis")) {
        prefix = 3;
        group = segments.get(1);
      } else {
        return Optional.empty();
      }
      String version = segments.get(prefix - 1);
      List<String> rest = segments.subList(prefix, segments.size());
      String namespace = null;
      if (rest.size() >= 3 && rest.getFirst().equals("namespaces")) {
        namespace = rest.get(1);
        rest = rest.subList(2, rest.size());
      }
      return Optional.of(
          new ResourcePath(
              group,
              version,
              namespace,
              rest.getFirst(),
              rest.size() > 1 ? rest.get(1) : null,
              rest.size() > 2 ? rest.get(2) : null));
    }
  }
}
