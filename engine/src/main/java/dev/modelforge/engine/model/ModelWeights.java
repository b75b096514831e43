package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.tensor.Matrix;
import java.util.List;

/**
 * All read-only weights of a decoder model.
 *
 * @param tokenEmbedding [V, C]
 * @param positionEmbedding [maxPositions, C] learned positions (GPT-2), else null
 * @param layers the transformer blocks
 * @param finalNorm [C]
 * @param finalNormBias [C] (GPT-2)
 * @param lmHead [V, C]; the same object as tokenEmbedding when embeddings are tied
 */
public record ModelWeights(
    Matrix tokenEmbedding,
    Matrix positionEmbedding,
    List<LayerWeights> layers,
    float[] finalNorm,
    float[] finalNormBias,
    Matrix lmHead) {

  /** Bytes of weights read to decode one token: every block, plus the output head. */
  public long bytesReadPerToken(ModelConfig config) {
    long n = 0;
    for (LayerWeights l : layers) {
      n += l.matrixBytes();
    }
    n += lmHead.byteSize();
    // one embedding row (and one position row) per token
    n += tokenEmbedding.byteSize() / tokenEmbedding.rows();
    return n;
  }
}
