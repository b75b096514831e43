package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.config.Architecture;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names in llama.cpp's GGUF files (gguf-py's {@code TENSOR_NAMES}) and the Hugging Face
 * names they come from, as convert_hf_to_gguf maps them. GPT-2's HF names are given with the {@code
 * transformer.} prefix of GPT2LMHeadModel; the bare GPT2Model names are accepted too.
 */
final class LlamaCppNames {

  static final String TOKEN_EMBEDDING = "token_embd.weight";
  static final String POSITION_EMBEDDING = "position_embd.weight";
  static final String OUTPUT = "output.weight";

  /** llama3 RoPE frequency factors, one per rotary pair; llama.cpp reads them as a tensor. */
  static final String ROPE_FREQS = "rope_freqs.weight";

  private static final Map<String, String> LLAMA_GLOBALS =
      Map.of(
          "model.embed_tokens.weight", TOKEN_EMBEDDING,
          "model.norm.weight", "output_norm.weight",
          "lm_head.weight", OUTPUT);

  private static final Map<String, String> LLAMA_LAYER =
      Map.ofEntries(
          Map.entry("input_layernorm.weight", "attn_norm.weight"),
          Map.entry("self_attn.q_proj.weight", "attn_q.weight"),
          Map.entry("self_attn.q_proj.bias", "attn_q.bias"),
          Map.entry("self_attn.k_proj.weight", "attn_k.weight"),
          Map.entry("self_attn.k_proj.bias", "attn_k.bias"),
          Map.entry("self_attn.v_proj.weight", "attn_v.weight"),
          Map.entry("self_attn.v_proj.bias", "attn_v.bias"),
          Map.entry("self_attn.o_proj.weight", "attn_output.weight"),
          Map.entry("self_attn.q_norm.weight", "attn_q_norm.weight"),
          Map.entry("self_attn.k_norm.weight", "attn_k_norm.weight"),
          Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
          Map.entry("mlp.gate_proj.weight", "ffn_gate.weight"),
          Map.entry("mlp.up_proj.weight", "ffn_up.weight"),
          Map.entry("mlp.down_proj.weight", "ffn_down.weight"));

  private static final Map<String, String> GPT2_GLOBALS =
      Map.of(
          "transformer.wte.weight", TOKEN_EMBEDDING,
          "transformer.wpe.weight", POSITION_EMBEDDING,
          "transformer.ln_f.weight", "output_norm.weight",
          "transformer.ln_f.bias", "output_norm.bias",
          "lm_head.weight", OUTPUT);

  private static final Map<String, String> GPT2_LAYER =
      Map.ofEntries(
          Map.entry("ln_1.weight", "attn_norm.weight"),
          Map.entry("ln_1.bias", "attn_norm.bias"),
          Map.entry("attn.c_attn.weight", "attn_qkv.weight"),
          Map.entry("attn.c_attn.bias", "attn_qkv.bias"),
          Map.entry("attn.c_proj.weight", "attn_output.weight"),
          Map.entry("attn.c_proj.bias", "attn_output.bias"),
          Map.entry("ln_2.weight", "ffn_norm.weight"),
          Map.entry("ln_2.bias", "ffn_norm.bias"),
          Map.entry("mlp.c_fc.weight", "ffn_up.weight"),
          Map.entry("mlp.c_fc.bias", "ffn_up.bias"),
          Map.entry("mlp.c_proj.weight", "ffn_down.weight"),
          Map.entry("mlp.c_proj.bias", "ffn_down.bias"));

  private static final Pattern HF_LLAMA_LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
  private static final Pattern HF_GPT2_LAYER =
      Pattern.compile("(?:transformer\\.)?h\\.(\\d+)\\.(.+)");
  private static final Pattern GGUF_LAYER = Pattern.compile("blk\\.(\\d+)\\.(.+)");

  private LlamaCppNames() {}

  /** The GGUF name of HF tensor {@code hf}, or null if llama.cpp has no such tensor. */
  static String toGguf(Architecture arch, String hf) {
    boolean gpt2 = arch.isGpt2();
    Map<String, String> globals = gpt2 ? GPT2_GLOBALS : LLAMA_GLOBALS;
    String name =
        gpt2 && !hf.startsWith("transformer.") && !hf.startsWith("lm_head.")
            ? "transformer." + hf
            : hf;
    if (globals.containsKey(name)) {
      return globals.get(name);
    }
    Matcher m = (gpt2 ? HF_GPT2_LAYER : HF_LLAMA_LAYER).matcher(hf);
    if (!m.matches()) {
      return null;
    }
    String suffix = (gpt2 ? GPT2_LAYER : LLAMA_LAYER).get(m.group(2));
    return suffix == null ? null : "blk." + m.group(1) + "." + suffix;
  }

  /** The HF name of GGUF tensor {@code gguf}, or null if the engine does not use it. */
  static String toHf(Architecture arch, String gguf) {
    boolean gpt2 = arch.isGpt2();
    for (Map.Entry<String, String> e : (gpt2 ? GPT2_GLOBALS : LLAMA_GLOBALS).entrySet()) {
      if (e.getValue().equals(gguf)) {
        return e.getKey();
      }
    }
    Matcher m = GGUF_LAYER.matcher(gguf);
    if (!m.matches()) {
      return null;
    }
    for (Map.Entry<String, String> e : (gpt2 ? GPT2_LAYER : LLAMA_LAYER).entrySet()) {
      if (e.getValue().equals(m.group(2))) {
        return (gpt2 ? "transformer.h." : "model.layers.") + m.group(1) + "." + e.getKey();
      }
    }
    return null;
  }

  /**
   * HF tensors convert_hf_to_gguf drops on purpose: GPT-2's causal-mask buffers and old
   * checkpoints' precomputed RoPE frequencies, which the runtime recomputes.
   */
  static boolean isDroppedBuffer(String hf) {
    return hf.endsWith(".attn.bias")
        || hf.endsWith(".attn.masked_bias")
        || hf.endsWith("rotary_emb.inv_freq");
  }
}
