package dev.modelforge.engine.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of Unicode code points as sorted, disjoint, inclusive ranges {@code [lo0, hi0, lo1, hi1,
 * ...]}; negated classes are complemented when built, so matching is one search.
 */
final class CharSet {

  static final int MAX = 0x10FFFF;
  static final CharSet ANY = new CharSet(new int[] {0, MAX});

  private final int[] ranges;

  private CharSet(int[] ranges) {
    this.ranges = ranges;
  }

  static CharSet of(int codePoint) {
    return new CharSet(new int[] {codePoint, codePoint});
  }

  /** The union of the inclusive ranges {@code pairs}, complemented when {@code negated}. */
  static CharSet of(List<int[]> pairs, boolean negated) {
    List<int[]> sorted = new ArrayList<>(pairs);
    sorted.sort((a, b) -> Integer.compare(a[0], b[0]));
    List<int[]> merged = new ArrayList<>();
    for (int[] r : sorted) {
      if (!merged.isEmpty() && r[0] <= merged.getLast()[1] + 1) {
        merged.getLast()[1] = Math.max(merged.getLast()[1], r[1]);
      } else {
        merged.add(new int[] {r[0], r[1]});
      }
    }
    if (negated) {
      List<int[]> complement = new ArrayList<>();
      int next = 0;
      for (int[] r : merged) {
        if (r[0] > next) {
          complement.add(new int[] {next, r[0] - 1});
        }
        next = r[1] + 1;
      }
      if (next <= MAX) {
        complement.add(new int[] {next, MAX});
      }
      merged = complement;
    }
    int[] flat = new int[merged.size() * 2];
    for (int i = 0; i < merged.size(); i++) {
      flat[2 * i] = merged.get(i)[0];
      flat[2 * i + 1] = merged.get(i)[1];
    }
    return new CharSet(flat);
  }

  boolean contains(int cp) {
    int n = ranges.length;
    if (n <= 8) {
      for (int i = 0; i < n; i += 2) {
        if (cp < ranges[i]) {
          return false;
        }
        if (cp <= ranges[i + 1]) {
          return true;
        }
      }
      return false;
    }
    int lo = 0;
    int hi = n / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < ranges[2 * mid]) {
        hi = mid - 1;
      } else if (cp > ranges[2 * mid + 1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  /** Whether any code point in {@code [lo, hi]} is in the set. */
  boolean intersects(int lo, int hi) {
    for (int i = 0; i < ranges.length; i += 2) {
      if (ranges[i] <= hi && ranges[i + 1] >= lo) {
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return ranges.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharSet c && Arrays.equals(ranges, c.ranges);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ranges);
  }
}
