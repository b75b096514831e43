package dev.modelforge.operator.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.common.UnreadableResources;
import io.fabric8.kubernetes.client.CustomResource;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One ModelForge object the operator cannot read never stops the controller of its kind.
 *
 * <ul>
 *   <li>Fields the typed model does not know are ignored. A real API server prunes them, but an
 *       object written before a CRD upgrade, or through a server that does not prune, still reads.
 *   <li>A field of the wrong shape (an integer where the model has an object, a string where it has
 *       a list: an object stored under another version of the CRD) fails one object, not the
 *       informer's whole list: the object is read without its spec and status, the failure goes to
 *       {@link UnreadableResources} naming the field, and the reconcilers report it and leave the
 *       object alone. A status alone that cannot be read is dropped (the operator owns it and
 *       writes it again).
 * </ul>
 *
 * <p>With strict reading either case ends the watch ("will stop") and every later object of the
 * kind goes unreconciled while {@code /q/health} turns DOWN.
 */
@Singleton
public class TolerantDeserialization implements KubernetesClientObjectMapperCustomizer {
  private static final Logger LOG = Logger.getLogger(TolerantDeserialization.class);

  private final UnreadableResources unreadable;

  public TolerantDeserialization(UnreadableResources unreadable) {
    this.unreadable = unreadable;
  }

  @Override
  public void customize(ObjectMapper mapper) {
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    mapper.registerModule(
        new SimpleModule("modelforge-tolerant-resources")
            .setDeserializerModifier(
                new BeanDeserializerModifier() {
                  @Override
                  public JsonDeserializer<?> modifyDeserializer(
                      DeserializationConfig config,
                      BeanDescription description,
                      JsonDeserializer<?> deserializer) {
                    return isOurs(description.getBeanClass())
                        ? new Tolerant(deserializer, unreadable)
                        : deserializer;
                  }
                }));
  }

  /** The custom resources of the ModelForge API group: the kinds the operator reconciles. */
  static boolean isOurs(Class<?> type) {
    return CustomResource.class.isAssignableFrom(type)
        && type.getPackageName().equals(Model.class.getPackageName());
  }

  /** Reads the object whole; failing that, without its status; failing that, without its spec. */
  static final class Tolerant extends DelegatingDeserializer {
    private final UnreadableResources unreadable;

    Tolerant(JsonDeserializer<?> delegate, UnreadableResources unreadable) {
      super(delegate);
      this.unreadable = unreadable;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
      return new Tolerant(delegate, unreadable);
    }

    @Override
    public Object deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode tree = context.readTree(parser);
      if (!(tree instanceof ObjectNode object)) {
        return read(tree, parser, context);
      }
      String uid = object.path("metadata").path("uid").asText(null);
      String version = object.path("metadata").path("resourceVersion").asText(null);
      JsonMappingException whole;
      try {
        Object resource = read(object, parser, context);
        unreadable.read(uid, version);
        return resource;
      } catch (JsonMappingException e) {
        whole = e;
      }
      String where = describe(object);
      ObjectNode withoutStatus = object.deepCopy();
      withoutStatus.remove("status");
      try {
        Object resource = read(withoutStatus, parser, context);
        LOG.warnf("%s: status dropped, as it cannot be read: %s", where, reason(whole));
        unreadable.read(uid, version);
        return resource;
      } catch (JsonMappingException e) {
        // the spec is what cannot be read; fall through
      }
      ObjectNode bare = withoutStatus.deepCopy();
      bare.remove("spec");
      Object resource = read(bare, parser, context);
      unreadable.failed(uid, version, reason(whole));
      return resource;
    }

    private Object read(JsonNode tree, JsonParser parser, DeserializationContext context)
        throws IOException {
      try (JsonParser replay = tree.traverse(parser.getCodec())) {
        replay.nextToken();
        return _delegatee.deserialize(replay, context);
      }
    }

    private static String describe(ObjectNode object) {
      var metadata = object.path("metadata");
      return object.path("kind").asText("?")
          + " "
          + metadata.path("namespace").asText("")
          + "/"
          + metadata.path("name").asText("?");
    }
  }

  /** "spec.replicas: Cannot construct instance of `ReplicaRange` ... from Number value (2)". */
  static String reason(JsonMappingException e) {
    String path =
        e.getPath().stream()
            .map(
                r ->
                    r.getFieldName() != null
                        ? "." + r.getFieldName()
                        : r.getIndex() >= 0 ? "[" + r.getIndex() + "]" : "")
            .collect(Collectors.joining())
            .replaceFirst("^\\.", "");
    String message = String.valueOf(e.getOriginalMessage());
    int newline = message.indexOf('\n');
    if (newline >= 0) {
      message = message.substring(0, newline);
    }
    message = message.replace(Model.class.getPackageName() + ".", "");
    return (path.isEmpty() ? "" : path + ": ") + message;
  }
}
