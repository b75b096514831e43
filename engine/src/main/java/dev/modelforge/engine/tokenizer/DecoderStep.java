package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A step of tokenizer.json's {@code decoder}: turns the list of token strings back into text, one
 * list into the next, as the reference's {@code decode_chain} does. The steps are the ones
 * byte-level (GPT-2, Llama 3, Qwen) and SentencePiece-style (Llama 2) tokenizers use.
 */
sealed interface DecoderStep {

  List<String> decode(List<String> tokens);

  /**
   * Maps the byte-level alphabet back to bytes and reads them as UTF-8. Added tokens are taken
   * literally, as in the reference implementations, so a special token is never mangled.
   */
  record ByteLevel(Set<String> addedTokens) implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      List<String> texts = new ArrayList<>();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (String token : tokens) {
        if (addedTokens.contains(token)) {
          flush(bytes, texts);
          texts.add(token);
        } else {
          appendBytes(token, bytes);
        }
      }
      flush(bytes, texts);
      return texts;
    }

    /** A token with a character outside the alphabet stands for its own UTF-8 bytes. */
    static void appendBytes(String token, ByteArrayOutputStream bytes) {
      for (int i = 0; i < token.length(); i++) {
        if (ByteLevelAlphabet.byteOf(token.charAt(i)) < 0) {
          bytes.writeBytes(token.getBytes(StandardCharsets.UTF_8));
          return;
        }
      }
      for (int i = 0; i < token.length(); i++) {
        bytes.write(ByteLevelAlphabet.byteOf(token.charAt(i)));
      }
    }

    private static void flush(ByteArrayOutputStream bytes, List<String> texts) {
      if (bytes.size() > 0) {
        // Invalid UTF-8 (an incomplete character) becomes U+FFFD, as in the reference.
        texts.add(bytes.toString(StandardCharsets.UTF_8));
        bytes.reset();
      }
    }
  }

  /** Replaces a literal or pattern in every token (Llama 2: '▁' back to ' '). */
  record Replace(Pattern pattern, String content) implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      String replacement = Matcher.quoteReplacement(content);
      return tokens.stream().map(t -> pattern.matcher(t).replaceAll(replacement)).toList();
    }
  }

  /**
   * Turns runs of {@code <0xNN>} tokens into the text their bytes spell; bytes that are not valid
   * UTF-8 become one U+FFFD each, as in the reference.
   */
  record ByteFallback() implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      ByteArrayOutputStream pending = new ByteArrayOutputStream();
      for (String token : tokens) {
        int b = byteOf(token);
        if (b >= 0) {
          pending.write(b);
          continue;
        }
        flush(pending, out);
        out.add(token);
      }
      flush(pending, out);
      return out;
    }

    static int byteOf(String token) {
      if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
        try {
          return Integer.parseInt(token, 3, 5, 16);
        } catch (NumberFormatException e) {
          return -1;
        }
      }
      return -1;
    }

    private static void flush(ByteArrayOutputStream pending, List<String> out) {
      if (pending.size() == 0) {
        return;
      }
      byte[] bytes = pending.toByteArray();
      pending.reset();
      var decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
      try {
        out.add(decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString());
      } catch (java.nio.charset.CharacterCodingException e) {
        out.add("\uFFFD".repeat(bytes.length));
      }
    }
  }

  /** Joins all tokens into one. */
  record Fuse() implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      return List.of(String.join("", tokens));
    }
  }

  /** Removes up to {@code start}/{@code stop} copies of a character from each token's ends. */
  record Strip(char content, int start, int stop) implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      for (String token : tokens) {
        int from = 0;
        while (from < start && from < token.length() && token.charAt(from) == content) {
          from++;
        }
        int to = token.length();
        while (token.length() - to < stop && to > from && token.charAt(to - 1) == content) {
          to--;
        }
        out.add(token.substring(from, to));
      }
      return out;
    }
  }

  /** SentencePiece's '▁' back to spaces, without the space it put before the first word. */
  record Metaspace(String replacement, boolean removeFirstSpace) implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      List<String> out = new ArrayList<>(tokens.size());
      for (int i = 0; i < tokens.size(); i++) {
        String text = tokens.get(i).replace(replacement, " ");
        if (i == 0 && removeFirstSpace && text.startsWith(" ")) {
          text = text.substring(1);
        }
        out.add(text);
      }
      return out;
    }
  }

  record Sequence(List<DecoderStep> steps) implements DecoderStep {
    @Override
    public List<String> decode(List<String> tokens) {
      for (DecoderStep step : steps) {
        tokens = step.decode(tokens);
      }
      return tokens;
    }
  }

  /**
   * The bytes one vocabulary token adds to the text in the middle of an output: what {@code
   * decoder} makes of it, minus the steps that only trim the start of a whole text (Strip, and
   * Metaspace's first-space removal). Constrained decoding matches tokens by these bytes.
   */
  static byte[] bytesInText(DecoderStep decoder, String token) {
    String text = token;
    for (DecoderStep step : decoder == null ? List.<DecoderStep>of() : flatten(decoder)) {
      switch (step) {
        case ByteLevel b -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          ByteLevel.appendBytes(text, out);
          return out.toByteArray();
        }
        case ByteFallback f -> {
          int b = ByteFallback.byteOf(text);
          if (b >= 0) {
            return new byte[] {(byte) b};
          }
        }
        case Replace r ->
            text = r.pattern().matcher(text).replaceAll(Matcher.quoteReplacement(r.content()));
        case Metaspace m -> text = text.replace(m.replacement(), " ");
        case Fuse f -> {}
        case Strip s -> {}
        case Sequence q -> throw new AssertionError("flattened");
      }
    }
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether decoding drops one space at the very start of a text (Llama 2's Strip, SentencePiece's
   * Metaspace): the first generated token's leading space never reaches the client.
   */
  static boolean removesFirstSpace(DecoderStep decoder) {
    if (decoder == null) {
      return false;
    }
    for (DecoderStep step : flatten(decoder)) {
      if (step instanceof Strip s && s.content() == ' ' && s.start() > 0
          || step instanceof Metaspace m && m.removeFirstSpace()) {
        return true;
      }
    }
    return false;
  }

  private static List<DecoderStep> flatten(DecoderStep step) {
    if (!(step instanceof Sequence q)) {
      return List.of(step);
    }
    List<DecoderStep> all = new ArrayList<>();
    for (DecoderStep s : q.steps()) {
      all.addAll(flatten(s));
    }
    return all;
  }

  /** The decoder described by a tokenizer.json node; null when the node is null. */
  static DecoderStep fromJson(JsonNode node, String path, Set<String> addedTokens) {
    if (node == null || node.isNull()) {
      return null;
    }
    String type = JsonFields.text(node, "type", path);
    return switch (type) {
      case "ByteLevel" -> new ByteLevel(addedTokens);
      case "Replace" ->
          new Replace(
              JsonFields.pattern(node.get("pattern"), path + ".pattern"),
              JsonFields.text(node, "content", path));
      case "ByteFallback" -> new ByteFallback();
      case "Fuse" -> new Fuse();
      case "Strip" -> {
        String content = JsonFields.text(node, "content", path);
        if (content.length() != 1) {
          throw new TokenizerException(
              path + ".content must be one character but is \"" + content + "\"");
        }
        yield new Strip(
            content.charAt(0),
            JsonFields.integer(node, "start", path),
            JsonFields.integer(node, "stop", path));
      }
      case "Metaspace" -> {
        String scheme = JsonFields.optionalText(node, "prepend_scheme");
        boolean prepended =
            scheme == null
                ? JsonFields.flag(node, "add_prefix_space", true, path)
                : !scheme.equals("never");
        yield new Metaspace(JsonFields.text(node, "replacement", path), prepended);
      }
      case "Sequence" -> {
        List<DecoderStep> steps = new ArrayList<>();
        JsonNode list = JsonFields.array(node, "decoders", path);
        for (int i = 0; i < list.size(); i++) {
          DecoderStep step = fromJson(list.get(i), path + ".decoders[" + i + "]", addedTokens);
          if (step != null) {
            steps.add(step);
          }
        }
        yield new Sequence(List.copyOf(steps));
      }
      default ->
          throw JsonFields.unsupported(
              path, type, "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence");
    };
  }
}
