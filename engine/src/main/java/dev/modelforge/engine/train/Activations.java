package dev.modelforge.engine.train;

import dev.modelforge.engine.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a micro-batch's forward pass keeps for its backward pass, plus the gradient scratch
 * the backward pass reuses from block to block. Sized for B sequences of up to T tokens; allocated
 * once and reused for every micro-batch of that size.
 */
public final class Activations {

  final int batch;
  final int seqLen;
  final List<BlockActivations> blocks = new ArrayList<>();

  /** [N, C] residual stream after the last block. */
  final float[] residOut;

  final float[] lnf;
  final float[] lnfMean;
  final float[] lnfRstd;

  /** [N, V] logits, overwritten by their gradient in the backward pass. */
  final float[] logits;

  /** [N] loss of each row, and the log-sum-exp of its logits. */
  final float[] losses;

  final float[] logSumExp;

  // gradient scratch, [N, width]
  final float[] dResid;
  final float[] dLn;
  final float[] dAttOut;
  final float[] dQ;
  final float[] dK;
  final float[] dV;
  final float[] dQRaw;
  final float[] dKRaw;
  final float[] dQkv;
  final float[] dGate;
  final float[] dUp;
  final float[] dHidden;

  Activations(ModelConfig c, ModelParameters params, int batch, int seqLen) {
    this.batch = batch;
    this.seqLen = seqLen;
    int n = batch * seqLen;
    boolean gpt2 = c.architecture().isGpt2();
    boolean qkNorm = c.architecture().qkNorm();
    for (BlockParameters b : params.blocks()) {
      blocks.add(new BlockActivations(c, b, batch, seqLen));
    }
    residOut = new float[n * c.dim()];
    lnf = new float[n * c.dim()];
    lnfMean = new float[n];
    lnfRstd = new float[n];
    logits = new float[Math.multiplyExact(n, c.vocabSize())];
    losses = new float[n];
    logSumExp = new float[n];
    dResid = new float[n * c.dim()];
    dLn = new float[n * c.dim()];
    dAttOut = new float[n * c.qDim()];
    dQ = gpt2 ? null : new float[n * c.qDim()];
    dK = gpt2 ? null : new float[n * c.kvDim()];
    dV = gpt2 ? null : new float[n * c.kvDim()];
    dQRaw = qkNorm ? new float[n * c.qDim()] : null;
    dKRaw = qkNorm ? new float[n * c.kvDim()] : null;
    dQkv = gpt2 ? new float[n * 3 * c.dim()] : null;
    dGate = gpt2 ? null : new float[n * c.ffnDim()];
    dUp = new float[n * c.ffnDim()];
    dHidden = new float[n * c.ffnDim()];
  }

  public int batch() {
    return batch;
  }

  public int seqLen() {
    return seqLen;
  }

  /** Row {@code n}'s logits after a forward pass: {@code logits()[n · V ..]}. */
  public float[] logits() {
    return logits;
  }
}
