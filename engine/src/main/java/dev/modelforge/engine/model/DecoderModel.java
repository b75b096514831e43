package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.lora.LoraTarget;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tensor.VectorMath;

/**
 * A decoder-only transformer (Llama, Mistral, Qwen2, Qwen3, GPT-2) ready to run: config, weights
 * and the position tables. Immutable and shared; all mutable data lives in {@link InferenceState}
 * and {@link KvCache}.
 *
 * <p>Shapes: T tokens in the chunk, C model width, NH / KVH query / KV heads, HS head size, F MLP
 * width, V vocabulary.
 */
public final class DecoderModel {

  private final ModelConfig config;
  private final ModelWeights weights;
  private final Rope rope;

  public DecoderModel(ModelConfig config, ModelWeights weights) {
    this.config = config;
    this.weights = weights;
    this.rope =
        config.architecture().isGpt2()
            ? null
            : new Rope(config.rope(), config.headDim(), config.maxPositions());
  }

  public ModelConfig config() {
    return config;
  }

  public ModelWeights weights() {
    return weights;
  }

  /** Longest sequence the model can attend over. */
  public int maxPositions() {
    return config.maxPositions();
  }

  /** Buffers for chunks of up to {@code maxTokens} tokens, keeping only the last row's logits. */
  public InferenceState newState(int maxTokens, Parallel pool) {
    return new InferenceState(config, maxTokens, 1, pool);
  }

  /** Buffers for up to {@code maxTokens} tokens whose logits are all kept (scoring, tests). */
  public InferenceState newScoringState(int maxTokens, Parallel pool) {
    return new InferenceState(config, maxTokens, maxTokens, pool);
  }

  /**
   * Buffers for {@link #hiddenStates}: chunks of up to {@code maxTokens} tokens whose final-normed
   * hidden states are all kept, with no output head (and no logits buffer of {@code [T, V]}).
   */
  public InferenceState newPoolingState(int maxTokens, Parallel pool) {
    return new InferenceState(config, maxTokens, maxTokens, pool, false);
  }

  /**
   * Runs {@code tokens} at positions 0.. through the blocks and the final norm, and writes every
   * token's hidden state ({@code [T, C]}, what an embedding pools) to {@code out}; the keys and
   * values go to {@code cache}, the output head does not run.
   */
  public void hiddenStates(InferenceState s, KvCache cache, int[] tokens, float[] out) {
    if (s.head) {
      throw new IllegalArgumentException("hidden states need a pooling state (newPoolingState)");
    }
    if (tokens.length < 1 || out.length < tokens.length * config.dim()) {
      throw new IllegalArgumentException(
          "hidden states of " + tokens.length + " tokens need [T, C] floats of output");
    }
    Batch b = s.batch;
    int dim = config.dim();
    for (int done = 0; done < tokens.length; ) {
      int n = Math.min(s.maxTokens, tokens.length - done);
      b.clear();
      for (int t = 0; t < n; t++) {
        b.add(tokens[done + t], done + t, cache, true);
      }
      forward(s, b);
      System.arraycopy(s.xb, 0, out, done * dim, n * dim);
      done += n;
    }
    b.clear();
  }

  /**
   * Buffers for batch steps of up to {@code maxTokens} tokens and {@code maxSequences} logit rows.
   */
  public InferenceState newBatchState(int maxTokens, int maxSequences, Parallel pool) {
    return new InferenceState(config, maxTokens, maxSequences, pool);
  }

  public ContiguousKvCache newCache(int capacity) {
    return new ContiguousKvCache(config, Math.min(capacity, config.maxPositions()));
  }

  /**
   * Runs {@code count} tokens of one sequence starting at {@code tokens[from]} at positions {@code
   * pos0 ..}, writes their keys and values to {@code cache}, and returns the logits buffer: row 0
   * holds the last token's logits, or, when {@code allLogits} (a scoring state), row t holds token
   * t's. Inputs longer than the state's chunk size are run in chunks.
   */
  public float[] forward(
      InferenceState s,
      KvCache cache,
      int[] tokens,
      int from,
      int count,
      int pos0,
      boolean allLogits) {
    return forward(s, cache, tokens, from, count, pos0, allLogits, null);
  }

  /**
   * As {@link #forward(InferenceState, KvCache, int[], int, int, int, boolean)}, through LoRA
   * {@code adapter} (null: the base model).
   */
  public float[] forward(
      InferenceState s,
      KvCache cache,
      int[] tokens,
      int from,
      int count,
      int pos0,
      boolean allLogits,
      LoraAdapter adapter) {
    if (count < 1) {
      throw new IllegalArgumentException("forward needs at least one token");
    }
    if (allLogits && count > s.logitRows) {
      throw new IllegalArgumentException(
          "logits of all " + count + " tokens need a scoring state for that many");
    }
    Batch b = s.batch;
    for (int done = 0; done < count; ) {
      int n = Math.min(s.maxTokens, count - done);
      boolean last = done + n == count;
      b.clear();
      for (int t = 0; t < n; t++) {
        b.add(
            tokens[from + done + t],
            pos0 + done + t,
            cache,
            allLogits || (last && t == n - 1),
            adapter);
      }
      forward(s, b);
      done += n;
    }
    b.clear();
    return s.logits;
  }

