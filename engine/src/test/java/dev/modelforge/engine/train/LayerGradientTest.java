package dev.modelforge.engine.train;

import static dev.modelforge.engine.train.GradientCheck.assertClose;
import static dev.modelforge.engine.train.GradientCheck.numeric;
import static dev.modelforge.engine.train.GradientCheck.project;

import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.model.Rope;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.CausalAttention;
import dev.modelforge.engine.train.layers.CrossEntropy;
import dev.modelforge.engine.train.layers.Embedding;
import dev.modelforge.engine.train.layers.Gelu;
import dev.modelforge.engine.train.layers.LayerNorm;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.LoraActivations;
import dev.modelforge.engine.train.layers.LoraBranch;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.layers.RmsNorm;
import dev.modelforge.engine.train.layers.SwiGlu;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every layer's backward pass against central finite differences of its forward pass (llm.c's
 * approach), each through a random projection {@code L = Σ w·y} of its output.
 */
class LayerGradientTest {

  private static final double H = 1e-2;
  private static final double TOLERANCE = 1e-2;
  private static Parallel pool;

  @BeforeAll
  static void start() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stop() {
    pool.close();
  }

  private static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }

  @Test
  void rmsNormBackwardMatchesFiniteDifferences() {
    int rows = 3;
    int d = 8;
    float[] x = gaussian(rows * d, 1);
    float[] w = gaussian(d, 2);
    float[] proj = gaussian(rows * d, 3);
    float[] y = new float[rows * d];
    float[] rstd = new float[rows];
    java.util.function.DoubleSupplier loss =
        () -> {
          RmsNorm.forward(y, x, w, rstd, rows, d, 1e-5f, pool);
          return project(y, proj, rows * d);
        };

    loss.getAsDouble();
    float[] dx = new float[rows * d];
    float[] dw = new float[d];
    RmsNorm.backward(dx, dw, proj, x, w, rstd, rows, d, pool);

    assertClose(dx, numeric(x, H, loss), TOLERANCE, "RMSNorm dx");
    assertClose(dw, numeric(w, H, loss), TOLERANCE, "RMSNorm dw");
  }

  @Test
  void layerNormBackwardMatchesFiniteDifferences() {
    int rows = 3;
    int d = 8;
    float[] x = gaussian(rows * d, 4);
    float[] w = gaussian(d, 5);
    float[] b = gaussian(d, 6);
    float[] proj = gaussian(rows * d, 7);
    float[] y = new float[rows * d];
    float[] mean = new float[rows];
    float[] rstd = new float[rows];
    java.util.function.DoubleSupplier loss =
        () -> {
          LayerNorm.forward(y, x, w, b, mean, rstd, rows, d, 1e-5f, pool);
          return project(y, proj, rows * d);
        };

    loss.getAsDouble();
    float[] dx = new float[rows * d];
    float[] dw = new float[d];
    float[] db = new float[d];
    LayerNorm.backward(dx, dw, db, proj, x, w, mean, rstd, rows, d, pool);

    assertClose(dx, numeric(x, H, loss), TOLERANCE, "LayerNorm dx");
    assertClose(dw, numeric(w, H, loss), TOLERANCE, "LayerNorm dw");
    assertClose(db, numeric(b, H, loss), TOLERANCE, "LayerNorm db");
  }

  @Test
  void swiGluBackwardMatchesFiniteDifferences() {
    int n = 20;
    float[] gate = gaussian(n, 8);
    float[] up = gaussian(n, 9);
    float[] proj = gaussian(n, 10);
    float[] h = new float[n];
    java.util.function.DoubleSupplier loss =
        () -> {
          SwiGlu.forward(h, gate, up, n, pool);
          return project(h, proj, n);
        };

    float[] dGate = new float[n];
    float[] dUp = new float[n];
    SwiGlu.backward(dGate, dUp, proj, gate, up, n, pool);

    assertClose(dGate, numeric(gate, H, loss), TOLERANCE, "SwiGLU d gate");
    assertClose(dUp, numeric(up, H, loss), TOLERANCE, "SwiGLU d up");
  }

  @Test
  void geluBackwardMatchesFiniteDifferences() {
    int n = 20;
    float[] x = gaussian(n, 11);
    float[] proj = gaussian(n, 12);
    float[] y = new float[n];
    java.util.function.DoubleSupplier loss =
        () -> {
          Gelu.forward(y, x, n, pool);
          return project(y, proj, n);
        };

    float[] dx = new float[n];
    Gelu.backward(dx, proj, x, n, pool);

    assertClose(dx, numeric(x, H, loss), TOLERANCE, "GELU dx");
  }

  @Test
  void ropeBackwardMatchesFiniteDifferences() {
    int heads = 2;
    int hs = 8;
    Rope rope = new Rope(new RopeConfig(10000, "default", 1, 1, 1, 0), hs, 16);
    float[] x = gaussian(heads * hs, 13);
    float[] proj = gaussian(heads * hs, 14);
    float[] y = new float[heads * hs];
    java.util.function.DoubleSupplier loss =
        () -> {
          System.arraycopy(x, 0, y, 0, y.length);
          rope.apply(y, 0, heads, hs, 5);
          return project(y, proj, y.length);
        };

    float[] dx = proj.clone();
    rope.applyInverse(dx, 0, heads, hs, 5);

    assertClose(dx, numeric(x, H, loss), TOLERANCE, "RoPE dx");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void causalAttentionBackwardMatchesFiniteDifferencesWithGqaAndPadding(int kvHeads) {
    int batch = 2;
    int t = 5;
    int heads = 2;
    int hs = 4;
    int[] lengths = {5, 3};
    // sequence 0 packs two examples (rows 0-1 and 2-4); sequence 1 has one and two padding rows
    int[] segmentStarts = {0, 0, 2, 2, 2, 0, 0, 0, 3, 3};
    int n = batch * t;
    int qDim = heads * hs;
    int kvDim = kvHeads * hs;
    // q, k and v share one strided buffer, as GPT-2's fused projection lays them out
    int stride = qDim + 2 * kvDim;
    float[] qkv = gaussian(n * stride, 15);
    float[] proj = gaussian(n * qDim, 16);
    float[] out = new float[n * qDim];
    float[] att = new float[batch * heads * t * t];
    CausalAttention attention = new CausalAttention(heads, kvHeads, hs);
    CausalAttention.View q = new CausalAttention.View(qkv, 0, stride);
    CausalAttention.View k = new CausalAttention.View(qkv, qDim, stride);
    CausalAttention.View v = new CausalAttention.View(qkv, qDim + kvDim, stride);
    java.util.function.DoubleSupplier loss =
        () -> {
          attention.forward(out, att, q, k, v, lengths, segmentStarts, batch, t, pool);
          return project(out, proj, n * qDim);
        };

    loss.getAsDouble();
    float[] dqkv = new float[n * stride];
    attention.backward(
        new CausalAttention.View(dqkv, 0, stride),
        new CausalAttention.View(dqkv, qDim, stride),
        new CausalAttention.View(dqkv, qDim + kvDim, stride),
        proj,
        att,
        q,
        k,
        v,
        lengths,
        segmentStarts,
        batch,
        t,
        pool);

    assertClose(dqkv, numeric(qkv, H, loss), TOLERANCE, "attention d qkv");
  }

  @Test
  void crossEntropyBackwardMatchesFiniteDifferencesAndSkipsIgnoredRows() {
    int rows = 4;
    int vocab = 37; // past one SIMD vector, so the vector loop and its tail both run
    float[] logits = gaussian(rows * vocab, 17);
    int[] targets = {3, CrossEntropy.IGNORE, 0, 6};
    float[] losses = new float[rows];
    float[] lse = new float[rows];
    float scale = 0.5f;
    java.util.function.DoubleSupplier loss =
        () -> scale * CrossEntropy.forward(losses, lse, logits, targets, rows, vocab, pool);

    float[] numeric = numeric(logits, H / 10, loss);
    loss.getAsDouble();
    float[] grad = logits.clone();
    CrossEntropy.backward(grad, lse, targets, rows, vocab, scale, pool);

    assertClose(grad, numeric, TOLERANCE, "cross-entropy d logits");
    for (int i = vocab; i < 2 * vocab; i++) {
      org.assertj.core.api.Assertions.assertThat(grad[i]).as("ignored row").isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.3})
  void linearWithBiasAndLoraBackwardMatchesFiniteDifferences(double dropout) {
    int n = 6;
    int in = 20;
    int out = 12;
    int rank = 3;
    Parameter w = new Parameter("w", gaussian(out * in, 18), out, in);
    Parameter b = new Parameter("b", gaussian(out, 19), out);
    w.setTrainable(true);
    b.setTrainable(true);
    Linear linear = new Linear("layer.q_proj", w, b);
    LoraBranch lora =
        LoraBranch.initialise(
            "layer.q_proj", in, out, rank, 6.0 / rank, dropout, new SplittableRandom(1));
    // B starts at zero in PEFT; give it values so the A gradient is not trivially zero
    System.arraycopy(gaussian(out * rank, 20), 0, lora.b().value(), 0, out * rank);
    linear.attach(lora);
    LoraActivations la = new LoraActivations(n, in, out, lora);
    float[] x = gaussian(n * in, 21);
    float[] proj = gaussian(n * out, 22);
    float[] y = new float[n * out];
    long seed = dropout > 0 ? 42 : -1;
    java.util.function.DoubleSupplier loss =
        () -> {
          w.markUpdated();
          linear.forward(x, y, n, la, seed, pool);
          return project(y, proj, n * out);
        };

    loss.getAsDouble();
    float[] dx = new float[n * in];
    linear.backward(x, proj, dx, false, n, la, pool);

    assertClose(dx, numeric(x, H, loss), TOLERANCE, "linear dx");
    assertClose(w.grad(), numeric(w.value(), H, loss), TOLERANCE, "linear dW");
    assertClose(b.grad(), numeric(b.value(), H, loss), TOLERANCE, "linear db");
    assertClose(lora.a().grad(), numeric(lora.a().value(), H, loss), TOLERANCE, "LoRA dA");
    assertClose(lora.b().grad(), numeric(lora.b().value(), H, loss), TOLERANCE, "LoRA dB");
  }

  @Test
  void embeddingBackwardSumsRowsThatShareAToken() {
    int c = 4;
    int seqLen = 3;
    int[] inputs = {2, 0, 2, 1, 2, 0};
    MicroBatch mb = new MicroBatch(2, seqLen, inputs, new int[6], new int[] {3, 3});
    float[] wte = gaussian(3 * c, 23);
    float[] wpe = gaussian(seqLen * c, 24);
    float[] proj = gaussian(inputs.length * c, 25);
    float[] x = new float[inputs.length * c];
    java.util.function.DoubleSupplier loss =
        () -> {
          Embedding.forward(x, mb, wte, wpe, c, pool);
          return project(x, proj, x.length);
        };

    float[] dwte = new float[wte.length];
    float[] dwpe = new float[wpe.length];
    Embedding.backward(dwte, dwpe, proj, mb, c, pool);

    assertClose(dwte, numeric(wte, H, loss), TOLERANCE, "embedding d wte");
    assertClose(dwpe, numeric(wpe, H, loss), TOLERANCE, "embedding d wpe");
  }
}
