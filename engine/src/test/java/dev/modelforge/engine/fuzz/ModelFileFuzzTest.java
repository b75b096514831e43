package dev.modelforge.engine.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.gguf.GgufFile;
import dev.modelforge.engine.format.gguf.GgufTokenizer;
import dev.modelforge.engine.format.safetensors.SafetensorsFile;
import dev.modelforge.engine.tokenizer.TokenizerException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing (Jazzer) of the readers of model files, which come from anyone's
 * repository: whatever the bytes, a reader either reads them or throws its documented error ({@link
 * ModelFormatException}; {@link TokenizerException} for a GGUF's vocabulary), never another
 * exception, and never allocates what a header claims before checking it against the file (the fuzz
 * runs under a small heap, where such an allocation is an OutOfMemoryError finding).
 *
 * <p>{@code ./mvnw test} replays the committed corpus (src/test/resources/.../Inputs); {@code bash
 * .ci/fuzz.sh SECONDS} fuzzes every target for that long. The seeds are small valid files.
 */
class ModelFileFuzzTest {

  private static Path write(byte[] data, String suffix) throws IOException {
    Path file = Files.createTempFile("fuzz", suffix);
    Files.write(file, data);
    return file;
  }

  @FuzzTest(maxDuration = "30s")
  void gguf(byte[] data) throws IOException {
    Path file = write(data, ".gguf");
    try (Arena arena = Arena.ofConfined()) {
      GgufFile gguf = GgufFile.read(file, arena);
      for (TensorData t : gguf.tensors().values()) {
        if (t.elementCount() <= 1 << 16) {
          t.toFloats();
        }
      }
      GgufTokenizer.read(gguf.metadata(), file);
    } catch (ModelFormatException | TokenizerException expected) {
      // a bad file, said so
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @FuzzTest(maxDuration = "30s")
  void safetensors(byte[] data) throws IOException {
    Path file = write(data, ".safetensors");
    try (Arena arena = Arena.ofConfined()) {
      for (TensorData t : SafetensorsFile.read(file, arena).values()) {
        if (t.elementCount() <= 1 << 16) {
          t.toFloats();
        }
      }
    } catch (ModelFormatException expected) {
      // a bad file, said so
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
