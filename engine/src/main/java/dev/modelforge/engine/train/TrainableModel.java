package dev.modelforge.engine.train;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.model.Rope;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.CausalAttention;
import dev.modelforge.engine.train.layers.CrossEntropy;
import dev.modelforge.engine.train.layers.Embedding;
import dev.modelforge.engine.train.layers.Gelu;
import dev.modelforge.engine.train.layers.LayerNorm;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.layers.RmsNorm;
import dev.modelforge.engine.train.layers.SwiGlu;
import java.util.List;

/**
 * The training passes of a decoder model (Llama, Mistral, Qwen2, Qwen3, GPT-2) over a right-padded
 * micro-batch: {@link #forward} keeps the activations, {@link #backward} accumulates gradients into
 * the trainable parameters. The math is that of the inference {@code DecoderModel}, written as
 * forward/backward pairs per layer.
 *
 * <p>Symbols: B sequences, T tokens each, N = B · T rows, C model width, NH / KVH query / KV heads,
 * HS head size, F MLP width, V vocabulary.
 */
public final class TrainableModel {

  private final ModelConfig config;
  private final ModelParameters params;
  private final Parallel pool;
  private final Rope rope;
  private final CausalAttention attention;
  private final Linear head;

  public TrainableModel(ModelParameters params, Parallel pool) {
    this.config = params.config();
    this.params = params;
    this.pool = pool;
    this.rope =
        config.architecture().isGpt2()
            ? null
            : new Rope(config.rope(), config.headDim(), config.maxPositions());
    this.attention = new CausalAttention(config.heads(), config.kvHeads(), config.headDim());
    this.head = new Linear("lm_head", params.outputHead(), null);
  }

  public ModelConfig config() {
    return config;
  }

  public ModelParameters parameters() {
    return params;
  }

  public Parallel pool() {
    return pool;
  }

  /** Buffers for micro-batches of up to {@code batch} sequences of up to {@code seqLen} tokens. */
  public Activations newActivations(int batch, int seqLen) {
    if (seqLen > config.maxPositions()) {
      throw new IllegalArgumentException(
          "sequences of "
              + seqLen
              + " tokens exceed the model's context of "
              + config.maxPositions());
    }
    return new Activations(config, params, batch, seqLen);
  }

  /**
   * Runs the micro-batch and returns the sum of its target rows' losses (nats).
   *
   * @param dropoutSeed seeds LoRA dropout; negative turns dropout off (evaluation)
   */
  public double forward(MicroBatch mb, Activations acts, long dropoutSeed) {
    checkFits(mb, acts);
    int n = mb.rows();
    int c = config.dim();
    Parameter wpe = params.positionEmbedding();
    // token (and learned position) embeddings -> residual stream [N, C]
    float[] x = acts.blocks.getFirst().residIn;
    Embedding.forward(
        x, mb, params.tokenEmbedding().value(), wpe == null ? null : wpe.value(), c, pool);
    // the blocks, each writing the next one's input
    List<BlockParameters> blocks = params.blocks();
    for (int l = 0; l < blocks.size(); l++) {
      float[] out = l + 1 < blocks.size() ? acts.blocks.get(l + 1).residIn : acts.residOut;
      blockForward(
          mb, blocks.get(l), acts.blocks.get(l), out, dropoutSeed < 0 ? -1 : mix(dropoutSeed, l));
    }
    // final norm, output head [N, V], cross-entropy
    norm(
        acts.lnf,
        acts.residOut,
        params.finalNorm(),
        params.finalNormBias(),
        acts.lnfMean,
        acts.lnfRstd,
        n);
    head.forward(acts.lnf, acts.logits, n, null, -1, pool);
    return CrossEntropy.forward(
        acts.losses, acts.logSumExp, acts.logits, mb.targets(), n, config.vocabSize(), pool);
  }

