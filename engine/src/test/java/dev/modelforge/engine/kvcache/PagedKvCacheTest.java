package dev.modelforge.engine.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.model.TestModels;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a paged cache puts each head's keys: the layout attention streams through. */
class PagedKvCacheTest {

  @Test
  void aHeadsPositionsInABlockAreOneContiguousRunAndNothingOverlaps() {
    ModelConfig config = TestModels.config("llama-gqa"); // 2 KV heads of 16
    int blockSize = 4;
    BlockPool pool = new BlockPool(config, 6, blockSize, false);
    PagedKvCache cache = new PagedKvCache(pool);
    cache.append(pool.allocate());
    cache.append(pool.allocate());
    cache.append(pool.allocate());
    int hs = config.headDim();
    int kvHeads = config.kvHeads();

    Set<Integer> starts = new HashSet<>();
    for (int pos = 0; pos < cache.capacity(); pos++) {
      for (int h = 0; h < kvHeads; h++) {
        int at = cache.offset(pos, h);
        assertThat(at % hs).isZero();
        assertThat(at + hs).isLessThanOrEqualTo(pool.keys(0).length);
        assertThat(starts.add(at)).as("position %d head %d has a row of its own", pos, h).isTrue();
        if (pos % blockSize > 0) {
          // the previous position of the same head and block sits right before it
          assertThat(at).isEqualTo(cache.offset(pos - 1, h) + hs);
        }
      }
    }
    // a block holds its heads one after another: head 1 starts where head 0's run ends
    assertThat(cache.offset(0, 1)).isEqualTo(cache.offset(blockSize - 1, 0) + hs);
  }

  @Test
  void positionsFollowTheBlockTableNotTheOrderOfTheBlocks() {
    ModelConfig config = TestModels.config("llama-gqa");
    BlockPool pool = new BlockPool(config, 4, 4, false);
    int first = pool.allocate();
    int second = pool.allocate();
    PagedKvCache cache = new PagedKvCache(pool);
    cache.append(second);
    cache.append(first);
    int blockFloats = 4 * config.kvDim();

    assertThat(cache.offset(0, 0)).isEqualTo(second * blockFloats);
    assertThat(cache.offset(4, 0)).isEqualTo(first * blockFloats);
    assertThat(cache.offset(5, 1))
        .isEqualTo(first * blockFloats + (config.headDim() * 4) + config.headDim());
  }
}
