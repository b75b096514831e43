package dev.modelforge.engine.tensor;

import static dev.modelforge.engine.testing.Check.checkTensor;

import dev.modelforge.engine.format.FloatEncoding;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every SIMD matmul path against a scalar loop over the same stored values. */
class MatrixKernelTest {

  private static Parallel pool;

  @BeforeAll
  static void start() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stop() {
    pool.close();
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  private static Matrix make(String type, int rows, int cols, float[] values) {
    F32Matrix f32 = F32Matrix.of(rows, cols, values);
    return switch (type) {
      case "F32" -> f32;
      case "BF16" -> new BF16Matrix(rows, cols, FloatEncoding.encode(values, DType.BF16));
      case "Q8_0" -> Q8Matrix.quantize(f32, java.lang.foreign.Arena.ofAuto());
      case "Q4_0" -> Q4Matrix.quantize(f32, java.lang.foreign.Arena.ofAuto());
      default -> throw new IllegalArgumentException(type);
    };
  }

  /** out[t, r] with doubles over the matrix's own (dequantized) values. */
  private static float[] scalarMatmul(Matrix w, float[] x, int tokens) {
    float[] out = new float[tokens * w.rows()];
    for (int t = 0; t < tokens; t++) {
      for (int r = 0; r < w.rows(); r++) {
        double s = 0;
        for (int c = 0; c < w.cols(); c++) {
          s += (double) w.get(r, c) * x[t * w.cols() + c];
        }
        out[t * w.rows() + r] = (float) s;
      }
    }
    return out;
  }

  @ParameterizedTest
  @CsvSource({
    "F32, 1, 37, 70",
    "F32, 6, 37, 70",
    "F32, 5, 64, 256",
    "F32, 1, 131, 16",
    "BF16, 1, 37, 70",
    "BF16, 5, 33, 96",
    "Q8_0, 1, 37, 96",
    "Q8_0, 1, 200, 64",
    "Q8_0, 7, 20, 64",
    "Q4_0, 1, 37, 96",
    "Q4_0, 7, 20, 64",
    // eight tokens and more go through row blocks: several blocks per thread, rows and tokens
    // left over after the 4 x 4 register blocks, columns left over after the vector loop
    "F32, 8, 5, 70",
    "F32, 11, 37, 2050",
    "F32, 64, 9, 130",
    // F32 panels: eight, four and single panels for one token; pairs of panels by eight, four and
    // single tokens; a padded last panel; more tokens than one token block
    "F32, 1, 300, 20",
    "F32, 16, 70, 96",
    "F32, 13, 50, 40",
    "F32, 77, 33, 64",
    "BF16, 19, 37, 2050",
    "Q8_0, 9, 30, 2048",
    "Q4_0, 16, 30, 2048"
  })
  void simdMatmulEqualsTheScalarLoop(String type, int tokens, int rows, int cols) {
    Matrix w = make(type, rows, cols, random(rows * cols, 1));
    float[] x = random(tokens * cols, 2);
    float[] out = new float[tokens * rows];

    w.matmul(x, tokens, out, pool);

    checkTensor(out, scalarMatmul(w, x, tokens), 1e-4, type + " matmul");
  }

  @ParameterizedTest
  @CsvSource({"1, 37", "16, 300", "19, 70", "70, 33"})
  void anF32TokensResultDoesNotDependOnTheTokensBatchedWithIt(int tokens, int rows) {
    int cols = 96;
    Matrix w = make("F32", rows, cols, random(rows * cols, 4));
    float[] x = random(tokens * cols, 5);
    float[] batched = new float[tokens * rows];
    w.matmul(x, tokens, batched, pool);
    float[] alone = new float[rows];
    for (int t = 0; t < tokens; t++) {
      w.matmul(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, alone, pool);
      for (int r = 0; r < rows; r++) {
        // bit for bit: batched greedy decoding must pick the tokens of decoding alone
        org.assertj.core.api.Assertions.assertThat(batched[t * rows + r])
            .as("token %d row %d", t, r)
            .isEqualTo(alone[r]);
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"BF16, 0.01", "Q8_0, 0.01", "Q4_0, 0.15"})
  void storedValuesStayWithinTheFormatsPrecision(String type, double tolerance) {
    float[] values = random(16 * 64, 3);
    Matrix w = make(type, 16, 64, values);
    float[] row = new float[64];
    float[] all = new float[16 * 64];
    for (int r = 0; r < 16; r++) {
      w.readRow(r, row, 0);
      System.arraycopy(row, 0, all, r * 64, 64);
    }
    // errors relative to the block's scale: values are N(0, 1), blocks reach about 2.5
    float[] scaled = new float[all.length];
    float[] expected = new float[all.length];
    for (int i = 0; i < all.length; i++) {
      scaled[i] = all[i] / 2.5f;
      expected[i] = values[i] / 2.5f;
    }
    checkTensor(scaled, expected, tolerance, type + " round trip");
  }
}
