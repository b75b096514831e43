package dev.modelforge.engine.train.data;

/**
 * One training sequence: its token ids and which of them the model must learn to predict (the
 * completion, the assistant turns, or all of a plain text), with the dataset line it came from.
 *
 * @param tokens [L] ids
 * @param isTarget [L] whether token i counts towards the loss (predicted from tokens 0 .. i-1);
 *     token 0 never does
 */
public record Example(int[] tokens, boolean[] isTarget, int line) {

  public int length() {
    return tokens.length;
  }

  public int targetCount() {
    int n = 0;
    for (int i = 1; i < tokens.length; i++) {
      if (isTarget[i]) {
        n++;
      }
    }
    return n;
  }
}