  /**
   * Accumulates {@code ∂(lossScale · Σ losses)/∂θ} into every trainable parameter's gradient, from
   * the activations of the last {@link #forward} of this micro-batch.
   */
  public void backward(MicroBatch mb, Activations acts, float lossScale) {
    checkFits(mb, acts);
    int n = mb.rows();
    int c = config.dim();
    // the loss and output head, in reverse; acts.logits becomes ∂L/∂logits
    CrossEntropy.backward(
        acts.logits, acts.logSumExp, mb.targets(), n, config.vocabSize(), lossScale, pool);
    head.backward(acts.lnf, acts.logits, acts.dLn, false, n, null, pool);
    java.util.Arrays.fill(acts.dResid, 0, n * c, 0f);
    normBackward(
        acts.dResid,
        acts.dLn,
        acts.residOut,
        params.finalNorm(),
        params.finalNormBias(),
        acts.lnfMean,
        acts.lnfRstd,
        n);
    // the blocks in reverse, dResid carrying ∂L/∂(residual stream) down
    List<BlockParameters> blocks = params.blocks();
    for (int l = blocks.size() - 1; l >= 0; l--) {
      blockBackward(mb, blocks.get(l), acts.blocks.get(l), acts);
    }
    Parameter wpe = params.positionEmbedding();
    Parameter wte = params.tokenEmbedding();
    Embedding.backward(wte.grad(), wpe == null ? null : wpe.grad(), acts.dResid, mb, c, pool);
  }

  private void blockForward(
      MicroBatch mb, BlockParameters p, BlockActivations a, float[] residOut, long seed) {
    int n = mb.rows();
    int c = config.dim();
    int t = mb.seqLen();
    int hs = config.headDim();
    float eps = config.normEps();
    // attention norm
    norm(a.ln1, a.residIn, p.attnNorm(), p.attnNormBias(), a.ln1Mean, a.ln1Rstd, n);
    CausalAttention.View q;
    CausalAttention.View k;
    CausalAttention.View v;
    if (p.qkv() != null) {
      // GPT-2: one projection to q | k | v (+ bias), no rotation
      p.qkv().forward(a.ln1, a.qkv, n, a.lora(p.qkv()), mix(seed, 0), pool);
      q = new CausalAttention.View(a.qkv, 0, 3 * c);
      k = new CausalAttention.View(a.qkv, c, 3 * c);
      v = new CausalAttention.View(a.qkv, 2 * c, 3 * c);
    } else {
      boolean qkNorm = p.qNorm() != null;
      // q, k, v projections (+ Qwen2 bias)
      p.q().forward(a.ln1, qkNorm ? a.qRaw : a.q, n, a.lora(p.q()), mix(seed, 1), pool);
      p.k().forward(a.ln1, qkNorm ? a.kRaw : a.k, n, a.lora(p.k()), mix(seed, 2), pool);
      p.v().forward(a.ln1, a.v, n, a.lora(p.v()), mix(seed, 3), pool);
      // Qwen3: RMSNorm on each head of q and k before the rotation
      if (qkNorm) {
        RmsNorm.forward(a.q, a.qRaw, p.qNorm().value(), a.qRstd, n * config.heads(), hs, eps, pool);
        RmsNorm.forward(
            a.k, a.kRaw, p.kNorm().value(), a.kRstd, n * config.kvHeads(), hs, eps, pool);
      }
      // rotary position embedding, position = t within the sequence
      rotate(a.q, a.k, mb, false);
      q = new CausalAttention.View(a.q, 0, config.qDim());
      k = new CausalAttention.View(a.k, 0, config.kvDim());
      v = new CausalAttention.View(a.v, 0, config.kvDim());
    }
    // causal attention within each sequence
    attention.forward(
        a.attOut, a.att, q, k, v, mb.lengths(), mb.segmentStarts(), mb.batch(), t, pool);
    // output projection, residual
    p.o().forward(a.attOut, a.residMid, n, a.lora(p.o()), mix(seed, 4), pool);
    VectorMath.add(a.residIn, 0, a.residMid, 0, n * c);
    // MLP norm
    norm(a.ln2, a.residMid, p.ffnNorm(), p.ffnNormBias(), a.ln2Mean, a.ln2Rstd, n);
    int hidden = n * config.ffnDim();
    if (p.gate() == null) {
      // GPT-2: GELU(x W_fc + b)
      p.up().forward(a.ln2, a.up, n, a.lora(p.up()), mix(seed, 6), pool);
      Gelu.forward(a.hidden, a.up, hidden, pool);
    } else {
      // SwiGLU: silu(x W_gate) * (x W_up)
      p.gate().forward(a.ln2, a.gate, n, a.lora(p.gate()), mix(seed, 5), pool);
      p.up().forward(a.ln2, a.up, n, a.lora(p.up()), mix(seed, 6), pool);
      SwiGlu.forward(a.hidden, a.gate, a.up, hidden, pool);
    }
    // down projection, residual
    p.down().forward(a.hidden, residOut, n, a.lora(p.down()), mix(seed, 7), pool);
    VectorMath.add(a.residMid, 0, residOut, 0, n * c);
  }

