package dev.modelforge.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense F32 matrix products over float arrays for training, where weights change every step and
 * live on the Java heap. All three products of a linear layer reduce to one kernel {@code C[M, N]
 * (+)= A[M, K] · B[K, N]}: A is read through strides (so a transposed view costs nothing), B and C
 * are row-major.
 *
 * <ul>
 *   <li>forward {@code y = x · Wᵀ}: A = x, B = Wᵀ (the caller keeps a transposed copy of W);
 *   <li>input gradient {@code dX = dY · W}: A = dY, B = W;
 *   <li>weight gradient {@code dW += dYᵀ · X}: A = dY read transposed, B = X.
 * </ul>
 *
 * <p>C is cut into tiles, each computed by one thread in a fixed order of K, so results do not
 * depend on the number of threads (bit-identical resume relies on it). Inside a tile K is blocked
 * so the slice of B being reused stays in cache, and a 4 × 2-vector register block broadcasts A and
 * streams B, which needs no horizontal reductions.
 */
public final class Gemm {

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final int TILE_M = 32;
  private static final int TILE_N = 12 * L;
  private static final int BLOCK_K = 256;

  private Gemm() {}

  /** {@code out[N, O] = x[N, I] · W[O, I]ᵀ}, given {@code wT = Wᵀ} as {@code [I, O]}. */
  public static void forward(
      float[] x, float[] wT, float[] out, int n, int in, int outDim, Parallel pool) {
    multiply(x, 0, in, 1, wT, 0, outDim, out, 0, outDim, n, outDim, in, false, pool);
  }

  /** {@code dX[N, I] (+)= dY[N, O] · W[O, I]}. */
  public static void inputGradient(
      float[] dy,
      float[] w,
      float[] dx,
      int n,
      int in,
      int outDim,
      boolean accumulate,
      Parallel pool) {
    multiply(dy, 0, outDim, 1, w, 0, in, dx, 0, in, n, in, outDim, accumulate, pool);
  }

  /** {@code dW[O, I] += dY[N, O]ᵀ · X[N, I]}. */
  public static void weightGradient(
      float[] dy, float[] x, float[] dw, int n, int in, int outDim, Parallel pool) {
    multiply(dy, 0, 1, outDim, x, 0, in, dw, 0, in, outDim, in, n, true, pool);
  }

  /** {@code dst[cols, rows] = src[rows, cols]ᵀ}, parallel over blocks of source rows. */
  public static void transpose(float[] src, float[] dst, int rows, int cols, Parallel pool) {
    final int block = 32;
    pool.run(
        (rows + block - 1) / block,
        (start, end) -> {
          for (int rb = start; rb < end; rb++) {
            int r1 = Math.min(rows, (rb + 1) * block);
            for (int c0 = 0; c0 < cols; c0 += block) {
              int c1 = Math.min(cols, c0 + block);
              for (int r = rb * block; r < r1; r++) {
                for (int c = c0; c < c1; c++) {
                  dst[c * rows + r] = src[r * cols + c];
                }
              }
            }
          }
        });
  }

  /**
   * {@code C[i, j] (+)= sum_k A[i, k] · B[k, j]} for {@code i < m, j < n, k < kDim}, where {@code
   * A[i, k] = a[aOff + i * aRow + k * aCol]}, {@code B[k, j] = b[bOff + k * ldb + j]} and {@code
   * C[i, j] = c[cOff + i * ldc + j]}.
   */
  public static void multiply(
      float[] a,
      int aOff,
      int aRow,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      int m,
      int n,
      int kDim,
      boolean accumulate,
      Parallel pool) {
    if (m == 0 || n == 0) {
      return;
    }
    int tilesM = (m + TILE_M - 1) / TILE_M;
    int tilesN = (n + TILE_N - 1) / TILE_N;
    pool.run(
        tilesM * tilesN,
        (start, end) -> {
          for (int tile = start; tile < end; tile++) {
            int i0 = (tile / tilesN) * TILE_M;
            int j0 = (tile % tilesN) * TILE_N;
            int i1 = Math.min(m, i0 + TILE_M);
            int j1 = Math.min(n, j0 + TILE_N);
            if (!accumulate) {
              for (int i = i0; i < i1; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
              }
            }
            for (int k0 = 0; k0 < kDim; k0 += BLOCK_K) {
              int k1 = Math.min(kDim, k0 + BLOCK_K);
              tile(a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, i0, i1, j0, j1, k0, k1);
            }
          }
        });
  }

