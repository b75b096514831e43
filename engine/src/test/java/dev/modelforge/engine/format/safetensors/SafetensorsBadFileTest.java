package dev.modelforge.engine.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a safetensors file can lie gives a ModelFormatException naming file and problem. */
class SafetensorsBadFileTest {

  @TempDir Path dir;

  /** A file with this header (as given, unpadded) followed by {@code dataBytes} zero bytes. */
  private Path file(String header, int dataBytes) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    Path f = dir.resolve("model.safetensors");
    Files.write(f, b.array());
    return f;
  }

  private static AbstractThrowableAssert<?, ?> assertRejected(Path file) {
    return assertThatThrownBy(() -> SafetensorsStore.openFile(file).close())
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(file.toString());
  }

  @Test
  void fileTooShortForTheHeaderLength() throws IOException {
    Path f = Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});

    assertRejected(f).hasMessageContaining("3 bytes, too short");
  }

  @Test
  void headerLengthLargerThanTheFile() throws IOException {
    Path f = file("{}", 0);
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1 << 20);
    byte[] bytes = Files.readAllBytes(f);
    System.arraycopy(len.array(), 0, bytes, 0, 8);
    Files.write(f, bytes);

    assertRejected(f).hasMessageContaining("header length field says 1048576 bytes");
  }

  @Test
  void headerThatIsNotJson() throws IOException {
    assertRejected(file("{\"a\": [1, 2", 0)).hasMessageContaining("header is not valid JSON");
  }

  @Test
  void headerThatIsJsonButNotAnObject() throws IOException {
    assertRejected(file("[1, 2]", 0)).hasMessageContaining("header is not a JSON object");
  }

  @Test
  void truncatedData() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);

    assertRejected(f)
        .hasMessageContaining("tensor 'w'")
        .hasMessageContaining("data_offsets [0, 16) fall outside the 8 data bytes");
  }

  @Test
  void dataOffsetsBackwards() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 16);

    assertRejected(f).hasMessageContaining("tensor 'w'").hasMessageContaining("fall outside");
  }

  @Test
  void shapeThatDoesNotMatchTheByteSpan() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,16]}}", 16);

    assertRejected(f)
        .hasMessageContaining("tensor 'w'")
        .hasMessageContaining("needs 12 bytes but data_offsets span 16");
  }

  @Test
  void shapeWhoseElementCountOverflows() throws IOException {
    Path f =
        file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,4]}}",
            4);

    assertRejected(f).hasMessageContaining("tensor 'w'").hasMessageContaining("more elements");
  }

  @Test
  void shapeWhoseByteCountOverflows() throws IOException {
    Path f =
        file(
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}",
            4);

    assertRejected(f).hasMessageContaining("tensor 'w'").hasMessageContaining("more than 2^63");
  }

  @Test
  void fractionalOrNegativeDimension() throws IOException {
    assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8))
        .hasMessageContaining("bad dimension 2.5");
    assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", 8))
        .hasMessageContaining("bad dimension -1");
  }

  @Test
  void unknownDtype() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"I4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1);

    assertRejected(f)
        .hasMessageContaining("tensor 'w'")
        .hasMessageContaining("dtype I4 is not supported");
  }

  @Test
  void entryWithoutDataOffsets() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4);

    assertRejected(f).hasMessageContaining("tensor 'w'").hasMessageContaining("data_offsets");
  }

  @Test
  void missingTensorNamesTheTensorAndTheFile() throws IOException {
    Path f = file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);

    try (SafetensorsStore store = SafetensorsStore.openFile(f)) {
      assertThatThrownBy(() -> store.get("model.norm.weight"))
          .isInstanceOf(ModelFormatException.class)
          .hasMessageContaining("'model.norm.weight' is missing")
          .hasMessageContaining(f.toString());
    }
  }

  private Path index(String weightMapJson) throws IOException {
    file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    return Files.writeString(
        dir.resolve(SafetensorsStore.INDEX_FILE), "{\"weight_map\": " + weightMapJson + "}");
  }

  @Test
  void indexNamingAMissingShard() throws IOException {
    Path index = index("{\"w\": \"model.safetensors\", \"v\": \"model-00002.safetensors\"}");

    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(index.toString())
        .hasMessageContaining("names shard model-00002.safetensors which does not exist");
  }

  @Test
  void indexNamingATensorNoShardHolds() throws IOException {
    Path index = index("{\"w\": \"model.safetensors\", \"v\": \"model.safetensors\"}");

    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(index.toString())
        .hasMessageContaining("tensor 'v'")
        .hasMessageContaining("in none of the shards");
  }

  @Test
  void indexNamingAShardOutsideTheDirectory() throws IOException {
    Files.writeString(dir.getParent().resolve("outside.safetensors"), "x");
    Path index = index("{\"w\": \"../outside.safetensors\"}");

    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(index.toString())
        .hasMessageContaining("'../outside.safetensors', which is not a file name in");
  }

  @Test
  void indexThatIsNotJsonOrHasNoWeightMap() throws IOException {
    Path index = Files.writeString(dir.resolve(SafetensorsStore.INDEX_FILE), "{oops");
    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageStartingWith(index.toString())
        .hasMessageContaining("is not valid JSON");

    Files.writeString(index, "{\"metadata\": {}}");
    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("has no weight_map object");

    Files.writeString(index, "{\"weight_map\": {\"w\": 3}}");
    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessageContaining("tensor 'w'")
        .hasMessageContaining("weight_map entry is 3");
  }

  @Test
  void directoryWithoutWeights() {
    assertThatThrownBy(() -> SafetensorsStore.open(dir))
        .isInstanceOf(ModelFormatException.class)
        .hasMessage(dir + ": holds no *.safetensors file");
    assertThat(SafetensorsStore.existsIn(dir)).isFalse();
  }
}
