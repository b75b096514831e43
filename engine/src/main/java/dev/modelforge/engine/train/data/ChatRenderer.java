package dev.modelforge.engine.train.data;

import java.util.List;
import java.util.Map;

/**
 * Renders a conversation with a model's chat template, as Hugging Face's {@code
 * apply_chat_template} does: {@code messages} are maps with "role" and "content"; with {@code
 * addGenerationPrompt} the text ends where the assistant's reply would begin. The engine has no
 * Jinja interpreter; the runtime supplies one.
 */
@FunctionalInterface
public interface ChatRenderer {
  String render(List<Map<String, Object>> messages, boolean addGenerationPrompt);
}
