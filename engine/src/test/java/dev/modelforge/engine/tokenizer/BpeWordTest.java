package dev.modelforge.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BpeWordTest {

  // Symbols: a=0 b=1 c=2; merged tokens: ab=3 bc=4 abc=5 aa=6
  private static int[] merge(MergeTable merges, int... symbols) {
    int[] ids = Arrays.copyOf(symbols, symbols.length);
    int count = BpeWord.mergeAll(ids, ids.length, merges);
    return Arrays.copyOf(ids, count);
  }

  @Test
  void appliesTheLowestRankedMergeFirst() {
    MergeTable merges = new MergeTable(3);
    merges.put(1, 2, 0, 4); // b c -> bc, rank 0
    merges.put(0, 1, 1, 3); // a b -> ab, rank 1
    merges.put(0, 4, 2, 5); // a bc -> abc, rank 2

    assertThat(merge(merges, 0, 1, 2)).containsExactly(5);
  }

  @Test
  void mergesTheLeftmostPairOnATie() {
    MergeTable merges = new MergeTable(1);
    merges.put(0, 0, 0, 6); // a a -> aa

    assertThat(merge(merges, 0, 0, 0)).containsExactly(6, 0);
    assertThat(merge(merges, 0, 0, 0, 0, 0)).containsExactly(6, 6, 0);
  }

  @Test
  void leavesSymbolsWithoutMergesAlone() {
    MergeTable merges = new MergeTable(1);
    merges.put(0, 1, 0, 3);

    assertThat(merge(merges, 2, 2, 1, 0)).containsExactly(2, 2, 1, 0);
    assertThat(merge(merges, 2, 0, 1, 2)).containsExactly(2, 3, 2);
  }

  @Test
  void aPairListedTwiceKeepsItsLastRank() {
    MergeTable merges = new MergeTable(3);
    merges.put(0, 1, 0, 3);
    merges.put(1, 2, 1, 4);
    merges.put(0, 1, 2, 3); // a b again, now ranked after b c

    assertThat(merge(merges, 0, 1, 2)).containsExactly(0, 4);
    assertThat(merges.size()).isEqualTo(2);
  }

  @Test
  void mergeTableFindsEveryPairOfALargeTable() {
    int n = 100_000;
    MergeTable merges = new MergeTable(n);
    for (int i = 0; i < n; i++) {
      merges.put(i, i * 7 + 1, i, n + i);
    }

    for (int i = 0; i < n; i++) {
      long found = merges.get(i, i * 7 + 1);
      assertThat(MergeTable.rank(found)).isEqualTo(i);
      assertThat(MergeTable.mergedId(found)).isEqualTo(n + i);
    }
    assertThat(merges.get(1, 1)).isEqualTo(MergeTable.ABSENT);
  }
}