  private static void tile(
      float[] a,
      int aOff,
      int aRow,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      int i0,
      int i1,
      int j0,
      int j1,
      int k0,
      int k1) {
    int i = i0;
    for (; i + 4 <= i1; i += 4) {
      int j = j0;
      for (; j + 3 * L <= j1; j += 3 * L) {
        block4x3(a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, i, j, k0, k1);
      }
      for (; j + 2 * L <= j1; j += 2 * L) {
        block4x2(a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, i, j, k0, k1);
      }
      for (; j < j1; j += L) {
        block4x1(a, aOff, aRow, aCol, b, bOff, ldb, c, cOff, ldc, i, j, j1, k0, k1);
      }
    }
    for (; i < i1; i++) {
      for (int j = j0; j < j1; j += L) {
        block1x1(a, aOff + i * aRow, aCol, b, bOff, ldb, c, cOff + i * ldc, j, j1, k0, k1);
      }
    }
  }

  /**
   * Rows i..i+3, columns j..j+3L: twelve accumulators, so the two FMA ports of a core always have
   * independent chains to work on despite the FMA latency; three B loads and four broadcasts per k.
   */
  private static void block4x3(
      float[] a,
      int aOff,
      int aRow,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      int i,
      int j,
      int k0,
      int k1) {
    int c0 = cOff + i * ldc + j;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = FloatVector.fromArray(F, c, c0);
    FloatVector s01 = FloatVector.fromArray(F, c, c0 + L);
    FloatVector s02 = FloatVector.fromArray(F, c, c0 + 2 * L);
    FloatVector s10 = FloatVector.fromArray(F, c, c1);
    FloatVector s11 = FloatVector.fromArray(F, c, c1 + L);
    FloatVector s12 = FloatVector.fromArray(F, c, c1 + 2 * L);
    FloatVector s20 = FloatVector.fromArray(F, c, c2);
    FloatVector s21 = FloatVector.fromArray(F, c, c2 + L);
    FloatVector s22 = FloatVector.fromArray(F, c, c2 + 2 * L);
    FloatVector s30 = FloatVector.fromArray(F, c, c3);
    FloatVector s31 = FloatVector.fromArray(F, c, c3 + L);
    FloatVector s32 = FloatVector.fromArray(F, c, c3 + 2 * L);
    int a0 = aOff + i * aRow;
    int a1 = a0 + aRow;
    int a2 = a1 + aRow;
    int a3 = a2 + aRow;
    for (int k = k0; k < k1; k++) {
      int bk = bOff + k * ldb + j;
      FloatVector b0 = FloatVector.fromArray(F, b, bk);
      FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bk + 2 * L);
      int ak = k * aCol;
      FloatVector x0 = FloatVector.broadcast(F, a[a0 + ak]);
      FloatVector x1 = FloatVector.broadcast(F, a[a1 + ak]);
      FloatVector x2 = FloatVector.broadcast(F, a[a2 + ak]);
      FloatVector x3 = FloatVector.broadcast(F, a[a3 + ak]);
      s00 = b0.fma(x0, s00);
      s01 = b1.fma(x0, s01);
      s02 = b2.fma(x0, s02);
      s10 = b0.fma(x1, s10);
      s11 = b1.fma(x1, s11);
      s12 = b2.fma(x1, s12);
      s20 = b0.fma(x2, s20);
      s21 = b1.fma(x2, s21);
      s22 = b2.fma(x2, s22);
      s30 = b0.fma(x3, s30);
      s31 = b1.fma(x3, s31);
      s32 = b2.fma(x3, s32);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s02.intoArray(c, c0 + 2 * L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s12.intoArray(c, c1 + 2 * L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s22.intoArray(c, c2 + 2 * L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
    s32.intoArray(c, c3 + 2 * L);
  }

  /** Rows i..i+3, columns j..j+2L: eight accumulators, two B loads and four broadcasts per k. */
  private static void block4x2(
      float[] a,
      int aOff,
      int aRow,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      int i,
      int j,
      int k0,
      int k1) {
    int c0 = cOff + i * ldc + j;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = FloatVector.fromArray(F, c, c0);
    FloatVector s01 = FloatVector.fromArray(F, c, c0 + L);
    FloatVector s10 = FloatVector.fromArray(F, c, c1);
    FloatVector s11 = FloatVector.fromArray(F, c, c1 + L);
    FloatVector s20 = FloatVector.fromArray(F, c, c2);
    FloatVector s21 = FloatVector.fromArray(F, c, c2 + L);
    FloatVector s30 = FloatVector.fromArray(F, c, c3);
    FloatVector s31 = FloatVector.fromArray(F, c, c3 + L);
    int a0 = aOff + i * aRow;
    int a1 = a0 + aRow;
    int a2 = a1 + aRow;
    int a3 = a2 + aRow;
    for (int k = k0; k < k1; k++) {
      int bk = bOff + k * ldb + j;
      FloatVector b0 = FloatVector.fromArray(F, b, bk);
      FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
      int ak = k * aCol;
      FloatVector x0 = FloatVector.broadcast(F, a[a0 + ak]);
      FloatVector x1 = FloatVector.broadcast(F, a[a1 + ak]);
      FloatVector x2 = FloatVector.broadcast(F, a[a2 + ak]);
      FloatVector x3 = FloatVector.broadcast(F, a[a3 + ak]);
      s00 = b0.fma(x0, s00);
      s01 = b1.fma(x0, s01);
      s10 = b0.fma(x1, s10);
      s11 = b1.fma(x1, s11);
      s20 = b0.fma(x2, s20);
      s21 = b1.fma(x2, s21);
      s30 = b0.fma(x3, s30);
      s31 = b1.fma(x3, s31);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + L);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + L);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + L);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + L);
  }

