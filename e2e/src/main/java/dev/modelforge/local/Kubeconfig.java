package dev.modelforge.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A kubeconfig for the local cluster: one cluster, user and context named modelforge-local. */
public final class Kubeconfig {

  public static final String CONTEXT = LocalApiServer.NAME;

  private Kubeconfig() {}

  /** Writes it readable by the owner only, as kubectl does; returns {@code file}. */
  public static Path write(Path file, String serverUrl) throws IOException {
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
        users:
        - name: %1$s
          user: {}
        contexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
            namespace: default
        current-context: %1$s
        """
            .formatted(CONTEXT, server);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, yaml);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the default permissions stay
    }
    return file;
  }
}
