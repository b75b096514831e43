package dev.modelforge.engine.tensor;

/**
 * A read-only weight matrix {@code W[rows, cols]} (PyTorch Linear layout: {@code out, in}) in one
 * of the stored element types, multiplied with float activations. Implementations are the SIMD
 * kernels; model code only calls {@link #matmul}.
 */
public abstract class Matrix {

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
   * row-major. Each weight row is read once for all tokens, which is what makes prefill faster per
   * token than decode.
   */
  public abstract void matmulRows(float[] x, int tokens, float[] out, int r0, int r1);

  /** Copies row {@code r} into {@code dst[off .. off + cols)} as floats (embedding lookup). */
  public abstract void readRow(int r, float[] dst, int off);

  /** Value at {@code (r, c)}; for tests and slow paths. */
  public abstract float get(int r, int c);

  /** Multiplies on all threads of {@code pool}: {@code out[tokens, rows] = x[tokens, cols] W^T}. */
  public final void matmul(float[] x, int tokens, float[] out, Parallel pool) {
    MatmulTask task = MatmulTask.get();
    task.set(this, x, tokens, out);
    try {
      pool.run(rows, task);
    } finally {
      task.clear();
    }
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
