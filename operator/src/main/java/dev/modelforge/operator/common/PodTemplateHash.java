package dev.modelforge.operator.common;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;

/**
 * Stamps a desired pod template with a hash of its pod spec. JOSDK's matcher without Server-Side
 * Apply compares only {@code spec} and ignores fields that exist only on the live object, so that
 * server defaults cause no updates; that also hides a field the user's spec dropped, such as a
 * removed nodeSelector. A changed hash inside the template is a difference it does see, and it
 * changes exactly when the pods must be replaced anyway.
 */
public final class PodTemplateHash {
  public static final String ANNOTATION = "modelforge.dev/pod-spec-hash";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodTemplateHash() {}

  public static PodTemplateSpec stamp(PodTemplateSpec template) {
    var annotations = new LinkedHashMap<String, String>();
    if (template.getMetadata().getAnnotations() != null) {
      annotations.putAll(template.getMetadata().getAnnotations());
    }
    annotations.put(ANNOTATION, sha256(JSON.valueToTree(template.getSpec()).toString()));
    template.getMetadata().setAnnotations(annotations);
    return template;
  }

  private static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