  /**
   * Runs one batch step: every token's keys and values go to its sequence's cache, and row i of the
   * returned logits ({@code [V]} each) belongs to the i-th token that asked for logits.
   */
  public float[] forward(InferenceState s, Batch b) {
    int n = b.size;
    if (n < 1 || n > s.maxTokens || b.logitCount > s.logitRows) {
      throw new IllegalArgumentException(
          "a batch of "
              + n
              + " tokens and "
              + b.logitCount
              + " logit rows does not fit a state of "
              + s.maxTokens
              + " tokens and "
              + s.logitRows
              + " rows");
    }
    final int dim = config.dim();
    final int qDim = config.qDim();
    final int kvDim = config.kvDim();
    final int hs = config.headDim();
    final boolean gpt2 = config.architecture().isGpt2();
    final float eps = config.normEps();

    // token (and learned position) embeddings -> residual stream x [T, C]
    for (int t = 0; t < n; t++) {
      int id = b.tokens[t];
      int pos = b.positions[t];
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary of " + config.vocabSize());
      }
      int limit = Math.min(b.caches[t].capacity(), config.maxPositions());
      if (pos < 0 || pos >= limit) {
        throw new IllegalArgumentException(
            "position " + pos + " is outside the context of " + limit + " tokens");
      }
      weights.tokenEmbedding().readRow(id, s.x, t * dim);
      if (gpt2) {
        weights.positionEmbedding().readRow(pos, s.xb, 0);
        VectorMath.add(s.xb, 0, s.x, t * dim, dim);
      }
    }

