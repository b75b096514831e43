package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Python string methods on a template's own literals, as Qwen3's template calls them. */
class ChatTemplateStringsTest {

  private final ChatTemplate qwen3 =
      new ChatTemplate(ToolModelResource.qwen3Template(), "", "<|im_end|>");

  @Test
  void aConversationEndingWithAnAssistantMessageRenders() {
    String prompt =
        qwen3.render(
            List.of(
                Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", "hello")),
            false);

    // the last assistant turn gets an empty think block: ''.strip('\n') on a literal
    assertThat(prompt)
        .isEqualTo(
            "<|im_start|>user\nhi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\nhello<|im_end|>\n");
  }

  @Test
  void reasoningContentIsSplitOutOfAThinkingAnswer() {
    String prompt =
        qwen3.render(
            List.of(
                Map.of("role", "user", "content", "2+2?"),
                Map.of("role", "assistant", "content", "<think>\nadd them\n</think>\n\n4")),
            false);

    assertThat(prompt)
        .endsWith("<|im_start|>assistant\n<think>\nadd them\n</think>\n\n4<|im_end|>\n");
  }

  @Test
  void javaStringMethodsPythonLacksStillWork() {
    ChatTemplate t = new ChatTemplate("{{ 'abc'.toUpperCase() }}{{ 'x'.strip() }}", "", "");
    assertThat(t.render(List.of(), false)).isEqualTo("ABCx");
  }
}
