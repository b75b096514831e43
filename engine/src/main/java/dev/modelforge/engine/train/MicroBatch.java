package dev.modelforge.engine.train;

/**
 * B sequences right-padded to T tokens for teacher forcing: row {@code n = b · T + t} feeds {@code
 * inputs[n]} at position t and is scored against {@code targets[n]}, the next token, or {@link
 * CrossEntropy#IGNORE} where it must not count (prompt tokens, padding).
 *
 * @param inputs [B, T] token ids, padding filled with a valid id
 * @param targets [B, T] next-token ids or -1
 * @param lengths [B] real tokens per sequence; rows at or past it are padding
 */
public record MicroBatch(int batch, int seqLen, int[] inputs, int[] targets, int[] lengths) {

  public MicroBatch {
    if (inputs.length != batch * seqLen || targets.length != batch * seqLen) {
      throw new IllegalArgumentException("inputs and targets must hold B · T = " + batch * seqLen);
    }
    if (lengths.length != batch) {
      throw new IllegalArgumentException("lengths must hold B = " + batch + " entries");
    }
  }

  public int rows() {
    return batch * seqLen;
  }

  /** Positions that count towards the loss. */
  public int targetCount() {
    int n = 0;
    for (int t : targets) {
      if (t >= 0) {
        n++;
      }
    }
    return n;
  }

  public int tokenCount() {
    int n = 0;
    for (int l : lengths) {
      n += l;
    }
    return n;
  }
}
