package dev.modelforge.engine.train.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A JSON Lines training set, one example per line, in any of three shapes:
 *
 * <ul>
 *   <li>{@code {"text": "..."}}: every token is learned;
 *   <li>{@code {"prompt": "...", "completion": "..."}}: only the completion (and the EOS appended
 *       after it) is learned;
 *   <li>{@code {"messages": [{"role": "...", "content": "..."}, ...]}}: only assistant turns are
 *       learned. With a {@link ChatRenderer} the conversation is rendered with the model's chat
 *       template and each assistant turn is found by rendering the conversation up to it with and
 *       without it, as Hugging Face's trainers do; the template's own end-of-turn marker is part of
 *       the turn. A tokenizer without a template writes each turn as {@code "<role>: <content>\n"},
 *       with EOS after assistant turns.
 * </ul>
 *
 * An EOS token is appended after texts and completions when the tokenizer names one. Rows longer
 * than {@code maxSequenceLength} tokens are cut to it, or rejected when truncation is off.
 */
public final class JsonlDataset {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Tokenizer tokenizer;
  private final int maxSequenceLength;
  private final boolean truncate;
  private final int eos;
  private final ChatRenderer chat;

  public JsonlDataset(Path file, Tokenizer tokenizer, int maxSequenceLength, boolean truncate) {
    this(file, tokenizer, maxSequenceLength, truncate, null);
  }

  /**
   * @param chat renders {@code messages} rows with the model's chat template; null when there is no
   *     renderer (then only tokenizers without a template accept such rows)
   */
  public JsonlDataset(
      Path file, Tokenizer tokenizer, int maxSequenceLength, boolean truncate, ChatRenderer chat) {
    this.chat = chat;
    this.file = file;
    this.tokenizer = tokenizer;
    this.maxSequenceLength = maxSequenceLength;
    this.truncate = truncate;
    int[] eosIds = tokenizer.eosTokenIds();
    this.eos = eosIds.length > 0 ? eosIds[0] : -1;
  }

