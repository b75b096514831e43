package dev.modelforge.engine.format.gguf;

import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.tokenizer.LlamaCppVocabulary;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.tokenizer.TokenizerException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tokenizer keys of a GGUF file in llama.cpp's layout (gguf-py's {@code Keys.Tokenizer}),
 * written from and read into a {@link LlamaCppVocabulary}. What llama.cpp derives from the
 * pipeline's name instead of storing (Hugging Face's decoding clean-up) is kept under {@code
 * modelforge.}, like the llama3 RoPE keys.
 */
public final class GgufTokenizer {

  static final String MODEL = "tokenizer.ggml.model";
  static final String PRE = "tokenizer.ggml.pre";
  static final String TOKENS = "tokenizer.ggml.tokens";
  static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
  static final String SCORES = "tokenizer.ggml.scores";
  static final String MERGES = "tokenizer.ggml.merges";
  static final String BOS_ID = "tokenizer.ggml.bos_token_id";
  static final String EOS_ID = "tokenizer.ggml.eos_token_id";
  static final String UNKNOWN_ID = "tokenizer.ggml.unknown_token_id";
  static final String PADDING_ID = "tokenizer.ggml.padding_token_id";
  static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
  static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
  static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
  static final String CHAT_TEMPLATE = "tokenizer.chat_template";
  static final String CLEAN_UP_SPACES = "modelforge.tokenizer.clean_up_tokenization_spaces";

  private GgufTokenizer() {}

  /** Adds the tokenizer keys to a file being written. */
  public static void write(LlamaCppVocabulary v, GgufWriter out) {
    out.putString(MODEL, v.model());
    if (v.pre() != null) {
      out.putString(PRE, v.pre());
    }
    out.put(TOKENS, GgufValue.stringArray(v.tokens()));
    List<GgufValue> types = new ArrayList<>(v.tokenTypes().length);
    for (int t : v.tokenTypes()) {
      types.add(GgufValue.int32(t));
    }
    out.put(TOKEN_TYPE, GgufValue.array(GgufValueType.INT32, types));
    if (v.scores() != null) {
      List<GgufValue> scores = new ArrayList<>(v.scores().length);
      for (float s : v.scores()) {
        scores.add(GgufValue.float32(s));
      }
      out.put(SCORES, GgufValue.array(GgufValueType.FLOAT32, scores));
    }
    if (!v.merges().isEmpty()) {
      out.put(MERGES, GgufValue.stringArray(v.merges()));
    }
    v.bosId().ifPresent(id -> out.putUint32(BOS_ID, id));
    v.eosId().ifPresent(id -> out.putUint32(EOS_ID, id));
    v.unknownId().ifPresent(id -> out.putUint32(UNKNOWN_ID, id));
    v.paddingId().ifPresent(id -> out.putUint32(PADDING_ID, id));
    out.put(ADD_BOS, GgufValue.bool(v.addBos()));
    out.put(ADD_EOS, GgufValue.bool(v.addEos()));
    if (v.model().equals(LlamaCppVocabulary.SENTENCEPIECE_BPE)) {
      out.put(ADD_SPACE_PREFIX, GgufValue.bool(v.addSpacePrefix()));
    }
    v.chatTemplate().ifPresent(t -> out.putString(CHAT_TEMPLATE, t));
    out.put(CLEAN_UP_SPACES, GgufValue.bool(v.cleanUpTokenizationSpaces()));
  }

  /**
   * The tokenizer a file describes, or empty when it has no {@code tokenizer.ggml.model}. Absent
   * flags take llama.cpp's defaults: SentencePiece adds BOS and a space prefix, byte-level BPE
   * neither.
   *
   * @throws ModelFormatException naming the file and the key when a value is missing or malformed
   */
  public static Optional<LlamaCppVocabulary> read(GgufMetadata meta, Path file) {
    if (!meta.contains(MODEL)) {
      return Optional.empty();
    }
    String model = meta.getString(MODEL);
    boolean sentencePiece = model.equals(LlamaCppVocabulary.SENTENCEPIECE_BPE);
    List<String> tokens = strings(meta, TOKENS, file);
    try {
      return Optional.of(
          new LlamaCppVocabulary(
              model,
              meta.contains(PRE) ? meta.getString(PRE) : null,
              tokens,
              ints(meta, TOKEN_TYPE, file, tokens.size()),
              meta.contains(SCORES) ? floats(meta, SCORES, file) : null,
              meta.contains(MERGES) ? strings(meta, MERGES, file) : List.of(),
              id(meta, BOS_ID),
              id(meta, EOS_ID),
              id(meta, UNKNOWN_ID),
              id(meta, PADDING_ID),
              meta.contains(ADD_BOS) ? meta.getBool(ADD_BOS) : sentencePiece,
              meta.contains(ADD_EOS) && meta.getBool(ADD_EOS),
              meta.contains(ADD_SPACE_PREFIX) ? meta.getBool(ADD_SPACE_PREFIX) : sentencePiece,
              meta.contains(CLEAN_UP_SPACES) && meta.getBool(CLEAN_UP_SPACES),
              meta.contains(CHAT_TEMPLATE)
                  ? Optional.of(meta.getString(CHAT_TEMPLATE))
                  : Optional.empty()));
    } catch (TokenizerException e) {
      throw ModelFormatException.of(file, e.getMessage());
    }
  }

  /**
   * The tokenizer stored in a GGUF file, or empty when the file has none; reads only the metadata.
   */
  public static Optional<Tokenizer> load(Path file) {
    try (GgufStore gguf = GgufStore.open(file)) {
      return read(gguf.metadata(), file).map(v -> v.toTokenizer(file.toString()));
    }
  }

  private static OptionalInt id(GgufMetadata meta, String key) {
    return meta.contains(key) ? OptionalInt.of((int) meta.getLong(key)) : OptionalInt.empty();
  }

  private static List<GgufValue> elements(
      GgufMetadata meta, String key, Path file, GgufValueType... types) {
    if (meta.get(key) instanceof GgufValue.ArrayValue(GgufValueType type, List<GgufValue> list)
        && List.of(types).contains(type)) {
      return list;
    }
    throw ModelFormatException.of(
        file,
        "metadata key '"
            + key
            + "' is "
            + meta.get(key).type()
            + ", expected an array of "
            + types[0]);
  }

  private static List<String> strings(GgufMetadata meta, String key, Path file) {
    return elements(meta, key, file, GgufValueType.STRING).stream()
        .map(v -> ((GgufValue.StringValue) v).value())
        .toList();
  }

  /** Token types; llama.cpp writes INT32 but any integer width is accepted. */
  private static int[] ints(GgufMetadata meta, String key, Path file, int count) {
    if (!meta.contains(key)) {
      int[] normal = new int[count];
      Arrays.fill(normal, LlamaCppVocabulary.NORMAL);
      return normal;
    }
    List<GgufValue> list =
        elements(
            meta,
            key,
            file,
            GgufValueType.INT32,
            GgufValueType.UINT32,
            GgufValueType.INT8,
            GgufValueType.UINT8,
            GgufValueType.INT16,
            GgufValueType.UINT16);
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) ((GgufValue.IntValue) list.get(i)).value();
    }
    return out;
  }

  private static float[] floats(GgufMetadata meta, String key, Path file) {
    List<GgufValue> list = elements(meta, key, file, GgufValueType.FLOAT32, GgufValueType.FLOAT64);
    float[] out = new float[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) ((GgufValue.FloatValue) list.get(i)).value();
    }
    return out;
  }
}
