package dev.modelforge.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A read-only weight matrix {@code W[rows, cols]} (PyTorch Linear layout: {@code out, in}) in one
 * of the stored element types, multiplied with float activations. Implementations are the SIMD
 * kernels; model code only calls {@link #matmul}.
 */
public abstract class Matrix {

  /** From this many tokens on, non-F32 weights are widened a block of rows at a time. */
  private static final int BLOCKED_FROM_TOKENS = 8;

  private static final long CHUNK_BYTES = 256 << 10;

  protected final int rows;
  protected final int cols;

  protected Matrix(int rows, int cols) {
    this.rows = rows;
    this.cols = cols;
  }

  public final int rows() {
    return rows;
  }

  public final int cols() {
    return cols;
  }

  public abstract DType dtype();

  /** Bytes of weights read by one full pass over the matrix. */
  public abstract long byteSize();

  /**
   * {@code out[t, r] = sum_k W[r, k] * x[t, k]} for {@code t < tokens} and rows in {@code [r0,
   * r1)}. {@code x} is {@code [tokens, cols]} and {@code out} is {@code [tokens, rows]}, both
   * row-major. One token is a bandwidth-bound pass over the rows ({@link #gemvRows}); several
   * tokens share every weight load between them ({@link #manyTokenRows}), which is what makes
   * prefill and batched decode faster per token than decode.
   */
  public final void matmulRows(float[] x, int tokens, float[] out, int r0, int r1) {
    if (tokens == 1) {
      gemvRows(x, out, r0, r1);
    } else {
      manyTokenRows(x, tokens, out, r0, r1);
    }
  }

  /** {@code out[r] = W[r] · x} for rows in {@code [r0, r1)}: one token, straight from storage. */
  protected abstract void gemvRows(float[] x, float[] out, int r0, int r1);

  /**
   * Two tokens or more, for weights stored in another type than F32: from {@link
   * #BLOCKED_FROM_TOKENS} tokens on, an L2-sized block of rows is widened at a time and multiplied
   * by {@link RowBlockProduct}; below that the widening copy does not pay for itself, and each row
   * is widened once and shared by the tokens.
   */
  protected void manyTokenRows(float[] x, int tokens, float[] out, int r0, int r1) {
    if (tokens < BLOCKED_FROM_TOKENS) {
      float[] row = RowScratch.get(cols);
      for (int r = r0; r < r1; r++) {
        readRow(r, row, 0);
        VectorMath.dotRowWithTokens(row, 0, x, tokens, cols, out, rows, r);
      }
      return;
    }
    int block = RowBlockProduct.blockRows(cols);
    float[] w = RowScratch.get(block * cols);
    MemorySegment ws = RowScratch.segment(w);
    for (int b0 = r0; b0 < r1; b0 += block) {
      int count = Math.min(block, r1 - b0);
      for (int j = 0; j < count; j++) {
        readRow(b0 + j, w, j * cols);
      }
      RowBlockProduct.multiply(ws, 0, count, x, tokens, cols, out, rows, b0);
    }
  }

  /** Rows a chunk is a multiple of, so a kernel's register block is never split between threads. */
  protected int rowGrain() {
    return 8;
  }

  /** Copies row {@code r} into {@code dst[off .. off + cols)} as floats (embedding lookup). */
  public abstract void readRow(int r, float[] dst, int off);

  /** Value at {@code (r, c)}; for tests and slow paths. */
  public abstract float get(int r, int c);

  /** Multiplies on all threads of {@code pool}: {@code out[tokens, rows] = x[tokens, cols] W^T}. */
  public final void matmul(float[] x, int tokens, float[] out, Parallel pool) {
    MatmulTask task = MatmulTask.get();
    task.set(this, x, tokens, out);
    try {
      pool.runChunked(rows, chunkRows(pool.threads(), tokens), task);
    } finally {
      task.clear();
    }
  }

  /**
   * Rows per chunk the threads claim: a share of the rows small enough to even out the threads, at
   * most {@link #CHUNK_BYTES} of weights so a large matrix (the output head) does too, in whole
   * {@link #rowGrain} groups. One token rounds the share up (fewer, longer weight streams); several
   * round it down, since each row then costs more arithmetic and the last chunk is what a thread
   * waits for at the end of the product.
   */
  final int chunkRows(int threads, int tokens) {
    long rowBytes = Math.max(1, byteSize() / rows);
    long byShare = Math.ceilDiv(rows, threads * Parallel.CHUNKS_PER_THREAD);
    long bySize = Math.max(1, CHUNK_BYTES / rowBytes);
    long share = Math.min(byShare, bySize);
    int grain = rowGrain();
    long groups = tokens == 1 ? Math.ceilDiv(share, grain) : Math.max(1, share / grain);
    return (int) (groups * grain);
  }

  /** Reusable per calling thread so a matmul on the hot path allocates nothing. */
  private static final class MatmulTask implements Parallel.RangeTask {
    private static final ThreadLocal<MatmulTask> CURRENT = ThreadLocal.withInitial(MatmulTask::new);
    private Matrix w;
    private float[] x;
    private int tokens;
    private float[] out;

    static MatmulTask get() {
      return CURRENT.get();
    }

    void set(Matrix w, float[] x, int tokens, float[] out) {
      this.w = w;
      this.x = x;
      this.tokens = tokens;
      this.out = out;
    }

    void clear() {
      this.w = null;
      this.x = null;
      this.out = null;
    }

    @Override
    public void run(int start, int end) {
      w.matmulRows(x, tokens, out, start, end);
    }
  }
}
