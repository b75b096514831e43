package dev.modelforge.engine.generate;

/**
 * Repetition, presence and frequency penalties as vLLM applies them: repetition over prompt and
 * output tokens (divide positive logits, multiply negative ones), presence and frequency over
 * output tokens only (OpenAI's definition).
 */
public final class TokenPenalties {

  private final double repetition;
  private final double presence;
  private final double frequency;
  private final boolean[] seen;
  private final int[] outputCounts;

  public TokenPenalties(SamplingParams p, int vocab, int[] prompt) {
    this.repetition = p.repetitionPenalty();
    this.presence = p.presencePenalty();
    this.frequency = p.frequencyPenalty();
    this.seen = new boolean[vocab];
    this.outputCounts = new int[vocab];
    for (int id : prompt) {
      seen[id] = true;
    }
  }

  public boolean active() {
    return repetition != 1 || presence != 0 || frequency != 0;
  }

  public void record(int id) {
    seen[id] = true;
    outputCounts[id]++;
  }

  public void apply(float[] logits, int vocab) {
    for (int i = 0; i < vocab; i++) {
      if (repetition != 1 && seen[i]) {
        logits[i] = (float) (logits[i] > 0 ? logits[i] / repetition : logits[i] * repetition);
      }
      int c = outputCounts[i];
      if (c > 0) {
        logits[i] -= (float) (presence + frequency * c);
      }
    }
  }
}
