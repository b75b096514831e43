package dev.modelforge.runtime.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code --kv-cache-memory auto}: the cache takes a share of the heap the model leaves. */
class KvCacheBudgetTest {

  private static final long GIB = 1L << 30;

  @Test
  void autoTakesTheUtilizationOfTheHeapLeftOnceTheModelIsLoaded() {
    assertThat(ServingEngine.autoKvCacheBytes(4 * GIB, GIB, 0.9)).isEqualTo((long) (3 * GIB * 0.9));
    assertThat(ServingEngine.autoKvCacheBytes(4 * GIB, GIB, 1.0)).isEqualTo(3 * GIB);
    assertThat(ServingEngine.autoKvCacheBytes(GIB, 2 * GIB, 0.9))
        .as("a model that filled the heap leaves nothing, and the server says so")
        .isZero();
  }

  @Test
  void aUtilizationOutsideZeroToOneIsRefused() {
    for (double bad : new double[] {0, -0.5, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> ServingEngine.autoKvCacheBytes(GIB, 0, bad))
          .hasMessageContaining("--memory-utilization");
    }
  }
}
