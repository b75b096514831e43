package dev.modelforge.runtime.fetch;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for requests without a body, as S3 and S3-compatible stores (MinIO, Ceph,
 * R2) check it: canonical request, string to sign, the derived signing key, and the Authorization
 * header.
 */
final class AwsSigV4 {

  /** SHA-256 of the empty payload, which every GET carries. */
  static final String EMPTY_SHA256 =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  private AwsSigV4() {}

  /**
   * @param path the request path, already URI-encoded as it is sent
   * @param query decoded query parameters
   * @param headers every header to sign (names in any case), host and x-amz-date included
   * @param amzDate the x-amz-date value, e.g. 20130524T000000Z
   */
  static String authorization(
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      String accessKey,
      String secretKey,
      String region,
      String service,
      String amzDate) {
    TreeMap<String, String> canonicalHeaders = new TreeMap<>();
    headers.forEach((k, v) -> canonicalHeaders.put(k.toLowerCase(Locale.ROOT), v.trim()));
    StringBuilder headerBlock = new StringBuilder();
    canonicalHeaders.forEach((k, v) -> headerBlock.append(k).append(':').append(v).append('\n'));
    String signedHeaders = String.join(";", canonicalHeaders.keySet());
    List<String> pairs = new ArrayList<>();
    new TreeMap<>(query).forEach((k, v) -> pairs.add(encode(k) + "=" + encode(v)));
    String payloadHash = canonicalHeaders.getOrDefault("x-amz-content-sha256", EMPTY_SHA256);
    String canonicalRequest =
        method
            + "\n"
            + (path.isEmpty() ? "/" : path)
            + "\n"
            + String.join("&", pairs)
            + "\n"
            + headerBlock
            + "\n"
            + signedHeaders
            + "\n"
            + payloadHash;
    String day = amzDate.substring(0, 8);
    String scope = day + "/" + region + "/" + service + "/aws4_request";
    String stringToSign =
        "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonicalRequest));
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), day);
    key = hmac(key, region);
    key = hmac(key, service);
    key = hmac(key, "aws4_request");
    String signature = hex(hmac(key, stringToSign));
    return "AWS4-HMAC-SHA256 Credential="
        + accessKey
        + "/"
        + scope
        + ",SignedHeaders="
        + signedHeaders
        + ",Signature="
        + signature;
  }

  /** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is escaped. */
  static String encode(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** A path's segments encoded, the slashes kept. */
  static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String p : path.split("/", -1)) {
      parts.add(encode(p));
    }
    return String.join("/", parts);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
