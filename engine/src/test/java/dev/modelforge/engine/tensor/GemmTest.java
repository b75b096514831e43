package dev.modelforge.engine.tensor;

import static dev.modelforge.engine.testing.Check.checkTensor;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The training products against double-precision loops, on shapes that hit every edge path. */
class GemmTest {

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

  @ParameterizedTest
  @CsvSource({"1,1,1", "3,5,7", "4,32,16", "37,301,65", "64,96,600", "5,8,300"})
  void forwardInputAndWeightGradientsMatchPlainLoops(int n, int in, int out) {
    float[] x = random(n * in, 1);
    float[] w = random(out * in, 2);
    float[] dy = random(n * out, 3);
    float[] dwStart = random(out * in, 4);

    float[] wT = new float[in * out];
    Gemm.transpose(w, wT, out, in, pool);
    float[] y = new float[n * out];
    Gemm.forward(x, wT, y, n, in, out, pool);
    float[] dx = new float[n * in];
    Gemm.inputGradient(dy, w, dx, n, in, out, false, pool);
    float[] dw = dwStart.clone();
    Gemm.weightGradient(dy, x, dw, n, in, out, pool);

    float[] yRef = new float[n * out];
    float[] dxRef = new float[n * in];
    float[] dwRef = dwStart.clone();
    for (int t = 0; t < n; t++) {
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int i = 0; i < in; i++) {
          s += (double) x[t * in + i] * w[o * in + i];
        }
        yRef[t * out + o] = (float) s;
      }
      for (int i = 0; i < in; i++) {
        double s = 0;
        for (int o = 0; o < out; o++) {
          s += (double) dy[t * out + o] * w[o * in + i];
        }
        dxRef[t * in + i] = (float) s;
      }
    }
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        double s = dwStart[o * in + i];
        for (int t = 0; t < n; t++) {
          s += (double) dy[t * out + o] * x[t * in + i];
        }
        dwRef[o * in + i] = (float) s;
      }
    }
    double tol = 1e-5 * Math.sqrt(Math.max(in, Math.max(out, n)));
    checkTensor(y, yRef, tol, "y = x W^T");
    checkTensor(dx, dxRef, tol, "dX = dY W");
    checkTensor(dw, dwRef, tol, "dW += dY^T X");
  }

  @Test
  void resultsDoNotDependOnTheNumberOfThreads() {
    int n = 70;
    int in = 130;
    int out = 90;
    float[] dy = random(n * out, 5);
    float[] x = random(n * in, 6);
    float[] one = new float[out * in];
    float[] three = new float[out * in];
    try (Parallel single = new Parallel(1);
        Parallel triple = new Parallel(3)) {
      Gemm.weightGradient(dy, x, one, n, in, out, single);
      Gemm.weightGradient(dy, x, three, n, in, out, triple);
    }
    checkTensor(three, one, 0, "dW with 3 threads vs 1");
  }
}
