package dev.modelforge.engine.train.data;

/**
 * B sequences right-padded to T tokens for teacher forcing: row {@code n = b · T + t} feeds {@code
 * inputs[n]} and is scored against {@code targets[n]}, the next token, or {@link #IGNORE} where it
 * must not count (prompt tokens, padding). A packed sequence holds several examples one after
 * another: each row attends only within its own segment, and positions restart at each segment, so
 * packed examples see exactly what they would see alone.
 *
 * @param inputs [B, T] token ids, padding filled with a valid id
 * @param targets [B, T] next-token ids or -1
 * @param lengths [B] real tokens per sequence; rows at or past it are padding
 * @param segmentStarts [B, T] the t at which each row's segment begins (all 0 without packing)
 */
public record MicroBatch(
    int batch, int seqLen, int[] inputs, int[] targets, int[] lengths, int[] segmentStarts) {

  /** The target of a row that is not scored. */
  public static final int IGNORE = -1;

  /** One example per sequence. */
  public MicroBatch(int batch, int seqLen, int[] inputs, int[] targets, int[] lengths) {
    this(batch, seqLen, inputs, targets, lengths, new int[batch * seqLen]);
  }

  public MicroBatch {
    if (segmentStarts.length != batch * seqLen) {
      throw new IllegalArgumentException("segmentStarts must hold B · T = " + batch * seqLen);
    }
    if (inputs.length != batch * seqLen || targets.length != batch * seqLen) {
      throw new IllegalArgumentException("inputs and targets must hold B · T = " + batch * seqLen);
    }
    if (lengths.length != batch) {
      throw new IllegalArgumentException("lengths must hold B = " + batch + " entries");
    }
  }

  /** The position of row n within its segment: what RoPE and learned positions see. */
  public int position(int n) {
    return n % seqLen - segmentStarts[n];
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
