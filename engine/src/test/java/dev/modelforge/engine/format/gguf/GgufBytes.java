package dev.modelforge.engine.format.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds GGUF bytes field by field, independently of {@link GgufWriter}, so tests can check the
 * reader against the specification and write files no correct writer would produce.
 */
final class GgufBytes {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  GgufBytes u8(int v) {
    out.write(v);
    return this;
  }

  GgufBytes u32(long v) {
    return le(v, 4);
  }

  GgufBytes u64(long v) {
    return le(v, 8);
  }

  GgufBytes f32(float v) {
    return le(Float.floatToRawIntBits(v), 4);
  }

  GgufBytes string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    u64(b.length);
    out.writeBytes(b);
    return this;
  }

  /** "GGUF", the version and the two counts. */
  GgufBytes header(int version, long tensors, long kvs) {
    out.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    return u32(version).u64(tensors).u64(kvs);
  }

  GgufBytes tensorInfo(String name, long[] dims, int ggmlType, long offset) {
    string(name).u32(dims.length);
    for (long d : dims) {
      u64(d);
    }
    return u32(ggmlType).u64(offset);
  }

  /** Zero bytes up to the next multiple of {@code alignment}. */
  GgufBytes pad(int alignment) {
    while (out.size() % alignment != 0) {
      out.write(0);
    }
    return this;
  }

  int size() {
    return out.size();
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  Path writeTo(Path file) throws IOException {
    Files.write(file, bytes());
    return file;
  }

  private GgufBytes le(long v, int n) {
    for (int i = 0; i < n; i++) {
      out.write((int) (v >>> (8 * i)));
    }
    return this;
  }
}