  /** Reads and tokenizes every line. */
  public List<Example> read() throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file + ": the dataset file does not exist");
    }
    List<Example> examples = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lineNo++;
        if (!line.isBlank()) {
          examples.add(parse(line, lineNo));
        }
      }
    }
    if (examples.isEmpty()) {
      throw new DatasetException(
          file
              + ": holds no examples; write one JSON object per line with \"text\","
              + " \"prompt\" and \"completion\", or \"messages\"");
    }
    return examples;
  }

  private Example parse(String line, int lineNo) {
    JsonNode row;
    try {
      row = JSON.readTree(line);
    } catch (JacksonException e) {
      throw DatasetException.at(file, lineNo, "is not valid JSON: " + e.getOriginalMessage());
    }
    if (row == null || !row.isObject()) {
      throw DatasetException.at(file, lineNo, "must be a JSON object, not " + describe(row));
    }
    Sequence s = new Sequence();
    if (row.has("messages")) {
      messages(row.get("messages"), lineNo, s);
    } else if (row.has("prompt") || row.has("completion")) {
      s.add(tokenizer.encode(text(row, "prompt", lineNo), true), false);
      s.add(tokenizer.encode(text(row, "completion", lineNo), false), true);
      s.addEos(true);
    } else if (row.has("text")) {
      String text = text(row, "text", lineNo);
      if (text.isEmpty()) {
        throw DatasetException.at(file, lineNo, "\"text\" is empty");
      }
      s.add(tokenizer.encode(text, true), true);
      s.addEos(true);
    } else {
      List<String> keys = new ArrayList<>();
      row.fieldNames().forEachRemaining(keys::add);
      throw DatasetException.at(
          file,
          lineNo,
          "needs \"text\", \"prompt\" and \"completion\", or \"messages\"; it has " + keys);
    }
    return s.toExample(lineNo);
  }

  private void messages(JsonNode messages, int lineNo, Sequence s) {
    if (!messages.isArray() || messages.isEmpty()) {
      throw DatasetException.at(file, lineNo, "\"messages\" must be a non-empty array");
    }
    List<Map<String, Object>> turns = new ArrayList<>();
    for (Iterator<JsonNode> it = messages.elements(); it.hasNext(); ) {
      JsonNode m = it.next();
      turns.add(Map.of("role", text(m, "role", lineNo), "content", text(m, "content", lineNo)));
    }
    if (turns.stream().noneMatch(m -> m.get("role").equals("assistant"))) {
      throw DatasetException.at(file, lineNo, "\"messages\" has no assistant turn to learn");
    }
    if (chat != null) {
      templated(turns, lineNo, s);
    } else if (tokenizer.chatTemplate().isPresent()) {
      throw DatasetException.at(
          file,
          lineNo,
          "\"messages\" rows need the tokenizer's chat template rendered, and no renderer was"
              + " given; convert them to prompt/completion rows");
    } else {
      plain(turns, s);
    }
  }

  /**
   * The conversation as the chat template renders it: the text before each assistant turn is
   * context, the turn itself (up to the next turn's text) is learned.
   */
  private void templated(List<Map<String, Object>> turns, int lineNo, Sequence s) {
    String done = "";
    for (int i = 0; i < turns.size(); i++) {
      if (!turns.get(i).get("role").equals("assistant")) {
        continue;
      }
      String prompt = chat.render(turns.subList(0, i), true);
      String withReply = chat.render(turns.subList(0, i + 1), false);
      if (!prompt.startsWith(done) || !withReply.startsWith(prompt)) {
        throw DatasetException.at(
            file,
            lineNo,
            "the chat template does not render this conversation incrementally (the text up to"
                + " assistant turn "
                + i
                + " changes when the turn is added), so its assistant turns cannot be found");
      }
      s.add(tokenizer.encode(prompt.substring(done.length()), false), false);
      s.add(tokenizer.encode(withReply.substring(prompt.length()), false), true);
      done = withReply;
    }
    String all = chat.render(turns, false);
    if (all.startsWith(done) && all.length() > done.length()) {
      s.add(tokenizer.encode(all.substring(done.length()), false), false);
    }
  }

  /** Without a template: "role: content\n" per turn, EOS after assistant turns. */
  private void plain(List<Map<String, Object>> turns, Sequence s) {
    boolean first = true;
    for (Map<String, Object> m : turns) {
      boolean assistant = m.get("role").equals("assistant");
      s.add(tokenizer.encode(m.get("role") + ": ", first), false);
      s.add(tokenizer.encode((String) m.get("content"), false), assistant);
      if (assistant) {
        s.addEos(true);
      }
      s.add(tokenizer.encode("\n", false), false);
      first = false;
    }
  }

  private String text(JsonNode row, String field, int lineNo) {
    JsonNode v = row.get(field);
    if (v == null || v.isNull()) {
      throw DatasetException.at(file, lineNo, "is missing the \"" + field + "\" field");
    }
    if (!v.isTextual()) {
      throw DatasetException.at(
          file, lineNo, "\"" + field + "\" must be a string, not " + describe(v));
    }
    return v.asText();
  }

  private static String describe(JsonNode n) {
    return n == null ? "nothing" : n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Token ids and target flags being assembled for one row. */
  private final class Sequence {
    private final List<Integer> ids = new ArrayList<>();
    private final List<Boolean> targets = new ArrayList<>();

    void add(int[] tokens, boolean target) {
      for (int t : tokens) {
        ids.add(t);
        targets.add(target);
      }
    }

    void addEos(boolean target) {
      if (eos >= 0) {
        ids.add(eos);
        targets.add(target);
      }
    }

    Example toExample(int lineNo) {
      int n = ids.size();
      if (n > maxSequenceLength) {
        if (!truncate) {
          throw DatasetException.at(
              file,
              lineNo,
              "has "
                  + n
                  + " tokens, more than maxSequenceLength "
                  + maxSequenceLength
                  + "; shorten it, raise maxSequenceLength or turn truncation on");
        }
        n = maxSequenceLength;
      }
      int[] tokens = new int[n];
      boolean[] isTarget = new boolean[n];
      for (int i = 0; i < n; i++) {
        tokens[i] = ids.get(i);
        isTarget[i] = i > 0 && targets.get(i);
      }
      Example e = new Example(tokens, isTarget, lineNo);
      if (e.targetCount() == 0) {
        throw DatasetException.at(
            file,
            lineNo,
            ids.size() > maxSequenceLength
                ? "has nothing left to learn after truncation to maxSequenceLength "
                    + maxSequenceLength
                    + " (the prompt alone has at least that many tokens)"
                : "has no tokens to learn (empty completion and no EOS token)");
      }
      return e;
    }
  }
}
