package dev.modelforge.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.local.Launcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite (conformance/, pytest) under the build: ModelForge's packaged command line
 * against Hugging Face Transformers, torch and tokenizers, from the virtual environment {@code
 * .ci/python-env.sh conformance/requirements.txt} makes. CI must run it; elsewhere it skips without
 * {@code MODELFORGE_CONFORMANCE_PYTHON}. Each pytest case lands in the build's test count (its
 * JUnit XML goes beside surefire's), and the report of every comparison with its worst error goes
 * to e2e/target/conformance/report.md.
 */
class TransformersConformanceTest {
  static final String VARIABLE = "MODELFORGE_CONFORMANCE_PYTHON";

  @Test
  void engineAgreesWithTransformers() throws Exception {
    String python = System.getenv(VARIABLE);
    boolean available = python != null && Files.isExecutable(Path.of(python));
    String hint = "export " + VARIABLE + "=$(bash .ci/python-env.sh conformance/requirements.txt)";
    if (!available && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("CI must run the conformance suite: " + hint);
    }
    Assumptions.assumeTrue(available, "no " + VARIABLE + "; run: " + hint);

    Path home = Launcher.home();
    Path target = Path.of("target").toAbsolutePath();
    Path reportDir = target.resolve("conformance");
    Path junit = target.resolve("surefire-reports-conformance").resolve("TEST-conformance.xml");
    Files.createDirectories(junit.getParent());
    Path log = Files.createTempFile("conformance", ".log");
    var pb =
        new ProcessBuilder(
                List.of(
                    python,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--junitxml=" + junit,
                    "-o",
                    "junit_suite_name=conformance",
                    home.resolve("conformance").toString()))
            .directory(home.resolve("conformance").toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("MODELFORGE_BIN", Launcher.find().toString());
    pb.environment().put("CONFORMANCE_REPORT_DIR", reportDir.toString());
    pb.environment().put("HF_HUB_OFFLINE", "1");
    pb.environment().put("TOKENIZERS_PARALLELISM", "false");
    Process p = pb.start();
    boolean done = p.waitFor(30, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    System.out.println(output);
    Path report = reportDir.resolve("report.md");
    if (Files.exists(report)) {
      System.out.println(Files.readString(report));
    }
    assertThat(done).as("the conformance suite finished within 30 minutes:%n%s", output).isTrue();
    assertThat(p.exitValue()).as("the conformance suite failed:%n%s", output).isZero();
  }
}
