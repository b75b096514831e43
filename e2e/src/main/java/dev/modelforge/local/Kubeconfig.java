package dev.modelforge.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Kubeconfigs of the local cluster that authenticate with a ServiceAccount token (the operator's, a
 * pod's): one cluster, user and context named modelforge-local. The admin's comes from
 * kube-api-test (a client certificate of system:masters).
 */
public final class Kubeconfig {

  public static final String CONTEXT = "modelforge-local";

  private Kubeconfig() {}

  /** Writes it readable by the owner only, as kubectl does; returns {@code file}. */
  public static Path write(
      Path file, String serverUrl, String caFile, String token, String namespace)
      throws IOException {
    String server =
        serverUrl.endsWith("/") ? serverUrl.substring(0, serverUrl.length() - 1) : serverUrl;
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
            certificate-authority: %3$s
        users:
        - name: %1$s
          user:
            token: %4$s
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
            namespace: %5$s
        current-context: %1$s
        """
            .formatted(CONTEXT, server, caFile, token, namespace);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, yaml);
    return restrict(file);
  }

  /** Owner-only permissions: a kubeconfig holds credentials. */
  static Path restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the default permissions stay
    }
    return file;
  }
}