  /** On entry acts.dResid is ∂L/∂(block output); on exit ∂L/∂(block input). */
  private void blockBackward(MicroBatch mb, BlockParameters p, BlockActivations a, Activations g) {
    int n = mb.rows();
    int t = mb.seqLen();
    int c = config.dim();
    int hs = config.headDim();
    int hidden = n * config.ffnDim();
    // down projection: its input gradient is ∂L/∂hidden
    p.down().backward(a.hidden, g.dResid, g.dHidden, false, n, a.lora(p.down()), pool);
    if (p.gate() == null) {
      Gelu.backward(g.dUp, g.dHidden, a.up, hidden, pool);
      p.up().backward(a.ln2, g.dUp, g.dLn, false, n, a.lora(p.up()), pool);
    } else {
      SwiGlu.backward(g.dGate, g.dUp, g.dHidden, a.gate, a.up, hidden, pool);
      p.gate().backward(a.ln2, g.dGate, g.dLn, false, n, a.lora(p.gate()), pool);
      p.up().backward(a.ln2, g.dUp, g.dLn, true, n, a.lora(p.up()), pool);
    }
    // MLP norm; the residual passes dResid through unchanged
    normBackward(
        g.dResid, g.dLn, a.residMid, p.ffnNorm(), p.ffnNormBias(), a.ln2Mean, a.ln2Rstd, n);
    // output projection
    p.o().backward(a.attOut, g.dResid, g.dAttOut, false, n, a.lora(p.o()), pool);
    if (p.qkv() != null) {
      CausalAttention.View q = new CausalAttention.View(a.qkv, 0, 3 * c);
      CausalAttention.View k = new CausalAttention.View(a.qkv, c, 3 * c);
      CausalAttention.View v = new CausalAttention.View(a.qkv, 2 * c, 3 * c);
      attention.backward(
          new CausalAttention.View(g.dQkv, 0, 3 * c),
          new CausalAttention.View(g.dQkv, c, 3 * c),
          new CausalAttention.View(g.dQkv, 2 * c, 3 * c),
          g.dAttOut,
          a.att,
          q,
          k,
          v,
          mb.lengths(),
          mb.segmentStarts(),
          mb.batch(),
          t,
          pool);
      p.qkv().backward(a.ln1, g.dQkv, g.dLn, false, n, a.lora(p.qkv()), pool);
    } else {
      CausalAttention.View q = new CausalAttention.View(a.q, 0, config.qDim());
      CausalAttention.View k = new CausalAttention.View(a.k, 0, config.kvDim());
      CausalAttention.View v = new CausalAttention.View(a.v, 0, config.kvDim());
      attention.backward(
          new CausalAttention.View(g.dQ, 0, config.qDim()),
          new CausalAttention.View(g.dK, 0, config.kvDim()),
          new CausalAttention.View(g.dV, 0, config.kvDim()),
          g.dAttOut,
          a.att,
          q,
          k,
          v,
          mb.lengths(),
          mb.segmentStarts(),
          mb.batch(),
          t,
          pool);
      rotate(g.dQ, g.dK, mb, true);
      float[] dq = g.dQ;
      float[] dk = g.dK;
      if (p.qNorm() != null) {
        java.util.Arrays.fill(g.dQRaw, 0, n * config.qDim(), 0f);
        java.util.Arrays.fill(g.dKRaw, 0, n * config.kvDim(), 0f);
        RmsNorm.backward(
            g.dQRaw,
            p.qNorm().grad(),
            g.dQ,
            a.qRaw,
            p.qNorm().value(),
            a.qRstd,
            n * config.heads(),
            hs,
            pool);
        RmsNorm.backward(
            g.dKRaw,
            p.kNorm().grad(),
            g.dK,
            a.kRaw,
            p.kNorm().value(),
            a.kRstd,
            n * config.kvHeads(),
            hs,
            pool);
        dq = g.dQRaw;
        dk = g.dKRaw;
      }
      p.q().backward(a.ln1, dq, g.dLn, false, n, a.lora(p.q()), pool);
      p.k().backward(a.ln1, dk, g.dLn, true, n, a.lora(p.k()), pool);
      p.v().backward(a.ln1, g.dV, g.dLn, true, n, a.lora(p.v()), pool);
    }
    // attention norm
    normBackward(
        g.dResid, g.dLn, a.residIn, p.attnNorm(), p.attnNormBias(), a.ln1Mean, a.ln1Rstd, n);
  }

