package dev.modelforge.engine.embed;

import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.tensor.Parallel;

/**
 * Embeddings from a decoder model: the prompt through the blocks and the final norm (no output
 * head), then pooled. Buffers grow to the longest input seen and are reused; one caller at a time
 * (the serving engine runs it on its own thread, between scheduler steps).
 */
public final class Embedder {

  /** Tokens per chunk of the forward pass, as prefill runs them. */
  private static final int CHUNK = 64;

  private final DecoderModel model;
  private final InferenceState state;
  private float[] hidden = new float[0];

  public Embedder(DecoderModel model, Parallel pool) {
    this.model = model;
    this.state = model.newPoolingState(CHUNK, pool);
  }

  /** The embedding of {@code tokens}: {@code C} floats. */
  public float[] embed(int[] tokens, Pooling pooling, boolean normalize) {
    int vocab = model.config().vocabSize();
    if (tokens.length == 0) {
      throw new IllegalArgumentException("the input is empty; give at least one token");
    }
    if (tokens.length > model.maxPositions()) {
      throw new IllegalArgumentException(
          "the input has "
              + tokens.length
              + " tokens but the model's context is "
              + model.maxPositions());
    }
    for (int id : tokens) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            "token id " + id + " is outside the vocabulary of " + vocab);
      }
    }
    int dim = model.config().dim();
    if (hidden.length < tokens.length * dim) {
      hidden = new float[tokens.length * dim];
    }
    KvCache cache = model.newCache(tokens.length);
    model.hiddenStates(state, cache, tokens, hidden);
    return pooling.pool(hidden, tokens.length, dim, normalize);
  }

  public int dimensions() {
    return model.config().dim();
  }
}