  /** Rows i..i+3, one (possibly partial) vector of columns from j. */
  private static void block4x1(
      float[] a,
      int aOff,
      int aRow,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc,
      int i,
      int j,
      int j1,
      int k0,
      int k1) {
    VectorMask<Float> mask = F.indexInRange(j, j1);
    int c0 = cOff + i * ldc + j;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s0 = FloatVector.fromArray(F, c, c0, mask);
    FloatVector s1 = FloatVector.fromArray(F, c, c1, mask);
    FloatVector s2 = FloatVector.fromArray(F, c, c2, mask);
    FloatVector s3 = FloatVector.fromArray(F, c, c3, mask);
    int a0 = aOff + i * aRow;
    int a1 = a0 + aRow;
    int a2 = a1 + aRow;
    int a3 = a2 + aRow;
    for (int k = k0; k < k1; k++) {
      FloatVector bv = FloatVector.fromArray(F, b, bOff + k * ldb + j, mask);
      int ak = k * aCol;
      s0 = bv.fma(FloatVector.broadcast(F, a[a0 + ak]), s0);
      s1 = bv.fma(FloatVector.broadcast(F, a[a1 + ak]), s1);
      s2 = bv.fma(FloatVector.broadcast(F, a[a2 + ak]), s2);
      s3 = bv.fma(FloatVector.broadcast(F, a[a3 + ak]), s3);
    }
    s0.intoArray(c, c0, mask);
    s1.intoArray(c, c1, mask);
    s2.intoArray(c, c2, mask);
    s3.intoArray(c, c3, mask);
  }

  /** One row of C (row base {@code cRowOff}), one (possibly partial) vector of columns from j. */
  private static void block1x1(
      float[] a,
      int aRowOff,
      int aCol,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cRowOff,
      int j,
      int j1,
      int k0,
      int k1) {
    VectorMask<Float> mask = F.indexInRange(j, j1);
    FloatVector s = FloatVector.fromArray(F, c, cRowOff + j, mask);
    for (int k = k0; k < k1; k++) {
      FloatVector bv = FloatVector.fromArray(F, b, bOff + k * ldb + j, mask);
      s = bv.fma(FloatVector.broadcast(F, a[aRowOff + k * aCol]), s);
    }
    s.intoArray(c, cRowOff + j, mask);
  }
}