  /** RoPE (or its inverse, for gradients) on every row of q and k, at its position. */
  private void rotate(float[] q, float[] k, MicroBatch mb, boolean inverse) {
    int n = mb.rows();
    int hs = config.headDim();
    int qDim = config.qDim();
    int kvDim = config.kvDim();
    pool.run(
        n,
        (start, end) -> {
          for (int r = start; r < end; r++) {
            int pos = mb.position(r);
            if (inverse) {
              rope.applyInverse(q, r * qDim, config.heads(), hs, pos);
              rope.applyInverse(k, r * kvDim, config.kvHeads(), hs, pos);
            } else {
              rope.apply(q, r * qDim, config.heads(), hs, pos);
              rope.apply(k, r * kvDim, config.kvHeads(), hs, pos);
            }
          }
        });
  }

  private void norm(
      float[] y, float[] x, Parameter w, Parameter b, float[] mean, float[] rstd, int n) {
    if (b != null) {
      LayerNorm.forward(
          y, x, w.value(), b.value(), mean, rstd, n, config.dim(), config.normEps(), pool);
    } else {
      RmsNorm.forward(y, x, w.value(), rstd, n, config.dim(), config.normEps(), pool);
    }
  }

  private void normBackward(
      float[] dx,
      float[] dy,
      float[] x,
      Parameter w,
      Parameter b,
      float[] mean,
      float[] rstd,
      int n) {
    if (b != null) {
      LayerNorm.backward(
          dx, w.grad(), b.grad(), dy, x, w.value(), mean, rstd, n, config.dim(), pool);
    } else {
      RmsNorm.backward(dx, w.grad(), dy, x, w.value(), rstd, n, config.dim(), pool);
    }
  }

  private void checkFits(MicroBatch mb, Activations acts) {
    if (mb.batch() > acts.batch || mb.seqLen() > acts.seqLen) {
      throw new IllegalArgumentException(
          "a micro-batch of "
              + mb.batch()
              + " x "
              + mb.seqLen()
              + " does not fit activations for "
              + acts.batch
              + " x "
              + acts.seqLen);
    }
  }

  /** A well-spread seed for one layer's dropout mask, so masks of different layers differ. */
  static long mix(long seed, long salt) {
    if (seed < 0) {
      return -1;
    }
    long z = seed * 0x9E3779B97F4A7C15L + (salt + 1) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 31)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 29)) & Long.MAX_VALUE;
  }
}
