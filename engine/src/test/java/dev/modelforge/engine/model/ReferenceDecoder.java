package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.TensorStore;

/**
 * An independent, deliberately plain implementation of the decoder forward pass for tests: no
 * cache, no SIMD, no threads, doubles for accumulation, weights read by their Hugging Face names.
 * It recomputes every position from scratch, so it also checks the engine's KV cache.
 */
final class ReferenceDecoder {

  private final ModelConfig c;
  private final TensorStore store;
  private final boolean gpt2;
  private final String gptPrefix;

  ReferenceDecoder(ModelConfig config, TensorStore store) {
    this.c = config;
    this.store = store;
    this.gpt2 = config.architecture().isGpt2();
    this.gptPrefix = store.names().contains("transformer.wte.weight") ? "transformer." : "";
  }

  private float[] w(String name) {
    return store.get(name).toFloats();
  }

  /** Logits [T][V] for every position of {@code tokens}. */
  float[][] logits(int[] tokens) {
    int T = tokens.length;
    int C = c.dim();
    int HS = c.headDim();
    int NH = c.heads();
    int KVH = c.kvHeads();
    double[][] x = new double[T][C];
    float[] emb = w(gpt2 ? gptPrefix + "wte.weight" : "model.embed_tokens.weight");
    float[] pos = gpt2 ? w(gptPrefix + "wpe.weight") : null;
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < C; i++) {
        x[t][i] = emb[tokens[t] * C + i] + (gpt2 ? pos[t * C + i] : 0);
      }
    }
    for (int l = 0; l < c.layers(); l++) {
      double[][] h = new double[T][];
      double[][] q = new double[T][];
      double[][] k = new double[T][];
      double[][] v = new double[T][];
      for (int t = 0; t < T; t++) {
        if (gpt2) {
          String p = gptPrefix + "h." + l + ".";
          h[t] = layerNorm(x[t], w(p + "ln_1.weight"), w(p + "ln_1.bias"));
          double[] qkv =
              conv1d(h[t], w(p + "attn.c_attn.weight"), w(p + "attn.c_attn.bias"), 3 * C);
          q[t] = java.util.Arrays.copyOfRange(qkv, 0, C);
          k[t] = java.util.Arrays.copyOfRange(qkv, C, 2 * C);
          v[t] = java.util.Arrays.copyOfRange(qkv, 2 * C, 3 * C);
        } else {
          String p = "model.layers." + l + ".";
          h[t] = rmsNorm(x[t], w(p + "input_layernorm.weight"));
          q[t] =
              linear(
                  h[t],
                  w(p + "self_attn.q_proj.weight"),
                  bias(p + "self_attn.q_proj.bias"),
                  NH * HS);
          k[t] =
              linear(
                  h[t],
                  w(p + "self_attn.k_proj.weight"),
                  bias(p + "self_attn.k_proj.bias"),
                  KVH * HS);
          v[t] =
              linear(
                  h[t],
                  w(p + "self_attn.v_proj.weight"),
                  bias(p + "self_attn.v_proj.bias"),
                  KVH * HS);
          if (c.architecture().qkNorm()) {
            float[] qn = w(p + "self_attn.q_norm.weight");
            float[] kn = w(p + "self_attn.k_norm.weight");
            for (int hh = 0; hh < NH; hh++) {
              headRms(q[t], hh * HS, HS, qn);
            }
            for (int hh = 0; hh < KVH; hh++) {
              headRms(k[t], hh * HS, HS, kn);
            }
          }
          rotate(q[t], NH, t);
          rotate(k[t], KVH, t);
        }
      }
      for (int t = 0; t < T; t++) {
        double[] att = new double[NH * HS];
        for (int hh = 0; hh < NH; hh++) {
          int kvh = hh / (NH / KVH);
          double[] scores = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int p = 0; p <= t; p++) {
            double s = 0;
            for (int i = 0; i < HS; i++) {
              s += q[t][hh * HS + i] * k[p][kvh * HS + i];
            }
            scores[p] = s / Math.sqrt(HS);
            max = Math.max(max, scores[p]);
          }
          double sum = 0;
          for (int p = 0; p <= t; p++) {
            scores[p] = Math.exp(scores[p] - max);
            sum += scores[p];
          }
          for (int p = 0; p <= t; p++) {
            for (int i = 0; i < HS; i++) {
              att[hh * HS + i] += scores[p] / sum * v[p][kvh * HS + i];
            }
          }
        }
        double[] o;
        double[] mlpOut;
        if (gpt2) {
          String p = gptPrefix + "h." + l + ".";
          o = conv1d(att, w(p + "attn.c_proj.weight"), w(p + "attn.c_proj.bias"), C);
          add(x[t], o);
          double[] h2 = layerNorm(x[t], w(p + "ln_2.weight"), w(p + "ln_2.bias"));
          double[] fc = conv1d(h2, w(p + "mlp.c_fc.weight"), w(p + "mlp.c_fc.bias"), c.ffnDim());
          for (int i = 0; i < fc.length; i++) {
            double z = fc[i];
            fc[i] = 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
          }
          mlpOut = conv1d(fc, w(p + "mlp.c_proj.weight"), w(p + "mlp.c_proj.bias"), C);
        } else {
          String p = "model.layers." + l + ".";
          o = linear(att, w(p + "self_attn.o_proj.weight"), null, C);
          add(x[t], o);
          double[] h2 = rmsNorm(x[t], w(p + "post_attention_layernorm.weight"));
          double[] g = linear(h2, w(p + "mlp.gate_proj.weight"), null, c.ffnDim());
          double[] u = linear(h2, w(p + "mlp.up_proj.weight"), null, c.ffnDim());
          for (int i = 0; i < g.length; i++) {
            g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
          }
          mlpOut = linear(g, w(p + "mlp.down_proj.weight"), null, C);
        }
        add(x[t], mlpOut);
      }
    }
    float[][] logits = new float[T][];
    float[] head = gpt2 || c.tiedEmbeddings() ? emb : w("lm_head.weight");
    for (int t = 0; t < T; t++) {
      double[] f =
          gpt2
              ? layerNorm(x[t], w(gptPrefix + "ln_f.weight"), w(gptPrefix + "ln_f.bias"))
              : rmsNorm(x[t], w("model.norm.weight"));
      double[] out = linear(f, head, null, c.vocabSize());
      logits[t] = new float[out.length];
      for (int i = 0; i < out.length; i++) {
        logits[t][i] = (float) out[i];
      }
    }
    return logits;
  }

  private float[] bias(String name) {
    return store.names().contains(name) ? w(name) : null;
  }

  private double[] rmsNorm(double[] x, float[] weight) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double inv = 1 / Math.sqrt(ss / x.length + c.normEps());
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * inv * weight[i];
    }
    return out;
  }

  private void headRms(double[] x, int off, int n, float[] weight) {
    double ss = 0;
    for (int i = 0; i < n; i++) {
      ss += x[off + i] * x[off + i];
    }
    double inv = 1 / Math.sqrt(ss / n + c.normEps());
    for (int i = 0; i < n; i++) {
      x[off + i] = x[off + i] * inv * weight[i];
    }
  }

  private double[] layerNorm(double[] x, float[] weight, float[] bias) {
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= x.length;
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] - mean) / Math.sqrt(var + c.normEps()) * weight[i] + bias[i];
    }
    return out;
  }

  /** PyTorch Linear: weight [out, in]. */
  private static double[] linear(double[] x, float[] weight, float[] bias, int out) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias == null ? 0 : bias[o];
      for (int i = 0; i < x.length; i++) {
        s += weight[o * x.length + i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  /** GPT-2 Conv1D: weight [in, out]. */
  private static double[] conv1d(double[] x, float[] weight, float[] bias, int out) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias[o];
      for (int i = 0; i < x.length; i++) {
        s += weight[i * out + o] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  /** Rotate-half RoPE, frequencies from the config (including llama3 scaling). */
  private void rotate(double[] x, int heads, int pos) {
    int HS = c.headDim();
    int half = HS / 2;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        double angle = pos * c.rope().inverseFrequency(i, HS);
        double a = x[h * HS + i];
        double b = x[h * HS + i + half];
        x[h * HS + i] = a * Math.cos(angle) - b * Math.sin(angle);
        x[h * HS + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
      }
    }
  }

  private static void add(double[] x, double[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }
}
