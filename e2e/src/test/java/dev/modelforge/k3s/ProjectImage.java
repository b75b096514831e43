package dev.modelforge.k3s;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.MountableFile;

/**
 * One of the project's images, built by Docker from its documented Containerfile with the checkout
 * as build context, and imported into a K3s node's containerd so that pods find it under the name
 * the manifests use (pull policy IfNotPresent: nothing is pulled).
 *
 * @param tag the name the manifests refer to, e.g. ghcr.io/modelforge/runtime:0.1.0
 * @param containerfile relative to the checkout
 */
record ProjectImage(String tag, String containerfile) {

  /** Builds the image; the context holds only what the Containerfile's COPY lines name. */
  void build(Path home) throws IOException {
    Path file = home.resolve(containerfile);
    // Docker reads the build file from the context under its default name.
    var image = new ImageFromDockerfile(tag, false).withFileFromPath("Dockerfile", file);
    for (String source : copiedPaths(Files.readAllLines(file))) {
      Path path = home.resolve(source);
      if (!Files.exists(path)) {
        throw new IllegalStateException(
            containerfile
                + " copies "
                + source
                + ", which is missing: run ./mvnw -q package"
                + " -DskipTests first");
      }
      image.withFileFromPath(source, path);
    }
    image.get();
  }

  /**
   * Saves the image from Docker and imports it into the node's containerd (namespace k8s.io, where
   * the kubelet looks).
   */
  void importInto(K3sContainer node, Path workDir) throws IOException, InterruptedException {
    String name = tag.replaceAll("[^A-Za-z0-9.-]", "_") + ".tar";
    Path tar = workDir.resolve(name);
    try (InputStream saved = DockerClientFactory.instance().client().saveImageCmd(tag).exec()) {
      Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
    }
    String inNode = "/tmp/" + name;
    node.copyFileToContainer(MountableFile.forHostPath(tar), inNode);
    ExecResult imported =
        node.execInContainer("k3s", "ctr", "-n", "k8s.io", "images", "import", inNode);
    if (imported.getExitCode() != 0) {
      throw new IllegalStateException(
          "ctr images import of "
              + tag
              + " failed: "
              + imported.getStderr()
              + imported.getStdout());
    }
    node.execInContainer("rm", "-f", inNode);
    Files.delete(tar);
  }

  /**
   * The sources of every COPY line (flags such as --chown left out; the last word is the target).
   */
  static Set<String> copiedPaths(List<String> containerfile) {
    Set<String> sources = new LinkedHashSet<>();
    for (String line : containerfile) {
      String[] words = line.trim().split("\\s+");
      if (words.length < 3 || !words[0].equalsIgnoreCase("COPY")) {
        continue;
      }
      List<String> args = new ArrayList<>();
      for (int i = 1; i < words.length; i++) {
        if (!words[i].startsWith("--")) {
          args.add(words[i]);
        }
      }
      sources.addAll(args.subList(0, args.size() - 1));
    }
    return sources;
  }
}
