package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The tool calls of one streamed answer as they are written, sent as vLLM sends them: a call's
 * first delta carries its index, id, type and name (arguments empty) as soon as the name is
 * complete, then each delta carries the characters its arguments grew by, so the arguments arrive
 * while the model writes them and their concatenation is the JSON the model wrote.
 *
 * <p>Each call is read with a small scanner over the text so far (strings, escapes and nesting),
 * which finds the name and where the arguments value starts and, once written, ends. A call whose
 * arguments come before its name, or are a JSON string, goes out whole when the answer ends.
 */
final class ToolCallStream {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ToolCalls.Format format;

  /** One call as far as the text shows it; offsets into the text, -1 where not yet written. */
  private record Block(
      String name, int start, int argsStart, int argsEnd, boolean argsIsString, int end) {}

  /** What went out of one call: its id once the header was sent, and the argument characters. */
  private static final class Sent {
    String id;
    int args;
  }

  private final List<Sent> sent = new ArrayList<>();

  ToolCallStream(ToolCalls.Format format) {
    this.format = format;
  }

  /**
   * The {@code tool_calls} deltas for what the answer's content {@code soFar} adds since the last
   * call (empty when nothing new); {@code finished} once the answer is complete.
   */
  ArrayNode advance(String soFar, boolean finished) {
    ArrayNode deltas = JSON.createArrayNode();
    List<Block> blocks = blocks(soFar);
    for (int i = 0; i < blocks.size(); i++) {
      Block b = blocks.get(i);
      if (i == sent.size()) {
        if (b.name() == null) {
          break; // calls go out in order
        }
        sent.add(new Sent());
      }
      Sent s = sent.get(i);
      ObjectNode delta = null;
      if (s.id == null) {
        s.id = "chatcmpl-tool-" + UUID.randomUUID().toString().replace("-", "");
        delta = deltas.addObject().put("index", i);
        delta.put("id", s.id).put("type", "function");
        delta.putObject("function").put("name", b.name()).put("arguments", "");
      }
      String piece = argumentsPiece(soFar, b, s, finished);
      if (!piece.isEmpty()) {
        if (delta == null) {
          delta = deltas.addObject().put("index", i);
          delta.putObject("function").put("arguments", piece);
        } else {
          ((ObjectNode) delta.get("function")).put("arguments", piece);
        }
      }
    }
    return deltas;
  }

  /** The argument characters of {@code b} not yet sent. */
  private String argumentsPiece(String text, Block b, Sent s, boolean finished) {
    if (b.argsStart() < 0) {
      // arguments before the name: read from the whole call once the answer is done
      if (!finished || b.end() < 0 || s.args > 0) {
        return "";
      }
      try {
        var args = JSON.readTree(text.substring(b.start(), b.end())).get(format.argumentsKey());
        String value = args == null ? "" : args.isTextual() ? args.asText() : args.toString();
        s.args = Math.max(1, value.length());
        return value;
      } catch (java.io.IOException e) {
        return "";
      }
    }
    if (b.argsIsString()) {
      // arguments written as a JSON string: its decoded value, whole, once it closes
      if (b.argsEnd() < 0 || s.args > 0) {
        return "";
      }
      try {
        String value = JSON.readTree(text.substring(b.argsStart(), b.argsEnd())).asText();
        s.args = Math.max(1, value.length());
        return value;
      } catch (java.io.IOException e) {
        return "";
      }
    }
    int upTo = b.argsEnd() >= 0 ? b.argsEnd() : text.length();
    if (!finished && b.argsEnd() < 0) {
      // trailing white space may still turn out to follow the value; it goes with what follows
      while (upTo > b.argsStart() + s.args && Character.isWhitespace(text.charAt(upTo - 1))) {
        upTo--;
      }
    }
    int from = b.argsStart() + s.args;
    if (upTo <= from) {
      return "";
    }
    s.args += upTo - from;
    return text.substring(from, upTo);
  }

  /** The calls whose object has ended: the text only grows, so they no longer change. */
  private final List<Block> closed = new ArrayList<>();

  /** Where the scan resumes: the end of the last closed call (0 before the first). */
  private int scanFrom;

