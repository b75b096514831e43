package dev.modelforge.engine.model;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.TensorNames;
import dev.modelforge.engine.config.TensorNames.Tensor;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.tensor.BF16Matrix;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.F32Matrix;
import dev.modelforge.engine.tensor.Matrix;
import dev.modelforge.engine.tensor.Q4Matrix;
import dev.modelforge.engine.tensor.Q8Matrix;
import dev.modelforge.engine.tensor.WeightMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds {@link ModelWeights} from stored tensors with Hugging Face names, checking every shape
 * against the config. F32, BF16 and quantized tensors are used in place (memory-mapped); F16 is
 * widened to F32 once; {@code quantize} re-encodes the big matrices as Q8_0 or Q4_0.
 */
public final class WeightLoader {

  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final ModelConfig config;
  private final TensorStore store;
  private final TensorNames names;
  private final DType quantize;
  private final DType conv1dStoredAs;
  private final Arena arena;

  /**
   * @param quantize null to keep the stored types, or the type every weight matrix is re-encoded
   *     to: F32, BF16, Q8_0 or Q4_0 (a block type only where the row length is a multiple of 32)
   * @param arena where weights are copied (huge pages), or null to use the mapped files in place
   *     (less memory, slower decode)
   */
  public WeightLoader(ModelConfig config, TensorStore store, DType quantize, Arena arena) {
    this(config, store, quantize, null, arena);
  }

  /**
   * @param conv1dStoredAs where the store hands out GPT-2's matrices widened to F32 (a quantized
   *     GGUF file, whose matrices must be widened to undo their transpose): the block type they
   *     were stored in, which they are re-encoded into (quantizing dequantized Q8_0/Q4_0 values
   *     reproduces them); null otherwise. Nothing else is re-encoded for it: a tensor stored in
   *     F32, such as a tied head's token embedding, stays F32, as llama.cpp reads the same file.
   */
  public WeightLoader(
      ModelConfig config, TensorStore store, DType quantize, DType conv1dStoredAs, Arena arena) {
    if (quantize == DType.F16) {
      throw new IllegalArgumentException(
          "weights cannot be re-encoded as F16: the CPU kernels read F32, BF16, Q8_0 and Q4_0");
    }
    this.config = config;
    this.store = store;
    this.names = TensorNames.forStore(config.architecture(), store.names());
    this.quantize = quantize;
    this.conv1dStoredAs = conv1dStoredAs;
    this.arena = arena;
  }

  public ModelWeights load() {
    return config.architecture().isGpt2() ? loadGpt2() : loadLlamaFamily();
  }

