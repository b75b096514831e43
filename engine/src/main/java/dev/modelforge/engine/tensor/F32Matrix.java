package dev.modelforge.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F32 weights, repacked on load into panels of {@link #PANEL} rows (one vector's lanes): panel p
 * holds rows {@code [p * PANEL, (p + 1) * PANEL)} column by column, so column k of a panel is one
 * vector load ({@code [panels, cols, PANEL]}; the last panel is padded with zero rows).
 *
 * <p>Every kernel is an outer product: a panel's column times one token's activation {@code x[k]}
 * broadcast to all lanes, added into an accumulator that holds the panel's rows' results for that
 * token. That needs no horizontal sums (which cost a quarter of the time of the dot-product form
 * this replaced), and the register block of two panels by eight tokens does sixteen FMAs for two
 * vector loads and eight broadcasts. See {@link #gemvRows} and {@link #manyTokenRows} for how the
 * kernels walk the panels.
 *
 * <p>Each result {@code out[t, r]} is one chain of FMAs over k in order, starting from zero,
 * whatever kernel computed it: one token or a batch, any register block, any split of the rows
 * between threads. Batched decoding therefore produces exactly the logits of decoding alone.
 */
public final class F32Matrix extends Matrix {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /** Rows per panel: the lanes of one vector. */
  static final int PANEL = F.length();

  private static final long COLUMN_BYTES = PANEL * (long) Float.BYTES;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /**
   * Tokens whose activations stay in L2 while a pair of panels passes them (prefill): 64 tokens of
   * up to a few thousand columns, next to the pair's rows.
   */
  private static final int TOKEN_BLOCK = 64;

  private final MemorySegment panels;
  private final int panelCount;
  private final long panelBytes;

  /** Packs the row-major little-endian floats of {@code data} into memory of {@code arena}. */
  public F32Matrix(int rows, int cols, MemorySegment data, Arena arena) {
    super(rows, cols);
    if (data.byteSize() != (long) rows * cols * 4) {
      throw new IllegalArgumentException(
          "F32 matrix ["
              + rows
              + ", "
              + cols
              + "] needs "
              + (long) rows * cols * 4
              + " bytes, got "
              + data.byteSize());
    }
    this.panelCount = Math.ceilDiv(rows, PANEL);
    this.panelBytes = cols * COLUMN_BYTES;
    this.panels = WeightMemory.allocate(arena, panelCount * panelBytes);
    float[] rowsIn = new float[PANEL * cols];
    float[] panel = new float[PANEL * cols];
    for (int p = 0; p < panelCount; p++) {
      int valid = Math.min(PANEL, rows - p * PANEL);
      MemorySegment.copy(data, LE_FLOAT, (long) p * PANEL * cols * 4, rowsIn, 0, valid * cols);
      Arrays.fill(rowsIn, valid * cols, rowsIn.length, 0f);
      for (int lane = 0; lane < PANEL; lane++) {
        for (int k = 0, from = lane * cols; k < cols; k++) {
          panel[k * PANEL + lane] = rowsIn[from + k];
        }
      }
      MemorySegment.copy(panel, 0, panels, ValueLayout.JAVA_FLOAT, p * panelBytes, panel.length);
    }
  }

  public static F32Matrix of(int rows, int cols, float[] values) {
    return new F32Matrix(rows, cols, MemorySegment.ofArray(values), Arena.ofAuto());
  }

  @Override
  public DType dtype() {
    return DType.F32;
  }

  @Override
  public long byteSize() {
    return panelCount * panelBytes;
  }

  /**
   * Four panels: at least four weight streams for one token (a single panel's stream alone runs at
   * a fraction of the bandwidth), and the many-token kernels' group of four.
   */
  @Override
  protected int rowGrain() {
    return 4 * PANEL;
  }

  @Override
  public float get(int r, int c) {
    return panels.get(ValueLayout.JAVA_FLOAT, at(r) + c * COLUMN_BYTES);
  }

  @Override
  public void readRow(int r, float[] dst, int off) {
    long base = at(r);
    for (int c = 0; c < cols; c++) {
      dst[off + c] = panels.get(ValueLayout.JAVA_FLOAT, base + c * COLUMN_BYTES);
    }
  }

  /** Byte offset of row r's column 0. */
  private long at(int r) {
    return (r / PANEL) * panelBytes + (r % PANEL) * (long) Float.BYTES;
  }

  /**
   * One token: eight panels at a time, eight independent FMA chains (enough to cover the FMA
   * latency) and eight weight streams in flight for the bandwidth-bound pass.
   */
  @Override
  protected void gemvRows(float[] x, float[] out, int r0, int r1) {
    int p = r0 / PANEL;
    int end = Math.ceilDiv(r1, PANEL);
    for (; p + 8 <= end; p += 8) {
      panels8x1(p, x, 0, out, r0, r1);
    }
    for (; p + 4 <= end; p += 4) {
      panels4x1(p, x, 0, out, r0, r1);
    }
    for (; p < end; p++) {
      panels1x1(p, x, 0, out, r0, r1);
    }
  }

  /**
   * Many tokens: each group of four panels is read from memory once, by a 4-panel × 4-token block,
   * and from cache for the rest of the token block, which pairs of panels pass eight tokens at a
   * time (the densest register block: 16 FMAs per two loads and eight broadcasts).
   */
  @Override
  protected void manyTokenRows(float[] x, int tokens, float[] out, int r0, int r1) {
    int first = r0 / PANEL;
    int end = Math.ceilDiv(r1, PANEL);
    for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
      int t1 = Math.min(tokens, t0 + TOKEN_BLOCK);
      int p = first;
      if (t1 - t0 >= 8) {
        // the first four tokens fetch four panels at once (four memory streams where a pair has
        // two), and the pairs take the rest of the block from cache
        for (; p + 4 <= end; p += 4) {
          panels4x4(p, x, t0, out, r0, r1);
          pairTokens(p, x, t0 + 4, t1, out, r0, r1);
          pairTokens(p + 2, x, t0 + 4, t1, out, r0, r1);
        }
      }
      for (; p + 2 <= end; p += 2) {
        pairTokens(p, x, t0, t1, out, r0, r1);
      }
      if (p < end) {
        // an odd last panel (rows not a multiple of two panels: rare in real models)
        for (int t = t0; t < t1; t++) {
          panels1x1(p, x, t, out, r0, r1);
        }
      }
    }
  }

  /**
   * The pair of panels from {@code p} times tokens {@code [t, t1)}: eight, four, then one at a
   * time.
   */
  private void pairTokens(int p, float[] x, int t, int t1, float[] out, int r0, int r1) {
    for (; t + 8 <= t1; t += 8) {
      panels2x8(p, x, t, out, r0, r1);
    }
    for (; t + 4 <= t1; t += 4) {
      panels2x4(p, x, t, out, r0, r1);
    }
    for (; t < t1; t++) {
      panels2x1(p, x, t, out, r0, r1);
    }
  }

  /**
   * Stores the accumulator of the panel whose first row is {@code first} into {@code out[rowOff +
   * r]}, for its rows inside {@code [r0, r1)} (a padded last panel, or a range not on panel
   * boundaries).
   */
  private static void put(FloatVector a, float[] out, int rowOff, int first, int r0, int r1) {
    if (first >= r0 && first + PANEL <= r1) {
      a.intoArray(out, rowOff + first);
    } else {
      for (int lane = Math.max(0, r0 - first); lane < PANEL && first + lane < r1; lane++) {
        out[rowOff + first + lane] = a.lane(lane);
      }
    }
  }

  /** 8 panels from panel {@code p} times one token from token {@code t}. */
  private void panels8x1(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    long b2 = b1 + panelBytes;
    long b3 = b2 + panelBytes;
    long b4 = b3 + panelBytes;
    long b5 = b4 + panelBytes;
    long b6 = b5 + panelBytes;
    long b7 = b6 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a10 = zero;
    FloatVector a20 = zero;
    FloatVector a30 = zero;
    FloatVector a40 = zero;
    FloatVector a50 = zero;
    FloatVector a60 = zero;
    FloatVector a70 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector w2 = FloatVector.fromMemorySegment(F, panels, b2 + at, ORDER);
      FloatVector w3 = FloatVector.fromMemorySegment(F, panels, b3 + at, ORDER);
      FloatVector w4 = FloatVector.fromMemorySegment(F, panels, b4 + at, ORDER);
      FloatVector w5 = FloatVector.fromMemorySegment(F, panels, b5 + at, ORDER);
      FloatVector w6 = FloatVector.fromMemorySegment(F, panels, b6 + at, ORDER);
      FloatVector w7 = FloatVector.fromMemorySegment(F, panels, b7 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
      a20 = w2.fma(v0, a20);
      a30 = w3.fma(v0, a30);
      a40 = w4.fma(v0, a40);
      a50 = w5.fma(v0, a50);
      a60 = w6.fma(v0, a60);
      a70 = w7.fma(v0, a70);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
    put(a20, out, t * rows, first + 2 * PANEL, r0, r1);
    put(a30, out, t * rows, first + 3 * PANEL, r0, r1);
    put(a40, out, t * rows, first + 4 * PANEL, r0, r1);
    put(a50, out, t * rows, first + 5 * PANEL, r0, r1);
    put(a60, out, t * rows, first + 6 * PANEL, r0, r1);
    put(a70, out, t * rows, first + 7 * PANEL, r0, r1);
  }

  /** 4 panels from panel {@code p} times one token from token {@code t}. */
  private void panels4x1(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    long b2 = b1 + panelBytes;
    long b3 = b2 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a10 = zero;
    FloatVector a20 = zero;
    FloatVector a30 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector w2 = FloatVector.fromMemorySegment(F, panels, b2 + at, ORDER);
      FloatVector w3 = FloatVector.fromMemorySegment(F, panels, b3 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
      a20 = w2.fma(v0, a20);
      a30 = w3.fma(v0, a30);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
    put(a20, out, t * rows, first + 2 * PANEL, r0, r1);
    put(a30, out, t * rows, first + 3 * PANEL, r0, r1);
  }

  /** 2 panels from panel {@code p} times 8 tokens from token {@code t}. */
  private void panels2x8(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    int x1 = x0 + n;
    int x2 = x1 + n;
    int x3 = x2 + n;
    int x4 = x3 + n;
    int x5 = x4 + n;
    int x6 = x5 + n;
    int x7 = x6 + n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a01 = zero;
    FloatVector a02 = zero;
    FloatVector a03 = zero;
    FloatVector a04 = zero;
    FloatVector a05 = zero;
    FloatVector a06 = zero;
    FloatVector a07 = zero;
    FloatVector a10 = zero;
    FloatVector a11 = zero;
    FloatVector a12 = zero;
    FloatVector a13 = zero;
    FloatVector a14 = zero;
    FloatVector a15 = zero;
    FloatVector a16 = zero;
    FloatVector a17 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
      FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
      a01 = w0.fma(v1, a01);
      a11 = w1.fma(v1, a11);
      FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
      a02 = w0.fma(v2, a02);
      a12 = w1.fma(v2, a12);
      FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
      a03 = w0.fma(v3, a03);
      a13 = w1.fma(v3, a13);
      FloatVector v4 = FloatVector.broadcast(F, x[x4 + k]);
      a04 = w0.fma(v4, a04);
      a14 = w1.fma(v4, a14);
      FloatVector v5 = FloatVector.broadcast(F, x[x5 + k]);
      a05 = w0.fma(v5, a05);
      a15 = w1.fma(v5, a15);
      FloatVector v6 = FloatVector.broadcast(F, x[x6 + k]);
      a06 = w0.fma(v6, a06);
      a16 = w1.fma(v6, a16);
      FloatVector v7 = FloatVector.broadcast(F, x[x7 + k]);
      a07 = w0.fma(v7, a07);
      a17 = w1.fma(v7, a17);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a01, out, (t + 1) * rows, first, r0, r1);
    put(a02, out, (t + 2) * rows, first, r0, r1);
    put(a03, out, (t + 3) * rows, first, r0, r1);
    put(a04, out, (t + 4) * rows, first, r0, r1);
    put(a05, out, (t + 5) * rows, first, r0, r1);
    put(a06, out, (t + 6) * rows, first, r0, r1);
    put(a07, out, (t + 7) * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
    put(a11, out, (t + 1) * rows, first + 1 * PANEL, r0, r1);
    put(a12, out, (t + 2) * rows, first + 1 * PANEL, r0, r1);
    put(a13, out, (t + 3) * rows, first + 1 * PANEL, r0, r1);
    put(a14, out, (t + 4) * rows, first + 1 * PANEL, r0, r1);
    put(a15, out, (t + 5) * rows, first + 1 * PANEL, r0, r1);
    put(a16, out, (t + 6) * rows, first + 1 * PANEL, r0, r1);
    put(a17, out, (t + 7) * rows, first + 1 * PANEL, r0, r1);
  }

  /** 2 panels from panel {@code p} times 4 tokens from token {@code t}. */
  private void panels2x4(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    int x1 = x0 + n;
    int x2 = x1 + n;
    int x3 = x2 + n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a01 = zero;
    FloatVector a02 = zero;
    FloatVector a03 = zero;
    FloatVector a10 = zero;
    FloatVector a11 = zero;
    FloatVector a12 = zero;
    FloatVector a13 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
      FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
      a01 = w0.fma(v1, a01);
      a11 = w1.fma(v1, a11);
      FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
      a02 = w0.fma(v2, a02);
      a12 = w1.fma(v2, a12);
      FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
      a03 = w0.fma(v3, a03);
      a13 = w1.fma(v3, a13);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a01, out, (t + 1) * rows, first, r0, r1);
    put(a02, out, (t + 2) * rows, first, r0, r1);
    put(a03, out, (t + 3) * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
    put(a11, out, (t + 1) * rows, first + 1 * PANEL, r0, r1);
    put(a12, out, (t + 2) * rows, first + 1 * PANEL, r0, r1);
    put(a13, out, (t + 3) * rows, first + 1 * PANEL, r0, r1);
  }

  /** 2 panels from panel {@code p} times one token from token {@code t}. */
  private void panels2x1(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a10 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
  }

  /** 1 panel from panel {@code p} times one token from token {@code t}. */
  private void panels1x1(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    long b0 = p * panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
  }

  /** 4 panels from panel {@code p} times 4 tokens from token {@code t}. */
  private void panels4x4(int p, float[] x, int t, float[] out, int r0, int r1) {
    int n = cols;
    int x0 = t * n;
    int x1 = x0 + n;
    int x2 = x1 + n;
    int x3 = x2 + n;
    long b0 = p * panelBytes;
    long b1 = b0 + panelBytes;
    long b2 = b1 + panelBytes;
    long b3 = b2 + panelBytes;
    FloatVector zero = FloatVector.zero(F);
    FloatVector a00 = zero;
    FloatVector a01 = zero;
    FloatVector a02 = zero;
    FloatVector a03 = zero;
    FloatVector a10 = zero;
    FloatVector a11 = zero;
    FloatVector a12 = zero;
    FloatVector a13 = zero;
    FloatVector a20 = zero;
    FloatVector a21 = zero;
    FloatVector a22 = zero;
    FloatVector a23 = zero;
    FloatVector a30 = zero;
    FloatVector a31 = zero;
    FloatVector a32 = zero;
    FloatVector a33 = zero;
    for (int k = 0; k < n; k++) {
      long at = k * COLUMN_BYTES;
      FloatVector w0 = FloatVector.fromMemorySegment(F, panels, b0 + at, ORDER);
      FloatVector w1 = FloatVector.fromMemorySegment(F, panels, b1 + at, ORDER);
      FloatVector w2 = FloatVector.fromMemorySegment(F, panels, b2 + at, ORDER);
      FloatVector w3 = FloatVector.fromMemorySegment(F, panels, b3 + at, ORDER);
      FloatVector v0 = FloatVector.broadcast(F, x[x0 + k]);
      a00 = w0.fma(v0, a00);
      a10 = w1.fma(v0, a10);
      a20 = w2.fma(v0, a20);
      a30 = w3.fma(v0, a30);
      FloatVector v1 = FloatVector.broadcast(F, x[x1 + k]);
      a01 = w0.fma(v1, a01);
      a11 = w1.fma(v1, a11);
      a21 = w2.fma(v1, a21);
      a31 = w3.fma(v1, a31);
      FloatVector v2 = FloatVector.broadcast(F, x[x2 + k]);
      a02 = w0.fma(v2, a02);
      a12 = w1.fma(v2, a12);
      a22 = w2.fma(v2, a22);
      a32 = w3.fma(v2, a32);
      FloatVector v3 = FloatVector.broadcast(F, x[x3 + k]);
      a03 = w0.fma(v3, a03);
      a13 = w1.fma(v3, a13);
      a23 = w2.fma(v3, a23);
      a33 = w3.fma(v3, a33);
    }
    int first = p * PANEL;
    put(a00, out, t * rows, first, r0, r1);
    put(a01, out, (t + 1) * rows, first, r0, r1);
    put(a02, out, (t + 2) * rows, first, r0, r1);
    put(a03, out, (t + 3) * rows, first, r0, r1);
    put(a10, out, t * rows, first + 1 * PANEL, r0, r1);
    put(a11, out, (t + 1) * rows, first + 1 * PANEL, r0, r1);
    put(a12, out, (t + 2) * rows, first + 1 * PANEL, r0, r1);
    put(a13, out, (t + 3) * rows, first + 1 * PANEL, r0, r1);
    put(a20, out, t * rows, first + 2 * PANEL, r0, r1);
    put(a21, out, (t + 1) * rows, first + 2 * PANEL, r0, r1);
    put(a22, out, (t + 2) * rows, first + 2 * PANEL, r0, r1);
    put(a23, out, (t + 3) * rows, first + 2 * PANEL, r0, r1);
    put(a30, out, t * rows, first + 3 * PANEL, r0, r1);
    put(a31, out, (t + 1) * rows, first + 3 * PANEL, r0, r1);
    put(a32, out, (t + 2) * rows, first + 3 * PANEL, r0, r1);
    put(a33, out, (t + 3) * rows, first + 3 * PANEL, r0, r1);
  }
}
