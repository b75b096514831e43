package dev.modelforge.operator.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Objects with fields the typed model does not know still deserialize. A real API server prunes
 * such fields, but an object written before a CRD upgrade, or through a server that does not prune,
 * must not stop the informer of its kind: with strict deserialization one such object ends the
 * watch ("will stop") and every later object of the kind goes unreconciled.
 */
@Singleton
public class TolerantDeserialization implements KubernetesClientObjectMapperCustomizer {
  @Override
  public void customize(ObjectMapper mapper) {
    mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  }
}
