package dev.modelforge.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QkPermutationTest {

  private static MemorySegment randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return MemorySegment.ofArray(b);
  }

  @Test
  void eachDirectionUndoesTheOther() {
    int heads = 3;
    long rowBytes = 34; // one Q8_0 block: quantized rows move whole
    MemorySegment rows = randomBytes((int) (heads * 8 * rowBytes), 1);

    MemorySegment there = QkPermutation.toInterleaved(rows, heads, rowBytes);
    MemorySegment back =
        QkPermutation.toInterleaved(
            QkPermutation.toRotateHalf(rows, heads, rowBytes), heads, rowBytes);

    assertThat(there.mismatch(rows)).as("the permutation moves rows").isNotEqualTo(-1);
    assertThat(QkPermutation.toRotateHalf(there, heads, rowBytes).mismatch(rows)).isEqualTo(-1);
    assertThat(back.mismatch(rows)).isEqualTo(-1);
  }

  /** convert_hf_to_gguf: w.reshape(n_head, 2, HS/2, ...).swapaxes(1, 2).reshape(w.shape). */
  @Test
  void matchesLlamaCppPermuteOnRowNumbers() {
    int[] hfRows = new int[16]; // two heads of eight rows, one int per row holding its number
    for (int i = 0; i < hfRows.length; i++) {
      hfRows[i] = i;
    }
    MemorySegment rows = MemorySegment.ofArray(hfRows);

    int[] gguf = QkPermutation.toInterleaved(rows, 2, 4).toArray(ValueLayout.JAVA_INT);

    assertThat(gguf).containsExactly(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
  }

  /**
   * Why the rows are permuted: rotating pairs (i, i + HS/2) of the HF projection gives the same
   * numbers, in interleaved order, as rotating adjacent pairs (2i, 2i + 1) of the GGUF projection.
   */
  @Test
  void interleavedRopeOnGgufRowsEqualsRotateHalfRopeOnHfRows() {
    int heads = 2;
    int headDim = 8;
    int in = 5;
    int rows = heads * headDim;
    Random r = new Random(2);
    float[] w = new float[rows * in];
    float[] x = new float[in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < in; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] wGguf =
        QkPermutation.toInterleaved(MemorySegment.ofArray(w), heads, 4L * in)
            .toArray(ValueLayout.JAVA_FLOAT);
    int pos = 5;

    float[] hf = matvec(w, x, rows, in);
    float[] gguf = matvec(wGguf, x, rows, in);
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < headDim / 2; i++) {
        double angle = pos * Math.pow(10000, -2.0 * i / headDim);
        int a = h * headDim + i;
        int b = a + headDim / 2;
        double hfA = hf[a] * Math.cos(angle) - hf[b] * Math.sin(angle);
        double hfB = hf[b] * Math.cos(angle) + hf[a] * Math.sin(angle);
        int c = h * headDim + 2 * i;
        double ggufA = gguf[c] * Math.cos(angle) - gguf[c + 1] * Math.sin(angle);
        double ggufB = gguf[c + 1] * Math.cos(angle) + gguf[c] * Math.sin(angle);

        assertThat(ggufA).as("head %d pair %d first", h, i).isCloseTo(hfA, within());
        assertThat(ggufB).as("head %d pair %d second", h, i).isCloseTo(hfB, within());
      }
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  private static float[] matvec(float[] w, float[] x, int rows, int cols) {
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      double s = 0;
      for (int k = 0; k < cols; k++) {
        s += (double) w[i * cols + k] * x[k];
      }
      y[i] = (float) s;
    }
    return y;
  }
}
