package dev.modelforge.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.modelforge.local.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The container images, built by podman from the documented Containerfiles and run: {@code
 * runtime-image/src/main/container/podman-check.sh}. Needs a working podman (CI installs it when it
 * runs as root); skipped without one. Runs after the runtime and operator are packaged, as e2e
 * comes last in the reactor.
 */
class PodmanImageCheckTest {

  private static final long DEADLINE_MINUTES = 10;

  @Test
  void theRuntimeImagePrintsItsVersionGeneratesAsTheHostDoesAndServesCompletions()
      throws Exception {
    assumeTrue(
        podmanWorks(),
        "podman is not installed or cannot run here (`podman info` failed): the image check is"
            + " skipped. Debian: apt-get install -y podman runc");
    Path home = Launcher.home();
    Path log = Files.createTempFile("podman-check", ".log");

    Process check =
        new ProcessBuilder(
                home.resolve("runtime-image/src/main/container/podman-check.sh").toString())
            .directory(home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean finished = check.waitFor(DEADLINE_MINUTES, TimeUnit.MINUTES);
    if (!finished) {
      check.descendants().forEach(ProcessHandle::destroy);
      check.destroy();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(finished).as("podman-check.sh within %d minutes", DEADLINE_MINUTES).isTrue();
    assertThat(check.exitValue()).as("podman-check.sh exit code; its output:%n%s", output).isZero();
    assertThat(output).contains("== podman-check: passed");
  }

  private static boolean podmanWorks() {
    try {
      Process info =
          new ProcessBuilder("podman", "info")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!info.waitFor(60, TimeUnit.SECONDS)) {
        info.destroyForcibly();
        return false;
      }
      return info.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
