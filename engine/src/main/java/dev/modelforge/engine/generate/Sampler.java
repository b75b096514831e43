package dev.modelforge.engine.generate;

/**
 * Picks the next token from logits over the vocabulary. Filters (temperature, top-k, top-p, min-p)
 * are samplers that transform the logits in place and delegate to an inner sampler.
 */
@FunctionalInterface
public interface Sampler {

  /** Chooses a token id from {@code logits[0 .. vocab)}; may overwrite the logits. */
  int sample(float[] logits, int vocab);

  /** Greedy decoding: the arg-max, lowest id on ties (as torch.argmax). */
  Sampler GREEDY = Sampler::argmax;

  static int argmax(float[] logits, int vocab) {
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }
}
