package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * An OpenID Connect issuer as a Kubernetes cluster's service-account issuer is one for EKS's IRSA:
 * a discovery document and its signing key set over HTTP, and RS256 tokens for a service account,
 * the kind the kubelet projects into a pod for {@code AWS_WEB_IDENTITY_TOKEN_FILE}.
 */
final class OidcIssuer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final HttpServer server;
  private final KeyPair keys;
  final String issuer;

  OidcIssuer() throws IOException, GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer = "http://127.0.0.1:" + server.getAddress().getPort();
    server.createContext(
        "/.well-known/openid-configuration",
        ex ->
            send(
                ex,
                Map.of(
                    "issuer",
                    issuer,
                    "jwks_uri",
                    issuer + "/keys",
                    "authorization_endpoint",
                    issuer + "/authorize",
                    "token_endpoint",
                    issuer + "/token",
                    "response_types_supported",
                    List.of("id_token"),
                    "subject_types_supported",
                    List.of("public"),
                    "id_token_signing_alg_values_supported",
                    List.of("RS256"))));
    server.createContext(
        "/keys",
        ex -> {
          RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
          send(
              ex,
              Map.of(
                  "keys",
                  List.of(
                      Map.of(
                          "kty", "RSA",
                          "kid", "k1",
                          "use", "sig",
                          "alg", "RS256",
                          "n", B64URL.encodeToString(unsigned(pub.getModulus())),
                          "e", B64URL.encodeToString(unsigned(pub.getPublicExponent()))))));
        });
    server.start();
  }

  String configUrl() {
    return issuer + "/.well-known/openid-configuration";
  }

  /** A signed token for {@code subject}, for {@code audience}, with extra claims. */
  String token(String subject, String audience, Map<String, Object> claims)
      throws IOException, GeneralSecurityException {
    long now = Instant.now().getEpochSecond();
    Map<String, Object> payload = new java.util.LinkedHashMap<>(claims);
    payload.put("iss", issuer);
    payload.put("sub", subject);
    payload.put("aud", audience);
    payload.put("iat", now);
    payload.put("exp", now + 3600);
    String signing =
        B64URL.encodeToString(
                JSON.writeValueAsBytes(Map.of("alg", "RS256", "kid", "k1", "typ", "JWT")))
            + "."
            + B64URL.encodeToString(JSON.writeValueAsBytes(payload));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(keys.getPrivate());
    rsa.update(signing.getBytes(StandardCharsets.US_ASCII));
    return signing + "." + B64URL.encodeToString(rsa.sign());
  }

  private static byte[] unsigned(BigInteger n) {
    byte[] b = n.toByteArray();
    return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
  }

  private static void send(HttpExchange ex, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