  private ModelWeights loadLlamaFamily() {
    int c = config.dim();
    int q = config.qDim();
    int kv = config.kvDim();
    int f = config.ffnDim();
    int v = config.vocabSize();
    Matrix embed = matrix(names.hf(Tensor.EMBED), v, c, false);
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < config.layers(); i++) {
      boolean bias = config.qkvBias();
      boolean qkNorm = config.architecture().qkNorm();
      layers.add(
          new LayerWeights(
              vector(names.hf(Tensor.ATTN_NORM, i), c),
              null,
              matrix(names.hf(Tensor.Q, i), q, c, true),
              matrix(names.hf(Tensor.K, i), kv, c, true),
              matrix(names.hf(Tensor.V, i), kv, c, true),
              bias ? vector(names.hf(Tensor.Q_BIAS, i), q) : null,
              bias ? vector(names.hf(Tensor.K_BIAS, i), kv) : null,
              bias ? vector(names.hf(Tensor.V_BIAS, i), kv) : null,
              qkNorm ? vector(names.hf(Tensor.Q_NORM, i), config.headDim()) : null,
              qkNorm ? vector(names.hf(Tensor.K_NORM, i), config.headDim()) : null,
              matrix(names.hf(Tensor.O, i), c, q, true),
              null,
              vector(names.hf(Tensor.FFN_NORM, i), c),
              null,
              matrix(names.hf(Tensor.GATE, i), f, c, true),
              matrix(names.hf(Tensor.UP, i), f, c, true),
              null,
              matrix(names.hf(Tensor.DOWN, i), c, f, true),
              null));
    }
    Matrix head =
        config.tiedEmbeddings() || !store.names().contains(names.hf(Tensor.LM_HEAD))
            ? maybeQuantize(embed)
            : matrix(names.hf(Tensor.LM_HEAD), v, c, true);
    if (!config.tiedEmbeddings() && !store.names().contains(names.hf(Tensor.LM_HEAD))) {
      throw new ModelFormatException(
          "tensor '"
              + names.hf(Tensor.LM_HEAD)
              + "' is missing and config.json does not set tie_word_embeddings");
    }
    return new ModelWeights(
        embed, null, layers, vector(names.hf(Tensor.FINAL_NORM), c), null, head);
  }

  private ModelWeights loadGpt2() {
    int c = config.dim();
    int f = config.ffnDim();
    Matrix wte = matrix(names.hf(Tensor.EMBED), config.vocabSize(), c, false);
    Matrix wpe = matrix(names.hf(Tensor.POSITIONS), config.maxPositions(), c, false);
    List<LayerWeights> layers = new ArrayList<>();
    for (int i = 0; i < config.layers(); i++) {
      // Conv1D stores [in, out]; c_attn's out is q | k | v.
      float[] cAttn = floats(names.hf(Tensor.QKV, i), c, 3 * c);
      float[] cAttnBias = vector(names.hf(Tensor.QKV_BIAS, i), 3 * c);
      layers.add(
          new LayerWeights(
              vector(names.hf(Tensor.ATTN_NORM, i), c),
              vector(names.hf(Tensor.ATTN_NORM_BIAS, i), c),
              fromConv1d(cAttn, c, 3 * c, 0, c),
              fromConv1d(cAttn, c, 3 * c, c, c),
              fromConv1d(cAttn, c, 3 * c, 2 * c, c),
              Arrays.copyOfRange(cAttnBias, 0, c),
              Arrays.copyOfRange(cAttnBias, c, 2 * c),
              Arrays.copyOfRange(cAttnBias, 2 * c, 3 * c),
              null,
              null,
              fromConv1d(floats(names.hf(Tensor.O, i), c, c), c, c, 0, c),
              vector(names.hf(Tensor.O_BIAS, i), c),
              vector(names.hf(Tensor.FFN_NORM, i), c),
              vector(names.hf(Tensor.FFN_NORM_BIAS, i), c),
              null,
              fromConv1d(floats(names.hf(Tensor.UP, i), c, f), c, f, 0, f),
              vector(names.hf(Tensor.UP_BIAS, i), f),
              fromConv1d(floats(names.hf(Tensor.DOWN, i), f, c), f, c, 0, c),
              vector(names.hf(Tensor.DOWN_BIAS, i), c)));
    }
    return new ModelWeights(
        wte,
        wpe,
        layers,
        vector(names.hf(Tensor.FINAL_NORM), c),
        vector(names.hf(Tensor.FINAL_NORM_BIAS), c),
        maybeQuantize(wte));
  }

  /**
   * Columns {@code [colFrom, colFrom + outCols)} of an {@code [in, out]} matrix, as {@code [out,
   * in]}.
   */
  private Matrix fromConv1d(float[] w, int in, int out, int colFrom, int outCols) {
    float[] t = new float[outCols * in];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < outCols; o++) {
        t[o * in + i] = w[i * out + colFrom + o];
      }
    }
    Matrix m = new F32Matrix(outCols, in, MemorySegment.ofArray(t), arena());
    return quantize == null && conv1dStoredAs != null
        ? encode(m, conv1dStoredAs)
        : maybeQuantize(m);
  }

  private Arena arena() {
    return arena != null ? arena : Arena.ofAuto();
  }

  private TensorData tensor(String name, long... shape) {
    TensorData t = store.get(name);
    if (!Arrays.equals(t.shape(), shape)) {
      // t.name() is the name in the file, which differs from the HF name for GGUF
      throw new ModelFormatException(
          "tensor '"
              + t.name()
              + "' has shape "
              + t.shapeString()
              + " but the model config implies "
              + Arrays.toString(shape));
    }
    return t;
  }

  private Matrix matrix(String name, int rows, int cols, boolean quantizable) {
    TensorData t = tensor(name, rows, cols);
    Matrix m =
        switch (t.dtype()) {
          case F32 -> new F32Matrix(rows, cols, t.bytes(), arena());
          case BF16 -> new BF16Matrix(rows, cols, place(t.bytes()));
          case F16 -> new F32Matrix(rows, cols, MemorySegment.ofArray(t.toFloats()), arena());
          case Q8_0 -> new Q8Matrix(rows, cols, place(t.bytes()));
          case Q4_0 -> new Q4Matrix(rows, cols, place(t.bytes()));
        };
    return quantizable ? maybeQuantize(m) : m;
  }

  private Matrix maybeQuantize(Matrix m) {
    return quantize == null ? m : encode(m, quantize);
  }

  private Matrix encode(Matrix m, DType type) {
    if (m.dtype() == type) {
      return m;
    }
    return switch (type) {
      case F32 -> widen(m);
      case BF16 -> toBf16(m);
      case Q8_0 -> m.cols() % 32 != 0 ? m : Q8Matrix.quantize(m, arena());
      case Q4_0 -> m.cols() % 32 != 0 ? m : Q4Matrix.quantize(m, arena());
      case F16 -> throw new IllegalStateException("checked in the constructor");
    };
  }

  /**
   * Widens to F32 row by row, through a temporary row-major buffer that the matrix packs into its
   * panels and that is freed at once.
   */
  private Matrix widen(Matrix m) {
    int rows = m.rows();
    int cols = m.cols();
    try (Arena scratch = Arena.ofConfined()) {
      MemorySegment seg = scratch.allocate((long) rows * cols * Float.BYTES, 64);
      float[] row = new float[cols];
      for (int r = 0; r < rows; r++) {
        m.readRow(r, row, 0);
        MemorySegment.copy(row, 0, seg, LE_FLOAT, (long) r * cols * Float.BYTES, cols);
      }
      return new F32Matrix(rows, cols, seg, arena());
    }
  }

  /** Rounds to BF16, row by row. */
  private Matrix toBf16(Matrix m) {
    int rows = m.rows();
    int cols = m.cols();
    MemorySegment seg = WeightMemory.allocate(arena(), (long) rows * cols * 2);
    float[] row = new float[cols];
    for (int r = 0; r < rows; r++) {
      m.readRow(r, row, 0);
      long base = (long) r * cols * 2;
      for (int c = 0; c < cols; c++) {
        seg.set(LE_SHORT, base + 2L * c, BF16Matrix.fromFloat(row[c]));
      }
    }
    return new BF16Matrix(rows, cols, seg);
  }

  /** Stored bytes as the matrix will read them: copied to huge pages, or mapped in place. */
  private MemorySegment place(MemorySegment stored) {
    return arena == null ? stored : WeightMemory.copy(arena, stored);
  }

  private float[] vector(String name, int n) {
    return tensor(name, n).toFloats();
  }

  private float[] floats(String name, int rows, int cols) {
    return tensor(name, rows, cols).toFloats();
  }
}
