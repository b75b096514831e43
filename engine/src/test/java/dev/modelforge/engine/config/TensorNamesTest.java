package dev.modelforge.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.config.TensorNames.Named;
import dev.modelforge.engine.config.TensorNames.Tensor;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TensorNamesTest {

  @Test
  void everyTensorOfEveryFamilyReadsBackFromBothItsNames() {
    for (Architecture arch : Architecture.values()) {
      TensorNames names = TensorNames.of(arch);
      for (Tensor t : Tensor.values()) {
        if (!names.has(t)) {
          continue;
        }
        Named n = new Named(t, t.perLayer() ? 3 : -1);
        assertThat(names.parseHf(names.hf(n))).as("%s %s", arch, t).isEqualTo(n);
        assertThat(names.parseGguf(names.gguf(n))).as("%s %s", arch, t).isEqualTo(n);
      }
    }
  }

  @Test
  void namesAreTheOnesTransformersAndLlamaCppWrite() {
    TensorNames llama = TensorNames.of(Architecture.QWEN3);
    TensorNames gpt2 = TensorNames.of(Architecture.GPT2);

    assertThat(llama.hf(Tensor.Q, 2)).isEqualTo("model.layers.2.self_attn.q_proj.weight");
    assertThat(llama.gguf(Tensor.Q, 2)).isEqualTo("blk.2.attn_q.weight");
    assertThat(llama.module(Tensor.DOWN, 0)).isEqualTo("model.layers.0.mlp.down_proj");
    assertThat(llama.layerModule(Tensor.GATE)).isEqualTo("mlp.gate_proj");
    assertThat(llama.hf(Tensor.LM_HEAD)).isEqualTo("lm_head.weight");
    assertThat(gpt2.hf(Tensor.EMBED)).isEqualTo("transformer.wte.weight");
    assertThat(gpt2.hf(Tensor.LM_HEAD)).isEqualTo("lm_head.weight");
    assertThat(gpt2.hf(Tensor.QKV, 1)).isEqualTo("transformer.h.1.attn.c_attn.weight");
    assertThat(gpt2.gguf(Tensor.QKV_BIAS, 1)).isEqualTo("blk.1.attn_qkv.bias");
  }

  @Test
  void bareGpt2CheckpointsAreReadUnderTheirOwnNames() {
    TensorNames bare =
        TensorNames.forStore(Architecture.GPT2, Set.of("wte.weight", "h.0.ln_1.weight"));

    assertThat(bare.hf(Tensor.EMBED)).isEqualTo("wte.weight");
    assertThat(bare.hf(Tensor.ATTN_NORM, 0)).isEqualTo("h.0.ln_1.weight");
    assertThat(TensorNames.of(Architecture.GPT2).parseHf("h.4.mlp.c_fc.bias"))
        .isEqualTo(new Named(Tensor.UP_BIAS, 4));
  }

  @Test
  void aTensorTheFamilyLacksIsNamedInTheError() {
    assertThatThrownBy(() -> TensorNames.of(Architecture.GPT2).hf(Tensor.GATE, 0))
        .hasMessageContaining("no tensor GATE");
    assertThatThrownBy(() -> TensorNames.of(Architecture.LLAMA).hf(Tensor.Q))
        .hasMessageContaining("not global: Q");
    assertThat(TensorNames.of(Architecture.LLAMA).parseHf("model.layers.0.rotary_emb.inv_freq"))
        .isNull();
  }
}
