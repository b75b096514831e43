package dev.modelforge.runtime.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model directory with a tiny SentencePiece-style tokenizer in the shape of Llama 2's: "▁" marks
 * word starts, {@code <s>} is prepended, and "hi hi!" is [1, 7, 7, 8].
 */
final class TinyTokenizer {

  private TinyTokenizer() {}

  static Path writeTo(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("tokenizer.json"),
        """
        {
          "version": "1.0",
          "added_tokens": [
            {"id": 0, "content": "<unk>", "special": true, "normalized": false,
             "lstrip": false, "rstrip": false, "single_word": false},
            {"id": 1, "content": "<s>", "special": true, "normalized": false,
             "lstrip": false, "rstrip": false, "single_word": false},
            {"id": 2, "content": "</s>", "special": true, "normalized": false,
             "lstrip": false, "rstrip": false, "single_word": false}
          ],
          "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
          "pre_tokenizer": null,
          "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
          "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
          "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true,
            "byte_fallback": false,
            "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "▁": 3, "h": 4, "i": 5, "▁h": 6,
                      "▁hi": 7, "!": 8, "é": 9, "\\"": 10, "\\n": 11},
            "merges": ["▁ h", "▁h i"]}
        }
        """);
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"bos_token": "<s>", "eos_token": "</s>", "clean_up_tokenization_spaces": false}
        """);
    return dir;
  }
}
