package dev.modelforge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArithmeticTaskTest {

  @TempDir Path dir;

  @Test
  void arithmeticProblemsAreCorrectVariedAndNeverNegative() {
    List<ArithmeticTask.Problem> problems = ArithmeticTask.problems(500, 1, 30);
    Set<String> prompts = new HashSet<>();
    problems.forEach(p -> prompts.add(p.prompt()));

    for (ArithmeticTask.Problem p : problems) {
      String[] operands = p.prompt().replace("=", "").split("[+-]");
      int a = Integer.parseInt(operands[0]);
      int b = Integer.parseInt(operands[1]);
      int expected = p.prompt().contains("+") ? a + b : a - b;
      assertThat(Integer.parseInt(p.completion())).isEqualTo(expected).isNotNegative();
      assertThat(Math.max(a, b)).isLessThanOrEqualTo(30);
    }
    assertThat(prompts.size()).isGreaterThan(300);
  }

  @Test
  void theDatasetHasOnePromptCompletionObjectPerLine() throws IOException {
    Path file = dir.resolve("data/train.jsonl");

    ArithmeticTask.writeJsonl(
        List.of(ArithmeticTask.add(2, 3), ArithmeticTask.subtract(9, 4)), file);

    assertThat(Files.readAllLines(file))
        .containsExactly(
            "{\"prompt\":\"2+3=\",\"completion\":\"5\"}",
            "{\"prompt\":\"9-4=\",\"completion\":\"5\"}");
  }
}
