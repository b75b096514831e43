package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A byte-level BPE tokenizer.json with no merges: any text encodes, one token per byte. */
public final class ByteTokenizerJson {

  private ByteTokenizerJson() {}

  /** GPT-2's byte-to-printable-character map. */
  static char[] bytesToUnicode() {
    char[] map = new char[256];
    boolean[] direct = new boolean[256];
    for (int b = '!'; b <= '~'; b++) {
      direct[b] = true;
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      direct[b] = true;
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      direct[b] = true;
    }
    int n = 0;
    for (int b = 0; b < 256; b++) {
      map[b] = direct[b] ? (char) b : (char) (256 + n++);
    }
    return map;
  }

  public static String build() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    ArrayNode added = root.putArray("added_tokens");
    String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    for (int i = 0; i < specials.length; i++) {
      added
          .addObject()
          .put("id", 256 + i)
          .put("content", specials[i])
          .put("special", true)
          .put("normalized", false)
          .put("lstrip", false)
          .put("rstrip", false)
          .put("single_word", false);
    }
    root.putNull("normalizer");
    root.putObject("pre_tokenizer")
        .put("type", "ByteLevel")
        .put("add_prefix_space", false)
        .put("trim_offsets", true)
        .put("use_regex", true);
    root.putNull("post_processor");
    root.putObject("decoder")
        .put("type", "ByteLevel")
        .put("add_prefix_space", true)
        .put("trim_offsets", true)
        .put("use_regex", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("byte_fallback", false);
    ObjectNode vocab = model.putObject("vocab");
    char[] map = bytesToUnicode();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(map[b]), b);
    }
    for (int i = 0; i < specials.length; i++) {
      vocab.put(specials[i], 256 + i);
    }
    model.putArray("merges");
    return root.toPrettyString();
  }
}