    for (int l = 0; l < config.layers(); l++) {
      LayerWeights w = weights.layers().get(l);

      // attention norm
      norm(s.xb, s.x, w.attnNorm(), w.attnNormBias(), n, dim, eps);

      // q, k, v projections (+ bias)
      w.wq().matmul(s.xb, n, s.q, s.pool);
      w.wk().matmul(s.xb, n, s.k, s.pool);
      w.wv().matmul(s.xb, n, s.v, s.pool);
      if (b.hasAdapters) {
        if (gpt2) {
          lora(s, b, l, LoraTarget.QKV, s.xb, dim, s.q, qDim, 0);
          lora(s, b, l, LoraTarget.QKV, s.xb, dim, s.k, kvDim, qDim);
          lora(s, b, l, LoraTarget.QKV, s.xb, dim, s.v, kvDim, qDim + kvDim);
        } else {
          lora(s, b, l, LoraTarget.Q, s.xb, dim, s.q, qDim, 0);
          lora(s, b, l, LoraTarget.K, s.xb, dim, s.k, kvDim, 0);
          lora(s, b, l, LoraTarget.V, s.xb, dim, s.v, kvDim, 0);
        }
      }
      addBias(s.q, w.bq(), n, qDim);
      addBias(s.k, w.bk(), n, kvDim);
      addBias(s.v, w.bv(), n, kvDim);

      for (int t = 0; t < n; t++) {
        // Qwen3: RMSNorm on each head of q and k before the rotation
        if (w.qNorm() != null) {
          for (int h = 0; h < config.heads(); h++) {
            int o = t * qDim + h * hs;
            Norms.rmsNorm(s.q, o, s.q, o, w.qNorm(), hs, eps);
          }
          for (int h = 0; h < config.kvHeads(); h++) {
            int o = t * kvDim + h * hs;
            Norms.rmsNorm(s.k, o, s.k, o, w.kNorm(), hs, eps);
          }
        }
        // rotary position embedding
        int pos = b.positions[t];
        if (rope != null) {
          rope.apply(s.q, t * qDim, config.heads(), hs, pos);
          rope.apply(s.k, t * kvDim, config.kvHeads(), hs, pos);
        }
        // cache write, a head at a time
        KvCache cache = b.caches[t];
        float[] keys = cache.keys(l);
        float[] values = cache.values(l);
        for (int h = 0; h < config.kvHeads(); h++) {
          int at = cache.offset(pos, h);
          System.arraycopy(s.k, t * kvDim + h * hs, keys, at, hs);
          System.arraycopy(s.v, t * kvDim + h * hs, values, at, hs);
        }
      }

      // attention over each token's own cache, causal
      s.attention.run(s.pool, s.q, s.attnOut, b, l);

      // output projection, residual
      w.wo().matmul(s.attnOut, n, s.proj, s.pool);
      if (b.hasAdapters) {
        lora(s, b, l, LoraTarget.O, s.attnOut, qDim, s.proj, dim, 0);
      }
      addBias(s.proj, w.bo(), n, dim);
      VectorMath.add(s.proj, 0, s.x, 0, n * dim);

      // MLP norm
      norm(s.xb, s.x, w.ffnNorm(), w.ffnNormBias(), n, dim, eps);
      int ffn = config.ffnDim();
      if (gpt2) {
        // GELU(x W_fc + b) W_proj + b
        w.wUp().matmul(s.xb, n, s.hb, s.pool);
        if (b.hasAdapters) {
          lora(s, b, l, LoraTarget.UP, s.xb, dim, s.hb, ffn, 0);
        }
        addBias(s.hb, w.bUp(), n, ffn);
        for (int i = 0; i < n * ffn; i++) {
          s.hb[i] = geluTanh(s.hb[i]);
        }
      } else {
        // SwiGLU: silu(x W_gate) * (x W_up), then W_down
        w.wGate().matmul(s.xb, n, s.hb, s.pool);
        w.wUp().matmul(s.xb, n, s.hb2, s.pool);
        if (b.hasAdapters) {
          lora(s, b, l, LoraTarget.GATE, s.xb, dim, s.hb, ffn, 0);
          lora(s, b, l, LoraTarget.UP, s.xb, dim, s.hb2, ffn, 0);
        }
        VectorMath.swiGlu(s.hb, s.hb2, n * ffn);
      }
      w.wDown().matmul(s.hb, n, s.proj, s.pool);
      if (b.hasAdapters) {
        lora(s, b, l, LoraTarget.DOWN, s.hb, ffn, s.proj, dim, 0);
      }
      addBias(s.proj, w.bDown(), n, dim);
      VectorMath.add(s.proj, 0, s.x, 0, n * dim);
    }
    outputHead(s, b);
    return s.logits;
  }

  /**
   * Adds each token's LoRA update {@code scaling * B (A x)} to {@code out}: rows {@code [deltaFrom,
   * deltaFrom + width)} of the adapter's output go to the token's {@code width} outputs (GPT-2's
   * fused c_attn adapter is split into q, k and v this way).
   */
  private static void lora(
      InferenceState s,
      Batch b,
      int layer,
      LoraTarget target,
      float[] x,
      int in,
      float[] out,
      int width,
      int deltaFrom) {
    for (int t = 0; t < b.size; t++) {
      LoraAdapter adapter = b.adapters[t];
      LoraAdapter.Pair p = adapter == null ? null : adapter.pair(layer, target);
      if (p == null) {
        continue;
      }
      int r = adapter.rank();
      float[] ax = s.loraScratch(r);
      for (int i = 0; i < r; i++) {
        ax[i] = VectorMath.dot(p.a(), i * in, x, t * in, in);
      }
      float scale = adapter.scaling();
      for (int o = 0; o < width; o++) {
        out[t * width + o] += scale * VectorMath.dot(p.b(), (deltaFrom + o) * r, ax, 0, r);
      }
    }
  }

  /** Final norm and the output head for the tokens that asked for logits, in their order. */
  private void outputHead(InferenceState s, Batch b) {
    int dim = config.dim();
    for (int r = 0; r < b.logitCount; r++) {
      int src = b.logitTokens[r] * dim;
      if (weights.finalNormBias() != null) {
        Norms.layerNorm(
            s.xb,
            r * dim,
            s.x,
            src,
            weights.finalNorm(),
            weights.finalNormBias(),
            dim,
            config.normEps());
      } else {
        Norms.rmsNorm(s.xb, r * dim, s.x, src, weights.finalNorm(), dim, config.normEps());
      }
    }
    if (b.logitCount > 0 && s.head) {
      weights.lmHead().matmul(s.xb, b.logitCount, s.logits, s.pool);
    }
  }

  private void norm(float[] out, float[] x, float[] w, float[] b, int n, int dim, float eps) {
    for (int t = 0; t < n; t++) {
      if (b != null) {
        Norms.layerNorm(out, t * dim, x, t * dim, w, b, dim, eps);
      } else {
        Norms.rmsNorm(out, t * dim, x, t * dim, w, dim, eps);
      }
    }
  }

  private static void addBias(float[] x, float[] bias, int n, int width) {
    if (bias == null) {
      return;
    }
    for (int t = 0; t < n; t++) {
      VectorMath.add(bias, 0, x, t * width, width);
    }
  }

  /** GPT-2's tanh approximation of GELU ("gelu_new"). */
  static float geluTanh(float x) {
    final float k = 0.7978845608028654f; // sqrt(2 / pi)
    return 0.5f * x * (1f + (float) Math.tanh(k * (x + 0.044715f * x * x * x)));
  }
}
