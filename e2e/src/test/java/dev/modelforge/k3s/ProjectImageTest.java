package dev.modelforge.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.local.Launcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The build contexts the K3s suite sends to Docker, checked where Docker is absent too. */
class ProjectImageTest {

  @Test
  void copiedPathsAreTheSourcesOfEveryCopyLineWithoutFlagsOrTarget() {
    List<String> containerfile =
        List.of(
            "FROM base",
            "COPY bin/modelforge /opt/modelforge/bin/modelforge",
            "COPY --chown=10001:0 a/x.jar a/y.options /opt/a/",
            "RUN echo COPY this is not a copy line",
            "copy lower/case /dest");

    assertThat(ProjectImage.copiedPaths(containerfile))
        .containsExactly("bin/modelforge", "a/x.jar", "a/y.options", "lower/case");
  }

  @Test
  void everyPathTheImagesCopyExistsAfterThePackagePhase() throws Exception {
    Path home = Launcher.home();
    for (ProjectImage image : K3sLifecycleTest.IMAGES) {
      for (String source :
          ProjectImage.copiedPaths(Files.readAllLines(home.resolve(image.containerfile())))) {
        assertThat(home.resolve(source)).as(image.containerfile() + " copies").exists();
      }
    }
  }
}
