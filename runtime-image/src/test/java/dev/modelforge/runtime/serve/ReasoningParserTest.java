package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Thinking split out of answers as vLLM's reasoning parsers split it, whole and streamed. */
class ReasoningParserTest {

  @Test
  void qwen3SplitsAThinkBlockAndLeavesPlainAnswersAlone() {
    var qwen3 = ReasoningParser.named("qwen3");
    assertThat(qwen3.split("<think>\nadd them\n</think>\n\n4"))
        .isEqualTo(new ReasoningParser.Split("\nadd them\n", "4"));
    assertThat(qwen3.split("just 4")).isEqualTo(new ReasoningParser.Split("", "just 4"));
    assertThat(qwen3.split("<think>cut off")).isEqualTo(new ReasoningParser.Split("cut off", ""));
  }

  @Test
  void deepseekR1TakesEverythingBeforeTheCloseAsReasoning() {
    var r1 = ReasoningParser.named("deepseek_r1");
    assertThat(r1.split("weigh it</think>yes"))
        .isEqualTo(new ReasoningParser.Split("weigh it", "yes"));
    assertThat(r1.split("<think>weigh</think>\nyes"))
        .isEqualTo(new ReasoningParser.Split("weigh", "yes"));
  }

  @Test
  void streamedPartsOnlyGrowAndEndAsTheWholeSplit() {
    for (var parser : ReasoningParser.values()) {
      for (String text :
          new String[] {"<think>\nplan a, then b\n</think>\n\nthe answer", "plain</thi", "<thin"}) {
        String reasoning = "";
        String content = "";
        for (int i = 1; i <= text.length(); i++) {
          var so = parser.splitSoFar(text.substring(0, i));
          assertThat(so.reasoning()).as("%s %s", parser, text).startsWith(reasoning);
          assertThat(so.content()).as("%s %s", parser, text).startsWith(content);
          reasoning = so.reasoning();
          content = so.content();
        }
        var whole = parser.split(text);
        assertThat(whole.reasoning()).startsWith(reasoning);
        assertThat(whole.content()).startsWith(content);
      }
    }
  }

  @Test
  void anUnknownParserIsRefusedByName() {
    assertThatThrownBy(() -> ReasoningParser.named("granite"))
        .hasMessageContaining("qwen3 or deepseek_r1, got 'granite'");
  }
}
