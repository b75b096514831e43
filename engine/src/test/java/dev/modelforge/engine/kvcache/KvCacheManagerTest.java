package dev.modelforge.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.model.TestModels;
import org.junit.jupiter.api.Test;

/** The block bookkeeping the scheduler hands to the KV-cache manager. */
class KvCacheManagerTest {

  private static final int BS = 4;
  private final BlockPool pool = new BlockPool(TestModels.config("llama-gqa"), 8, BS, true);
  private final KvCacheManager kv = new KvCacheManager(pool);

  private static int[] tokens(int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = i % 90 + 1;
    }
    return t;
  }

  @Test
  void aComputedPrefixIsReusedByTheNextSequenceWithOneTokenLeftToCompute() {
    int[] prompt = tokens(12);
    var first = kv.open(0);
    assertThat(kv.reusePrefix(first, prompt, 12)).isZero();
    assertThat(kv.allocate(first, 12)).isTrue();
    kv.registerFull(first, prompt, 12);
    kv.free(first);

    var second = kv.open(0);
    // three full blocks are cached, but the last token must be computed for its logits
    assertThat(kv.reusePrefix(second, prompt, 12)).isEqualTo(8);
    assertThat(second.blockCount()).isEqualTo(2);
    assertThat(kv.reusePrefix(kv.open(0), prompt, 13)).isEqualTo(12);
  }

  @Test
  void anotherAdapterDoesNotShareTheBasesBlocks() {
    int[] prompt = tokens(9);
    var base = kv.open(0);
    kv.allocate(base, 9);
    kv.registerFull(base, prompt, 9);
    assertThat(kv.reusePrefix(kv.open(7), prompt, 9)).isZero();
    assertThat(kv.reusePrefix(kv.open(0), prompt, 9)).isEqualTo(8);
  }

  @Test
  void allocationStopsWhenThePoolRunsOutAndFreeingGivesTheBlocksBack() {
    var a = kv.open(0);
    assertThat(kv.allocate(a, 6 * BS)).isTrue();
    var b = kv.open(0);
    assertThat(kv.allocate(b, 3 * BS)).isFalse();
    assertThat(b.blockCount()).isEqualTo(2);
    assertThat(kv.usage()).isEqualTo(1.0);
    kv.free(a);
    assertThat(kv.allocate(b, 3 * BS)).isTrue();
    kv.free(b);
    assertThat(kv.usage()).isZero();
  }
}