  /**
   * The calls the text holds so far, in order, in this model family's format. Each token rescans
   * only from the end of the last closed call, not the whole answer.
   */
  private List<Block> blocks(String text) {
    List<Block> out = new ArrayList<>(closed);
    for (int start = nextStart(text); start >= 0; start = nextStart(text)) {
      Block b = scan(text, start);
      if (b.end() < 0) {
        out.add(b);
        break;
      }
      closed.add(b);
      out.add(b);
      scanFrom = b.end();
    }
    return out;
  }

  /** Where the next call's object starts after {@link #scanFrom}, or -1 while none has. */
  private int nextStart(String text) {
    int start;
    if (format == ToolCalls.Format.HERMES) {
      int open = text.indexOf("<tool_call>", scanFrom);
      if (open < 0) {
        return -1;
      }
      start = skipSpace(text, open + "<tool_call>".length());
    } else if (closed.isEmpty()) {
      start = skipSpace(text, 0);
      if (text.startsWith("<|python_tag|>", start)) {
        start = skipSpace(text, start + "<|python_tag|>".length());
      }
    } else {
      // Llama 3 joins calls with "; "
      int next = skipSpace(text, scanFrom);
      if (next >= text.length() || text.charAt(next) != ';') {
        return -1;
      }
      start = skipSpace(text, next + 1);
    }
    return start < text.length() && text.charAt(start) == '{' ? start : -1;
  }

  private static int skipSpace(String text, int i) {
    while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  /**
   * Scans the call object that starts at {@code start}: its top-level name (a complete string),
   * where its arguments value starts and ends, and where the object ends.
   */
  private Block scan(String text, int start) {
    String argsKey = format.argumentsKey();
    String name = null;
    int argsStart = -1;
    int argsEnd = -1;
    boolean argsIsString = false;
    int depth = 0;
    String lastKey = null;
    boolean expectKey = false;
    int valueDepth = -1; // depth at which the arguments value opened, while inside it
    int i = start;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '"') {
        int close = stringEnd(text, i);
        if (close < 0) {
          return new Block(name, start, argsStart, argsEnd, argsIsString, -1);
        }
        String raw = text.substring(i + 1, close);
        if (depth == 1 && expectKey) {
          lastKey = raw;
        } else if (depth == 1 && lastKey != null) {
          if (lastKey.equals("name") && argsStart < 0 && raw.indexOf('\\') < 0) {
            name = raw;
          } else if (lastKey.equals(argsKey) && argsStart < 0 && name != null) {
            argsStart = i;
            argsEnd = close + 1;
            argsIsString = true;
          }
          lastKey = null;
        }
        i = close + 1;
        continue;
      }
      switch (c) {
        case '{', '[' -> {
          if (depth == 1 && lastKey != null && lastKey.equals(argsKey) && name != null) {
            if (argsStart < 0) {
              argsStart = i;
              valueDepth = depth;
            }
            lastKey = null;
          } else if (depth == 1) {
            lastKey = null;
          }
          depth++;
          expectKey = c == '{' && depth == 1;
        }
        case '}', ']' -> {
          depth--;
          if (valueDepth >= 0 && depth == valueDepth) {
            argsEnd = i + 1;
            valueDepth = -1;
          }
          if (depth == 0) {
            return new Block(name, start, argsStart, argsEnd, argsIsString, i + 1);
          }
        }
        case ',' -> {
          if (depth == 1) {
            expectKey = true;
            lastKey = null;
          }
        }
        case ':' -> {
          if (depth == 1) {
            expectKey = false;
          }
        }
        default -> {
          // numbers, literals and white space: a top-level scalar ends the key it belongs to
          if (depth == 1 && !expectKey && lastKey != null && !Character.isWhitespace(c)) {
            lastKey = null;
          }
        }
      }
      i++;
    }
    return new Block(name, start, argsStart, argsEnd, argsIsString, -1);
  }

  /** The index of the quote that closes the string opening at {@code open}, or -1 if unclosed. */
  private static int stringEnd(String text, int open) {
    for (int i = open + 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        return i;
      }
    }
    return -1;
  }
}
