package dev.modelforge.runtime.serve;

import java.util.Locale;

/**
 * Splits a thinking model's answer into {@code reasoning_content} and {@code content}, as vLLM's
 * {@code --reasoning-parser} does: Qwen3 writes {@code <think>...</think>} before its answer (no
 * think block: all of it is content); DeepSeek-R1's template opens the block in the prompt, so
 * everything before {@code </think>} is reasoning.
 */
public enum ReasoningParser {
  QWEN3,
  DEEPSEEK_R1;

  private static final String OPEN = "<think>";
  private static final String CLOSE = "</think>";

  /** The reasoning and the content of a text, whole or so far. */
  record Split(String reasoning, String content) {}

  /** The parser vLLM names {@code name} (qwen3, deepseek_r1). */
  public static ReasoningParser named(String name) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--reasoning-parser must be qwen3 or deepseek_r1, got '" + name + "'");
    }
  }

  /** The finished answer's parts. */
  Split split(String text) {
    return split(text, true);
  }

  /**
   * The parts of a streamed answer so far; text that may still turn into a tag is in neither, so
   * what is returned never has to be taken back.
   */
  Split splitSoFar(String text) {
    return split(text, false);
  }

  private Split split(String text, boolean finished) {
    String t = text.stripLeading();
    int start = text.length() - t.length();
    boolean opened = t.startsWith(OPEN);
    if (this == QWEN3) {
      if (!opened) {
        boolean mayOpen = !finished && OPEN.startsWith(t);
        return mayOpen ? new Split("", "") : new Split("", text);
      }
    }
    int from = opened ? start + OPEN.length() : 0;
    if (!opened && !finished && this == DEEPSEEK_R1 && !t.isEmpty() && OPEN.startsWith(t)) {
      return new Split("", "");
    }
    int close = text.indexOf(CLOSE, from);
    if (close < 0) {
      if (finished) {
        // Qwen3 cut off mid-thought, or R1 that never closed: all of it is reasoning
        return new Split(text.substring(from), "");
      }
      return new Split(text.substring(from, from + safe(text.substring(from))), "");
    }
    String content = text.substring(close + CLOSE.length()).replaceFirst("^\n+", "");
    if (!finished && content.isEmpty()) {
      return new Split(text.substring(from, close), "");
    }
    return new Split(text.substring(from, close), content);
  }

  /** How much of {@code s} cannot be the start of the closing tag. */
  private static int safe(String s) {
    for (int k = Math.min(CLOSE.length() - 1, s.length()); k > 0; k--) {
      if (CLOSE.startsWith(s.substring(s.length() - k))) {
        return s.length() - k;
      }
    }
    return s.length();
  }
}
