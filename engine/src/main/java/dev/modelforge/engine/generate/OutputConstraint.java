package dev.modelforge.engine.generate;

/**
 * A rule the output text must follow (a grammar, a JSON schema, a regex), enforced by masking the
 * logits of every token that would break it before sampling. Shared by the choices of a request;
 * each sequence follows it with its own {@link Matcher}.
 */
public interface OutputConstraint {

  Matcher newMatcher();

  /** Where one sequence stands in the constraint. Not thread-safe: one per sequence. */
  interface Matcher {

    /**
     * Sets the logits of the tokens the constraint forbids next to negative infinity, the end
     * tokens included (the caller decides those with {@link #canEnd}).
     *
     * @return how many tokens stay allowed
     */
    int mask(float[] logits, int vocab);

    /** Whether the output so far is complete, so an end token may come now. */
    boolean canEnd();

    /** Whether nothing can follow: the output is complete and must end here. */
    boolean isComplete();

    /** Moves past a token the mask allowed. */
    void accept(int tokenId);

    /** An independent matcher at the same place (beam search forks hypotheses). */
    Matcher copy();
  }
}
