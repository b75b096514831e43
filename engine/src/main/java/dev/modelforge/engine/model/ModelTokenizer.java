package dev.modelforge.engine.model;

import dev.modelforge.engine.format.gguf.GgufTokenizer;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The tokenizer that travels with a model: a Hugging Face directory's tokenizer.json (with
 * tokenizer_config.json), or the {@code tokenizer.ggml.*} metadata of a {@code .gguf} file.
 */
public final class ModelTokenizer {

  private ModelTokenizer() {}

  /** The model's tokenizer, or empty when it has none. */
  public static Optional<Tokenizer> find(Path model) {
    if (LoadedModel.isGgufFile(model)) {
      return GgufTokenizer.load(model);
    }
    if (Files.isRegularFile(model.resolve("tokenizer.json"))) {
      return Optional.of(Tokenizer.load(model));
    }
    return Optional.empty();
  }

  /**
   * The model's tokenizer.
   *
   * @throws IllegalArgumentException saying what is missing when a GGUF file has none
   * @throws dev.modelforge.engine.tokenizer.TokenizerException naming the missing or unusable file
   *     of a directory
   */
  public static Tokenizer load(Path model) {
    if (LoadedModel.isGgufFile(model)) {
      return GgufTokenizer.load(model)
          .orElseThrow(() -> new IllegalArgumentException(missing(model)));
    }
    return Tokenizer.load(model); // its errors name the missing directory or file
  }

  /** What a person reads when a model has no tokenizer. */
  public static String missing(Path model) {
    return LoadedModel.isGgufFile(model)
        ? model + " has no tokenizer metadata (tokenizer.ggml.*)"
        : model + " has no tokenizer.json";
  }
}
