package dev.modelforge.engine.grammar;

import dev.modelforge.engine.generate.OutputConstraint;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A grammar bound to a model's vocabulary: the token masks of its states, cached across the
 * sequences and requests that use it (compile once per grammar text, then mostly look up).
 * Thread-safe; the scheduler's threads sample different sequences at once.
 */
public final class GrammarConstraint implements OutputConstraint {

  /** Interned states before the table starts over (each state holds 2 KiB of transitions). */
  private static final int MAX_STATES = 50_000;

  /** Bytes of masks kept per grammar; past it, masks of new states are recomputed each time. */
  private static final long MASK_CACHE_BYTES = 64L << 20;

  private final Grammar grammar;
  private final TokenVocabulary vocabulary;
  private final ByteState start;
  private final ConcurrentHashMap<ByteState.Key, ByteState> states = new ConcurrentHashMap<>();
  private final AtomicLong cachedMaskBytes = new AtomicLong();

  public GrammarConstraint(Grammar grammar, TokenVocabulary vocabulary) {
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.start = intern(new ByteState(grammar.initial(), 0, 0, 0, vocabulary.removesFirstSpace));
  }

  @Override
  public OutputConstraint.Matcher newMatcher() {
    return new Matcher();
  }

  /** Whether a whole text is accepted at byte level (tests; the tokens' view of the grammar). */
  boolean acceptsBytes(byte[] text) {
    ByteState s = start;
    for (byte b : text) {
      s = step(s, b & 0xFF);
      if (s.isDead()) {
        return false;
      }
    }
    return s.accepting();
  }

  ByteState start() {
    return start;
  }

  /** The state after one more byte of output. */
  ByteState step(ByteState s, int b) {
    ByteState known = s.next[b];
    if (known != null) {
      return known;
    }
    ByteState to = intern(computeStep(s, b));
    s.next[b] = to;
    return to;
  }

  private ByteState computeStep(ByteState s, int b) {
    if (s.isDead()) {
      return ByteState.DEAD;
    }
    if (s.atStart && b == ' ') {
      return new ByteState(s.stacks, 0, 0, 0, false);
    }
    int cp;
    if (s.need > 0) {
      if ((b & 0xC0) != 0x80) {
        return ByteState.DEAD;
      }
      cp = (s.partial << 6) | (b & 0x3F);
      if (s.need > 1) {
        return partial(s.stacks, cp, s.need - 1, s.length);
      }
      if (cp < SHORTEST[s.length] || cp >= 0xD800 && cp <= 0xDFFF) {
        return ByteState.DEAD; // an overlong encoding ("n" in four bytes) or a surrogate
      }
    } else if (b < 0x80) {
      cp = b;
    } else if (b >= 0xC2 && b <= 0xDF) {
      return partial(s.stacks, b & 0x1F, 1, 2);
    } else if (b >= 0xE0 && b <= 0xEF) {
      return partial(s.stacks, b & 0x0F, 2, 3);
    } else if (b >= 0xF0 && b <= 0xF4) {
      return partial(s.stacks, b & 0x07, 3, 4);
    } else {
      return ByteState.DEAD; // a continuation byte with nothing to continue, or never UTF-8
    }
    Grammar.Stacks after = grammar.advance(s.stacks, cp);
    return after.isDead() ? ByteState.DEAD : new ByteState(after, 0, 0, 0, false);
  }

  /** The smallest code point each UTF-8 length may encode; anything less is overlong. */
  private static final int[] SHORTEST = {0, 0, 0x80, 0x800, 0x10000};

  /**
   * A character begun but not finished: alive while some stack accepts a character it may still
   * become, among those its length may encode (so overlong and surrogate prefixes die at once, as
   * strict UTF-8 decoding requires).
   */
  private ByteState partial(Grammar.Stacks stacks, int bits, int need, int length) {
    int lo = Math.max(bits << (6 * need), SHORTEST[length]);
    int hi = Math.min((bits << (6 * need)) | ((1 << (6 * need)) - 1), CharSet.MAX);
    if (lo > hi || lo >= 0xD800 && hi <= 0xDFFF || !grammar.acceptsSome(stacks, lo, hi)) {
      return ByteState.DEAD;
    }
    return new ByteState(stacks, bits, need, length, false);
  }

  private ByteState intern(ByteState s) {
    if (s.isDead()) {
      return s;
    }
    if (states.size() > MAX_STATES) {
      states.clear(); // states in use stay valid; they are just no longer shared
    }
    ByteState known = states.putIfAbsent(s.key(), s);
    return known != null ? known : s;
  }

  /** The tokens allowed from {@code s}, as a bit set over the vocabulary. */
  long[] mask(ByteState s) {
    long[] known = s.mask;
    if (known != null) {
      return known;
    }
    long[] bits = computeMask(s);
    long size = bits.length * 8L;
    if (cachedMaskBytes.addAndGet(size) <= MASK_CACHE_BYTES) {
      s.mask = bits;
    } else {
      cachedMaskBytes.addAndGet(-size);
    }
    return bits;
  }

  /**
   * Walks the sorted vocabulary as a trie: {@code at[d]} is the state after the first d bytes of
   * the current token, reused for the prefix it shares with the previous one; when a prefix dies,
   * every following token that starts with it is skipped unread.
   */
  private long[] computeMask(ByteState s) {
    int[] sorted = vocabulary.sorted;
    int[] lcp = vocabulary.lcp;
    long[] bits = new long[(vocabulary.size() + 63) >>> 6];
    ByteState[] at = new ByteState[vocabulary.longest + 1];
    at[0] = s;
    int valid = 0;
    int i = 0;
    outer:
    while (i < sorted.length) {
      int id = sorted[i];
      byte[] b = vocabulary.bytes(id);
      for (int d = Math.min(lcp[i], valid); d < b.length; d++) {
        ByteState to = step(at[d], b[d] & 0xFF);
        if (to.isDead()) {
          valid = d;
          i++;
          while (i < sorted.length && lcp[i] > d) {
            i++;
          }
          continue outer;
        }
        at[d + 1] = to;
      }
      valid = b.length;
      bits[id >>> 6] |= 1L << id;
      i++;
    }
    return bits;
  }

  private final class Matcher implements OutputConstraint.Matcher {
    private ByteState state = start;

    @Override
    public int mask(float[] logits, int vocab) {
      long[] bits = GrammarConstraint.this.mask(state);
      int allowed = 0;
      for (int w = 0; w * 64 < vocab; w++) {
        long word = w < bits.length ? bits[w] : 0;
        int base = w * 64;
        int end = Math.min(vocab, base + 64);
        if (word == -1L && end - base == 64) {
          allowed += 64;
          continue;
        }
        for (int t = base; t < end; t++) {
          if ((word & (1L << t)) == 0) {
            logits[t] = Float.NEGATIVE_INFINITY;
          } else {
            allowed++;
          }
        }
      }
      return allowed;
    }

    @Override
    public boolean canEnd() {
      return state.accepting();
    }

    @Override
    public boolean isComplete() {
      return state.complete();
    }

    @Override
    public OutputConstraint.Matcher copy() {
      Matcher m = new Matcher();
      m.state = state;
      return m;
    }

    @Override
    public void accept(int tokenId) {
      byte[] b = vocabulary.bytes(tokenId);
      if (b == null) {
        throw new IllegalStateException("token " + tokenId + " is not content the grammar allows");
      }
      ByteState s = state;
      for (byte x : b) {
        s = step(s, x & 0xFF);
      }
      if (s.isDead()) {
        throw new IllegalStateException("token " + tokenId + " breaks the grammar");
      }
      state = s;
    }
  }
}
