package dev.modelforge.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** SIMD loops over float arrays that the model code and the quantized kernels share. */
public final class VectorMath {

  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private VectorMath() {}

  /** {@code sum_i a[aOff + i] * b[bOff + i]} for {@code i < n}. */
  public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    FloatVector acc0 = FloatVector.zero(F);
    FloatVector acc1 = FloatVector.zero(F);
    int step = F.length();
    int i = 0;
    for (; i + 2 * step <= n; i += 2 * step) {
      acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
      acc1 =
          FloatVector.fromArray(F, a, aOff + i + step)
              .fma(FloatVector.fromArray(F, b, bOff + i + step), acc1);
    }
    for (; i + step <= n; i += step) {
      acc0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc0);
    }
    float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += a[aOff + i] * b[bOff + i];
    }
    return sum;
  }

  /** {@code y[yOff + i] += alpha * x[xOff + i]} for {@code i < n}. */
  public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    FloatVector va = FloatVector.broadcast(F, alpha);
    int i = 0;
    for (int upper = F.loopBound(n); i < upper; i += F.length()) {
      FloatVector.fromArray(F, x, xOff + i)
          .fma(va, FloatVector.fromArray(F, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** {@code x[off + i] *= s}. */
  public static void scale(float[] x, int off, int n, float s) {
    int i = 0;
    for (int upper = F.loopBound(n); i < upper; i += F.length()) {
      FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= s;
    }
  }

  /** {@code y[yOff + i] += x[xOff + i]}. */
  public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    for (int upper = F.loopBound(n); i < upper; i += F.length()) {
      FloatVector.fromArray(F, y, yOff + i)
          .add(FloatVector.fromArray(F, x, xOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] += x[xOff + i];
    }
  }

  /** Sum of squares of {@code x[off .. off + n)}. */
  public static float sumOfSquares(float[] x, int off, int n) {
    return dot(x, off, x, off, n);
  }

  /**
   * Dot products of one weight row {@code w[wOff ..]} with up to four activation rows of {@code x}
   * starting at row {@code t} (stride {@code n}); results go to {@code out[t * outStride + r]}.
   * Sharing each weight load across four tokens is the core of the prefill GEMM.
   */
  public static void dotRowWithTokens(
      float[] w, int wOff, float[] x, int tokens, int n, float[] out, int outStride, int r) {
    int t = 0;
    int upper = F.loopBound(n);
    for (; t + 4 <= tokens; t += 4) {
      int x0 = t * n;
      int x1 = x0 + n;
      int x2 = x1 + n;
      int x3 = x2 + n;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = FloatVector.zero(F);
      FloatVector a2 = FloatVector.zero(F);
      FloatVector a3 = FloatVector.zero(F);
      int i = 0;
      for (; i < upper; i += F.length()) {
        FloatVector wv = FloatVector.fromArray(F, w, wOff + i);
        a0 = wv.fma(FloatVector.fromArray(F, x, x0 + i), a0);
        a1 = wv.fma(FloatVector.fromArray(F, x, x1 + i), a1);
        a2 = wv.fma(FloatVector.fromArray(F, x, x2 + i), a2);
        a3 = wv.fma(FloatVector.fromArray(F, x, x3 + i), a3);
      }
      float s0 = a0.reduceLanes(VectorOperators.ADD);
      float s1 = a1.reduceLanes(VectorOperators.ADD);
      float s2 = a2.reduceLanes(VectorOperators.ADD);
      float s3 = a3.reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) {
        float wi = w[wOff + i];
        s0 += wi * x[x0 + i];
        s1 += wi * x[x1 + i];
        s2 += wi * x[x2 + i];
        s3 += wi * x[x3 + i];
      }
      out[t * outStride + r] = s0;
      out[(t + 1) * outStride + r] = s1;
      out[(t + 2) * outStride + r] = s2;
      out[(t + 3) * outStride + r] = s3;
    }
    for (; t < tokens; t++) {
      out[t * outStride + r] = dot(w, wOff, x, t * n, n);
    }
  }

  // exp(x) = 2^k · exp(r) with k = round(x / ln 2) and |r| <= ln 2 / 2; Cephes' expf polynomial
  private static final float EXP_MAX = 88.3762626647949f;
  private static final float EXP_MIN = -87.3365447504019f;
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5 · 2^23: adding it rounds to an integer
  private static final float[] EXP_POLY = {
    1.9875691500e-4f,
    1.3981999507e-3f,
    8.3334519073e-3f,
    4.1665795894e-2f,
    1.6666665459e-1f,
    5.0000001201e-1f
  };

  /**
   * e^x per lane to about 2 ulp, from additions, multiplications, FMAs and bit conversions only.
   * {@code lanewise(EXP)} is not used because it gives different bits before and after the JIT
   * compiles the caller (a Java fallback, then a native stub), which would make training runs
   * irreproducible; these operations are exact IEEE arithmetic either way. Inputs are clamped to
   * the float range of e^x.
   */
  public static FloatVector exp(FloatVector x) {
    x = x.max(EXP_MIN).min(EXP_MAX);
    FloatVector k = x.fma(LOG2E, ROUND).sub(ROUND);
    VectorSpecies<Float> species = x.species();
    FloatVector r = k.fma(FloatVector.broadcast(species, -LN2_HI), x);
    r = k.fma(FloatVector.broadcast(species, -LN2_LO), r);
    FloatVector p = FloatVector.broadcast(species, EXP_POLY[0]);
    for (int i = 1; i < EXP_POLY.length; i++) {
      p = p.fma(r, FloatVector.broadcast(species, EXP_POLY[i]));
    }
    FloatVector r2 = r.mul(r);
    FloatVector e = p.fma(r2, r).add(1f);
    IntVector bits =
        ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
    return e.mul(bits.reinterpretAsFloats());
  }

  /**
   * {@code log(sum(exp(x[off .. off + n))))}, stably (shifted by the maximum). It runs over the
   * vocabulary for every generated token and every training position, so it is vectorized.
   */
  public static double logSumExp(float[] x, int off, int n) {
    int upper = F.loopBound(n);
    FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i < upper; i += F.length()) {
      vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      max = Math.max(max, x[off + i]);
    }
    if (max == Float.NEGATIVE_INFINITY) {
      return max; // nothing is possible
    }
    FloatVector vsum = FloatVector.zero(F);
    for (i = 0; i < upper; i += F.length()) {
      vsum = vsum.add(exp(FloatVector.fromArray(F, x, off + i).sub(max)));
    }
    double sum = vsum.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      sum += exp(x[off + i] - max);
    }
    return max + Math.log(sum);
  }

  /** {@code gate[i] = silu(gate[i]) * up[i]} for {@code i < n}: SwiGLU's elementwise part. */
  public static void swiGlu(float[] gate, float[] up, int n) {
    int i = 0;
    for (int upper = F.loopBound(n); i < upper; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, gate, i);
      FloatVector sigmoid = exp(g.neg()).add(1f);
      g.div(sigmoid).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
    }
    for (; i < n; i++) {
      float g = gate[i];
      gate[i] = g / (1f + exp(-g)) * up[i];
    }
  }

  /**
   * {@code x[i] = e^(x[i] - shift)} for {@code i < n}; returns their sum (a softmax's denominator).
   */
  public static float expShifted(float[] x, int n, float shift) {
    FloatVector sum = FloatVector.zero(F);
    int i = 0;
    for (int upper = F.loopBound(n); i < upper; i += F.length()) {
      FloatVector e = exp(FloatVector.fromArray(F, x, i).sub(shift));
      e.intoArray(x, i);
      sum = sum.add(e);
    }
    float total = sum.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      x[i] = exp(x[i] - shift);
      total += x[i];
    }
    return total;
  }

  /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
  public static float exp(float x) {
    x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
    float k = Math.fma(x, LOG2E, ROUND) - ROUND;
    float r = Math.fma(k, -LN2_HI, x);
    r = Math.fma(k, -LN2_LO, r);
    float p = EXP_POLY[0];
    for (int i = 1; i < EXP_POLY.length; i++) {
      p = Math.fma(p, r, EXP_POLY[i]);
    }
    float e = Math.fma(p, r * r, r) + 1f;
    return e * Float.intBitsToFloat(((int) k + 127) << 23);
  }
}
