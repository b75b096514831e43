package dev.modelforge.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.tokenizer.TokenizerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of a model folder's tokenizer.json and tokenizer_config.json: any pair of
 * files loads, or fails with a {@link TokenizerException} naming the file; a tokenizer that loads
 * encodes and decodes any text without another exception. See {@link ModelFileFuzzTest} for how the
 * corpus is replayed and extended.
 */
class TokenizerFileFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void tokenizerFiles(FuzzedDataProvider data) throws IOException {
    String config = data.consumeString(2000);
    String text = data.consumeString(200);
    String tokenizer = data.consumeRemainingAsString();
    Path dir = Files.createTempDirectory("fuzz-tokenizer");
    try {
      Files.writeString(dir.resolve("tokenizer.json"), tokenizer, StandardCharsets.UTF_8);
      if (!config.isEmpty()) {
        Files.writeString(dir.resolve("tokenizer_config.json"), config, StandardCharsets.UTF_8);
      }
      Tokenizer t = Tokenizer.load(dir);
      int[] ids = t.encode(text, true);
      t.decode(ids, false);
      t.decode(ids, true);
    } catch (TokenizerException expected) {
      // bad files, said so
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
