package dev.modelforge.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.operator.cluster.RealApiServer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CRDs committed in crds/ equal the ones generated from the Java types. A @QuarkusTest so the
 * build's augmentation, which writes target/kubernetes/, has run before it compares.
 */
@QuarkusTest
@WithTestResource(RealApiServer.class)
class CommittedCrdsTest {
  static final Path GENERATED = Path.of("target", "kubernetes");
  static final Path COMMITTED = Path.of("..", "crds");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "models.modelforge.dev-v1.yml",
        "finetuningjobs.modelforge.dev-v1.yml",
        "inferenceservices.modelforge.dev-v1.yml"
      })
  void committedCrdMatchesTheGeneratedOne(String file) throws IOException {
    List<String> generated = Files.readAllLines(GENERATED.resolve(file));
    List<String> committed = Files.readAllLines(COMMITTED.resolve(file));

    assertThat(committed)
        .as(
            "crds/%s drifted from the CRD generated from the API types; run ./mvnw -pl operator"
                + " package && cp operator/target/kubernetes/*.modelforge.dev-v1.yml crds/",
            file)
        .isEqualTo(generated);
  }
}
