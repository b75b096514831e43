package dev.modelforge.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Type names are parsed in one place, so every command accepts the same spellings. */
class DTypeNamesTest {

  @Test
  void everySpellingNamesItsType() {
    assertThat(DType.parse("F32")).contains(DType.F32);
    assertThat(DType.parse("float32")).contains(DType.F32);
    assertThat(DType.parse("half")).contains(DType.F16);
    assertThat(DType.parse("bfloat16")).contains(DType.BF16);
    assertThat(DType.parse("bf16")).contains(DType.BF16);
    assertThat(DType.parse("q8")).contains(DType.Q8_0);
    assertThat(DType.parse("Q4_0")).contains(DType.Q4_0);
    assertThat(DType.parse("float64")).isEmpty();
    assertThat(DType.parse(null)).isEmpty();
  }

  @Test
  void eachTypeReadsBackFromItsOwnNames() {
    for (DType t : DType.values()) {
      assertThat(DType.parse(t.shortName())).contains(t);
      assertThat(DType.parse(t.hfName())).contains(t);
    }
    assertThat(DType.BF16.hfName()).isEqualTo("bfloat16");
    assertThat(DType.Q8_0.shortName()).isEqualTo("q8_0");
  }
}
