package dev.modelforge.engine.config;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every tensor of the engine's decoder families, with its name in Hugging Face checkpoints and in
 * llama.cpp's GGUF files (gguf-py's {@code TENSOR_NAMES}, as convert_hf_to_gguf maps them): one
 * table per family, the one place these names are spelled. Loading, training, {@code init}, LoRA
 * and GGUF conversion all ask it.
 *
 * <p>GPT-2's checkpoints are GPT2LMHeadModel's ({@code transformer.h.0.ln_1.weight}); the bare
 * GPT2Model names ({@code h.0.ln_1.weight}) of some checkpoints are read through {@link #forStore}.
 */
public final class TensorNames {

  /** What a tensor is, whatever a family calls it. */
  public enum Tensor {
    EMBED(false),
    POSITIONS(false),
    FINAL_NORM(false),
    FINAL_NORM_BIAS(false),
    LM_HEAD(false),
    ATTN_NORM(true),
    ATTN_NORM_BIAS(true),
    Q(true),
    Q_BIAS(true),
    K(true),
    K_BIAS(true),
    V(true),
    V_BIAS(true),
    /** GPT-2's fused projection, output [3C] = q | k | v. */
    QKV(true),
    QKV_BIAS(true),
    Q_NORM(true),
    K_NORM(true),
    O(true),
    O_BIAS(true),
    FFN_NORM(true),
    FFN_NORM_BIAS(true),
    GATE(true),
    UP(true),
    UP_BIAS(true),
    DOWN(true),
    DOWN_BIAS(true);

    private final boolean perLayer;

    Tensor(boolean perLayer) {
      this.perLayer = perLayer;
    }

    public boolean perLayer() {
      return perLayer;
    }
  }

  /** A tensor and its layer (-1 for a tensor outside the layers). */
  public record Named(Tensor tensor, int layer) {}

  /** One family's names: HF globals are whole, HF layer names follow the layer prefix. */
  private record Entry(String hf, String gguf) {}

  private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

  private static final Map<Tensor, Entry> LLAMA = new EnumMap<>(Tensor.class);
  private static final Map<Tensor, Entry> GPT2 = new EnumMap<>(Tensor.class);

  static {
    LLAMA.put(Tensor.EMBED, new Entry("model.embed_tokens.weight", "token_embd.weight"));
    LLAMA.put(Tensor.FINAL_NORM, new Entry("model.norm.weight", "output_norm.weight"));
    LLAMA.put(Tensor.LM_HEAD, new Entry("lm_head.weight", "output.weight"));
    LLAMA.put(Tensor.ATTN_NORM, new Entry("input_layernorm.weight", "attn_norm.weight"));
    LLAMA.put(Tensor.Q, new Entry("self_attn.q_proj.weight", "attn_q.weight"));
    LLAMA.put(Tensor.Q_BIAS, new Entry("self_attn.q_proj.bias", "attn_q.bias"));
    LLAMA.put(Tensor.K, new Entry("self_attn.k_proj.weight", "attn_k.weight"));
    LLAMA.put(Tensor.K_BIAS, new Entry("self_attn.k_proj.bias", "attn_k.bias"));
    LLAMA.put(Tensor.V, new Entry("self_attn.v_proj.weight", "attn_v.weight"));
    LLAMA.put(Tensor.V_BIAS, new Entry("self_attn.v_proj.bias", "attn_v.bias"));
    LLAMA.put(Tensor.Q_NORM, new Entry("self_attn.q_norm.weight", "attn_q_norm.weight"));
    LLAMA.put(Tensor.K_NORM, new Entry("self_attn.k_norm.weight", "attn_k_norm.weight"));
    LLAMA.put(Tensor.O, new Entry("self_attn.o_proj.weight", "attn_output.weight"));
    LLAMA.put(Tensor.FFN_NORM, new Entry("post_attention_layernorm.weight", "ffn_norm.weight"));
    LLAMA.put(Tensor.GATE, new Entry("mlp.gate_proj.weight", "ffn_gate.weight"));
    LLAMA.put(Tensor.UP, new Entry("mlp.up_proj.weight", "ffn_up.weight"));
    LLAMA.put(Tensor.DOWN, new Entry("mlp.down_proj.weight", "ffn_down.weight"));

    GPT2.put(Tensor.EMBED, new Entry("wte.weight", "token_embd.weight"));
    GPT2.put(Tensor.POSITIONS, new Entry("wpe.weight", "position_embd.weight"));
    GPT2.put(Tensor.FINAL_NORM, new Entry("ln_f.weight", "output_norm.weight"));
    GPT2.put(Tensor.FINAL_NORM_BIAS, new Entry("ln_f.bias", "output_norm.bias"));
    GPT2.put(Tensor.LM_HEAD, new Entry("lm_head.weight", "output.weight"));
    GPT2.put(Tensor.ATTN_NORM, new Entry("ln_1.weight", "attn_norm.weight"));
    GPT2.put(Tensor.ATTN_NORM_BIAS, new Entry("ln_1.bias", "attn_norm.bias"));
    GPT2.put(Tensor.QKV, new Entry("attn.c_attn.weight", "attn_qkv.weight"));
    GPT2.put(Tensor.QKV_BIAS, new Entry("attn.c_attn.bias", "attn_qkv.bias"));
    GPT2.put(Tensor.O, new Entry("attn.c_proj.weight", "attn_output.weight"));
    GPT2.put(Tensor.O_BIAS, new Entry("attn.c_proj.bias", "attn_output.bias"));
    GPT2.put(Tensor.FFN_NORM, new Entry("ln_2.weight", "ffn_norm.weight"));
    GPT2.put(Tensor.FFN_NORM_BIAS, new Entry("ln_2.bias", "ffn_norm.bias"));
    GPT2.put(Tensor.UP, new Entry("mlp.c_fc.weight", "ffn_up.weight"));
    GPT2.put(Tensor.UP_BIAS, new Entry("mlp.c_fc.bias", "ffn_up.bias"));
    GPT2.put(Tensor.DOWN, new Entry("mlp.c_proj.weight", "ffn_down.weight"));
    GPT2.put(Tensor.DOWN_BIAS, new Entry("mlp.c_proj.bias", "ffn_down.bias"));
  }

  private static final TensorNames LLAMA_NAMES = new TensorNames(LLAMA, "", "model.layers.");
  private static final TensorNames GPT2_NAMES = new TensorNames(GPT2, "transformer.", "h.");
  private static final TensorNames GPT2_BARE = new TensorNames(GPT2, "", "h.");

  private final Map<Tensor, Entry> table;

  /** What a family's global names (but the head) and layer names start with. */
  private final String root;

  private final String layers;
  private final Pattern hfLayer;

  private TensorNames(Map<Tensor, Entry> table, String root, String layers) {
    this.table = table;
    this.root = root;
    this.layers = layers;
    this.hfLayer = Pattern.compile(Pattern.quote(root + layers) + "(\\d+)\\.(.+)");
  }

  /** The names {@code arch}'s checkpoints use (GPT-2: GPT2LMHeadModel's). */
  public static TensorNames of(Architecture arch) {
    return arch.isGpt2() ? GPT2_NAMES : LLAMA_NAMES;
  }

  /**
   * The names of a checkpoint holding {@code names}: {@link #of} but for a GPT-2 checkpoint saved
   * as bare GPT2Model, whose names lack {@code transformer.}.
   */
  public static TensorNames forStore(Architecture arch, Collection<String> names) {
    if (arch.isGpt2() && !names.contains(GPT2_NAMES.hf(Tensor.EMBED))) {
      return names.contains(GPT2_BARE.hf(Tensor.EMBED)) ? GPT2_BARE : GPT2_NAMES;
    }
    return of(arch);
  }

  /** Whether this family has {@code t} at all (GPT-2 has no gate, Llama no fused QKV). */
  public boolean has(Tensor t) {
    return table.containsKey(t);
  }

  /** The HF name of global tensor {@code t}. */
  public String hf(Tensor t) {
    Entry e = entry(t, false);
    return t == Tensor.LM_HEAD ? e.hf() : root + e.hf();
  }

  /** The HF name of layer {@code layer}'s tensor {@code t}. */
  public String hf(Tensor t, int layer) {
    return root + layers + layer + "." + entry(t, true).hf();
  }

  /** The HF module of a layer's weight {@code t}, as PEFT names it: its name less ".weight". */
  public String module(Tensor t, int layer) {
    return stripWeight(hf(t, layer));
  }

  /** As {@link #module(Tensor, int)}, within the layer ({@code self_attn.q_proj}). */
  public String layerModule(Tensor t) {
    return stripWeight(entry(t, true).hf());
  }

  /** The GGUF name of global tensor {@code t}. */
  public String gguf(Tensor t) {
    return entry(t, false).gguf();
  }

  /** The GGUF name of layer {@code layer}'s tensor {@code t}. */
  public String gguf(Tensor t, int layer) {
    return "blk." + layer + "." + entry(t, true).gguf();
  }

  /**
   * What the HF tensor {@code name} is, or null if this family has no such tensor. GPT-2's bare
   * GPT2Model names are recognised too.
   */
  public Named parseHf(String hfName) {
    String name =
        root.isEmpty() || hfName.startsWith(root) || hfName.equals(hf(Tensor.LM_HEAD))
            ? hfName
            : root + hfName;
    for (Map.Entry<Tensor, Entry> e : table.entrySet()) {
      if (!e.getKey().perLayer() && hf(e.getKey()).equals(name)) {
        return new Named(e.getKey(), -1);
      }
    }
    Matcher m = hfLayer.matcher(name);
    return m.matches() ? layerTensor(m, e -> e.hf()) : null;
  }

  /** What the GGUF tensor {@code name} is, or null if this family has no such tensor. */
  public Named parseGguf(String name) {
    for (Map.Entry<Tensor, Entry> e : table.entrySet()) {
      if (!e.getKey().perLayer() && e.getValue().gguf().equals(name)) {
        return new Named(e.getKey(), -1);
      }
    }
    Matcher m = GGUF_LAYER.matcher(name);
    return m.matches() ? layerTensor(m, Entry::gguf) : null;
  }

  /** The HF name of {@code n}. */
  public String hf(Named n) {
    return n.layer() < 0 ? hf(n.tensor()) : hf(n.tensor(), n.layer());
  }

  /** The GGUF name of {@code n}. */
  public String gguf(Named n) {
    return n.layer() < 0 ? gguf(n.tensor()) : gguf(n.tensor(), n.layer());
  }

  private Named layerTensor(Matcher m, java.util.function.Function<Entry, String> name) {
    for (Map.Entry<Tensor, Entry> e : table.entrySet()) {
      if (e.getKey().perLayer() && name.apply(e.getValue()).equals(m.group(2))) {
        return new Named(e.getKey(), Integer.parseInt(m.group(1)));
      }
    }
    return null;
  }

  private Entry entry(Tensor t, boolean perLayer) {
    Entry e = table.get(t);
    if (e == null || t.perLayer() != perLayer) {
      throw new IllegalArgumentException(
          (e == null ? "this architecture has no tensor " : "tensor is not ")
              + (e == null ? t : (perLayer ? "per layer: " : "global: ") + t));
    }
    return e;
  }

  private static String stripWeight(String name) {
    return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : name;
  }
}
