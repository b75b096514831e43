package dev.modelforge.engine.grammar;

/**
 * A grammar state at byte granularity: the parse stacks plus a UTF-8 character still being read
 * (tokens split characters). States are interned by {@link GrammarConstraint}, so the byte
 * transitions and the token mask are computed once per state and then looked up: in effect a
 * deterministic automaton over bytes, built lazily as the output visits it.
 */
final class ByteState {

  /** What any byte leads to from a dead end. */
  static final ByteState DEAD = new ByteState(null, 0, 0, 0, false);

  final Grammar.Stacks stacks;

  /** The bits of the character read so far, and how many continuation bytes it still needs. */
  final int partial;

  final int need;

  /** Bytes of the character being read, lead byte included (0 when none is). */
  final int length;

  /**
   * Nothing has been output yet and the decoder drops a first space (Llama 2): a space byte here is
   * absorbed, as the client will never see it.
   */
  final boolean atStart;

  /** Transitions by unsigned byte, filled as they are first taken; a race recomputes the same. */
  final ByteState[] next = new ByteState[256];

  /** The allowed tokens as a bit set, once computed (and when the cache had room). */
  volatile long[] mask;

  ByteState(Grammar.Stacks stacks, int partial, int need, int length, boolean atStart) {
    this.stacks = stacks;
    this.partial = partial;
    this.need = need;
    this.length = length;
    this.atStart = atStart;
  }

  boolean isDead() {
    return this == DEAD;
  }

  /** A complete sentence of the grammar ends here. */
  boolean accepting() {
    return need == 0 && stacks != null && stacks.accepting();
  }

  /** Nothing may follow. */
  boolean complete() {
    return need == 0 && stacks != null && stacks.isComplete();
  }

  record Key(Grammar.Stacks stacks, int partial, int need, int length, boolean atStart) {}

  Key key() {
    return new Key(stacks, partial, need, length, atStart);
  }
}
