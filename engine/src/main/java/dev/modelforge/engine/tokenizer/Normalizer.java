package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * tokenizer.json's {@code normalizer}: rewrites each piece of text between added tokens before it
 * is split into words. The variants are the ones real BPE tokenizers use, each a few lines, so they
 * live together here as the catalog of what is supported.
 */
sealed interface Normalizer {

  String normalize(String text);

  /** Unicode normalization forms (Qwen uses NFC). */
  record UnicodeForm(java.text.Normalizer.Form form) implements Normalizer {
    @Override
    public String normalize(String text) {
      return java.text.Normalizer.normalize(text, form);
    }
  }

  record Lowercase() implements Normalizer {
    @Override
    public String normalize(String text) {
      return text.toLowerCase(Locale.ROOT);
    }
  }

  /** Removes combining marks; meant to follow NFD. */
  record StripAccents() implements Normalizer {
    private static final Pattern MARKS = Pattern.compile("\\p{Mn}+");

    @Override
    public String normalize(String text) {
      return MARKS.matcher(text).replaceAll("");
    }
  }

  /** Trims whitespace on either side. */
  record Strip(boolean left, boolean right) implements Normalizer {
    @Override
    public String normalize(String text) {
      if (left && right) {
        return text.strip();
      }
      return left ? text.stripLeading() : right ? text.stripTrailing() : text;
    }
  }

  /** Llama 2 prepends "▁" so that the first word looks like every word after a space. */
  record Prepend(String prefix) implements Normalizer {
    @Override
    public String normalize(String text) {
      // An empty piece stays empty, as in the reference: no lone "▁" token between tokens.
      return text.isEmpty() ? text : prefix + text;
    }
  }

  /** Replaces every match of a literal or regex pattern (Llama 2: ' ' becomes '▁'). */
  record Replace(Pattern pattern, String content) implements Normalizer {
    @Override
    public String normalize(String text) {
      return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
    }
  }

  record Sequence(List<Normalizer> steps) implements Normalizer {
    @Override
    public String normalize(String text) {
      for (Normalizer step : steps) {
        text = step.normalize(text);
      }
      return text;
    }
  }

  /** The normalizer described by a tokenizer.json node; null when the node is null. */
  static Normalizer fromJson(JsonNode node, String path) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = JsonFields.text(node, "type", path);
    return switch (type) {
      case "NFC" -> new UnicodeForm(java.text.Normalizer.Form.NFC);
      case "NFD" -> new UnicodeForm(java.text.Normalizer.Form.NFD);
      case "NFKC" -> new UnicodeForm(java.text.Normalizer.Form.NFKC);
      case "NFKD" -> new UnicodeForm(java.text.Normalizer.Form.NFKD);
      case "Lowercase" -> new Lowercase();
      case "StripAccents" -> new StripAccents();
      case "Strip" ->
          new Strip(
              JsonFields.flag(node, "strip_left", true, path),
              JsonFields.flag(node, "strip_right", true, path));
      case "Prepend" -> new Prepend(JsonFields.text(node, "prepend", path));
      case "Replace" ->
          new Replace(
              JsonFields.pattern(node.get("pattern"), path + ".pattern"),
              JsonFields.text(node, "content", path));
      case "Sequence" -> {
        List<Normalizer> steps = new ArrayList<>();
        JsonNode list = JsonFields.array(node, "normalizers", path);
        for (int i = 0; i < list.size(); i++) {
          Normalizer step = fromJson(list.get(i), path + ".normalizers[" + i + "]");
          if (step != null) {
            steps.add(step);
          }
        }
        yield new Sequence(List.copyOf(steps));
      }
      default ->
          throw JsonFields.unsupported(
              path,
              type,
              "NFC, NFD, NFKC, NFKD, Lowercase, "
                  + "StripAccents, Strip, Prepend, Replace, Sequence");
    };
  }
}
