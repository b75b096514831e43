package dev.modelforge.engine.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.testing.Check;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embeddings are the final-normed hidden states the output head reads: the last token's, put
 * through the head, gives exactly the logits generation sees, across prefill chunks too.
 */
class EmbedderTest {

  @TempDir Path dir;
  private Parallel pool;
  private LoadedModel loaded;
  private DecoderModel model;

  @BeforeEach
  void load() {
    TestModels.write(dir, TestModels.config("qwen2"), DType.F32, 9);
    pool = new Parallel(2);
    loaded = LoadedModel.open(dir, null);
    model = loaded.model();
  }

  @AfterEach
  void close() {
    loaded.close();
    pool.close();
  }

  private static int[] tokens(int n, long seed) {
    Random r = new Random(seed);
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = r.nextInt(101);
    }
    return t;
  }

  @Test
  void theLastTokensEmbeddingThroughTheHeadIsTheNextTokensLogits() {
    Embedder embedder = new Embedder(model, pool);
    int vocab = model.config().vocabSize();
    for (int n : new int[] {1, 7, 64}) { // 64: the context of this model, in one chunk
      int[] prompt = tokens(Math.min(n, 63), n);
      float[] hidden = embedder.embed(prompt, Pooling.LAST, false);
      float[] viaHead = new float[vocab];
      model.weights().lmHead().matmul(hidden, 1, viaHead, pool);

      float[] logits =
          model
              .forward(
                  model.newState(8, pool), model.newCache(64), prompt, 0, prompt.length, 0, false)
              .clone();

      Check.checkTensor(viaHead, java.util.Arrays.copyOf(logits, vocab), 1e-4f, "logits of " + n);
    }
  }

  @Test
  void poolingsAgreeOnOneTokenAndNormalisedVectorsHaveUnitLength() {
    Embedder embedder = new Embedder(model, pool);
    int[] one = {42};
    float[] last = embedder.embed(one, Pooling.LAST, false);
    Check.checkTensor(embedder.embed(one, Pooling.MEAN, false), last, 1e-6f, "mean of one");
    Check.checkTensor(embedder.embed(one, Pooling.CLS, false), last, 1e-6f, "cls of one");

    float[] unit = embedder.embed(tokens(20, 3), Pooling.MEAN, true);
    double norm = 0;
    for (float v : unit) {
      norm += v * v;
    }
    assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    assertThat(embedder.embed(tokens(20, 3), Pooling.MEAN, true))
        .as("the same input, the same vector")
        .containsExactly(unit);
  }

  @Test
  void badInputsAreRefused() {
    Embedder embedder = new Embedder(model, pool);
    assertThatThrownBy(() -> embedder.embed(new int[0], Pooling.LAST, true))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> embedder.embed(new int[] {500}, Pooling.LAST, true))
        .hasMessageContaining("outside the vocabulary");
    assertThatThrownBy(() -> embedder.embed(tokens(65, 1), Pooling.LAST, true))
        .hasMessageContaining("context is 64");
    assertThatThrownBy(() -> Pooling.named("max")).hasMessageContaining("last, mean or cls");
  }
}
