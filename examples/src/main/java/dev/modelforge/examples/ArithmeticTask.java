package dev.modelforge.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The task the tests and the demo teach a model from scratch: two-operand addition and subtraction
 * as prompt-completion pairs ({@code "12+7="} → {@code "19"}), with a character-level tokenizer
 * small enough that a tiny model learns it in minutes. Subtractions put the larger operand first,
 * so every answer is a plain non-negative number. A model's score on it (greedy completions that
 * equal the answer) is the engine's to compute; this class only writes the data.
 */
public final class ArithmeticTask {

  /** The vocabulary after the three special tokens, one character per token. */
  static final String CHARACTERS = "0123456789+-= ";

  /** How the vocabulary writes a space, as SentencePiece does. */
  private static final String SPACE = "▁";

  public static final int PAD = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One problem: the prompt ends with '=', the completion is the answer. */
  public record Problem(String prompt, String completion) {}

  private ArithmeticTask() {}

  /** Vocabulary size of the tokenizer that {@link #writeTokenizer} writes. */
  public static int vocabSize() {
    return 3 + CHARACTERS.length();
  }

  /** {@code count} problems with operands in {@code [0, maxOperand]}, drawn from {@code seed}. */
  public static List<Problem> problems(int count, long seed, int maxOperand) {
    if (count < 1 || maxOperand < 1) {
      throw new IllegalArgumentException("count and max operand must be at least 1");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    List<Problem> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int a = rng.nextInt(maxOperand + 1);
      int b = rng.nextInt(maxOperand + 1);
      out.add(rng.nextBoolean() ? add(a, b) : subtract(Math.max(a, b), Math.min(a, b)));
    }
    return out;
  }

  public static Problem add(int a, int b) {
    return new Problem(a + "+" + b + "=", Integer.toString(a + b));
  }

  public static Problem subtract(int a, int b) {
    return new Problem(a + "-" + b + "=", Integer.toString(a - b));
  }

  /** Writes one {@code {"prompt", "completion"}} object per line. */
  public static void writeJsonl(List<Problem> problems, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Problem p : problems) {
        ObjectNode row = JSON.createObjectNode();
        row.put("prompt", p.prompt());
        row.put("completion", p.completion());
        out.write(JSON.writeValueAsString(row));
        out.write('\n');
      }
    }
  }

  /**
   * Writes a character-level {@code tokenizer.json} (BPE without merges: every character is a
   * token, a space written "▁" as in SentencePiece) and a {@code tokenizer_config.json} naming
   * {@code <s>}, {@code </s>} and {@code <pad>}.
   */
  public static void writeTokenizer(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    ArrayNode added = root.putArray("added_tokens");
    String[] specials = {"<pad>", "<s>", "</s>"};
    for (int id = 0; id < specials.length; id++) {
      ObjectNode t = added.addObject();
      t.put("id", id);
      t.put("content", specials[id]);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    // SentencePiece's spelling of a space ("▁") makes this a vocabulary llama.cpp can run too.
    ObjectNode normalizer = root.putObject("normalizer").put("type", "Replace");
    normalizer.putObject("pattern").put("String", " ");
    normalizer.put("content", SPACE);
    root.putNull("pre_tokenizer");
    root.putNull("post_processor");
    ArrayNode decoders = root.putObject("decoder").put("type", "Sequence").putArray("decoders");
    ObjectNode spaces = decoders.addObject().put("type", "Replace");
    spaces.putObject("pattern").put("String", SPACE);
    spaces.put("content", " ");
    decoders.addObject().put("type", "Fuse");
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("byte_fallback", false);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < specials.length; id++) {
      vocab.put(specials[id], id);
    }
    for (int i = 0; i < CHARACTERS.length(); i++) {
      char c = CHARACTERS.charAt(i);
      vocab.put(c == ' ' ? SPACE : String.valueOf(c), 3 + i);
    }
    model.putArray("merges");
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
    ObjectNode config = JSON.createObjectNode();
    config.put("bos_token", "<s>");
    config.put("eos_token", "</s>");
    config.put("pad_token", "<pad>");
    config.put("clean_up_tokenization_spaces", false);
    config.put("model_max_length", 64);
    JSON.writerWithDefaultPrettyPrinter()
        .writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
  }
}
