package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tokenizer in the terms of llama.cpp's GGUF metadata ({@code tokenizer.ggml.*}): every token
 * with a type, BPE merges, SentencePiece scores, the special-token ids and whether BOS/EOS frame a
 * text. It is made from a Hugging Face tokenizer.json when a model is exported, and becomes a
 * {@link Tokenizer} again when a GGUF file is loaded, through the tokenizer.json pipeline that
 * llama.cpp's names stand for ({@link LlamaCppPreTokenizer}).
 *
 * @param model {@value #BYTE_LEVEL_BPE} (byte-level BPE) or {@value #SENTENCEPIECE_BPE}
 *     (SentencePiece-style BPE with byte fallback)
 * @param pre the byte-level pipeline's llama.cpp name ({@code tokenizer.ggml.pre}); null for
 *     SentencePiece
 * @param tokens every token by id, as many as the model's embedding has rows
 * @param tokenTypes llama.cpp's type of each token: {@link #NORMAL}, {@link #CONTROL}, ...
 * @param scores SentencePiece scores (the higher, the earlier a merge applies), else null
 * @param merges "left right" pairs by rank; empty for SentencePiece files that rank by score
 * @param addSpacePrefix SentencePiece: a text is read as if it began with a space
 * @param cleanUpTokenizationSpaces decoding removes spaces before punctuation, as Hugging Face's
 *     {@code clean_up_tokenization_spaces}
 */
public record LlamaCppVocabulary(
    String model,
    String pre,
    List<String> tokens,
    int[] tokenTypes,
    float[] scores,
    List<String> merges,
    OptionalInt bosId,
    OptionalInt eosId,
    OptionalInt unknownId,
    OptionalInt paddingId,
    boolean addBos,
    boolean addEos,
    boolean addSpacePrefix,
    boolean cleanUpTokenizationSpaces,
    Optional<String> chatTemplate) {

  public static final String BYTE_LEVEL_BPE = "gpt2";
  public static final String SENTENCEPIECE_BPE = "llama";

  /** llama.cpp's {@code llama_token_type}. */
  public static final int NORMAL = 1;

  public static final int UNKNOWN = 2;
  public static final int CONTROL = 3;
  public static final int USER_DEFINED = 4;
  public static final int UNUSED = 5;
  public static final int BYTE = 6;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SPACE = "▁";

  /** Llama 2's normalizer: a leading "▁", then every space as "▁". */
  private static final JsonNode SPM_PREFIX_NORMALIZER =
      JSON.createObjectNode()
          .put("type", "Sequence")
          .set(
              "normalizers",
              JSON.createArrayNode()
                  .add(JSON.createObjectNode().put("type", "Prepend").put("prepend", SPACE))
                  .add(replace(" ", SPACE)));

  private static final JsonNode SPM_NORMALIZER = replace(" ", SPACE);

  public LlamaCppVocabulary {
    if (!model.equals(BYTE_LEVEL_BPE) && !model.equals(SENTENCEPIECE_BPE)) {
      throw new TokenizerException(
          "tokenizer.ggml.model is '"
              + model
              + "'; ModelForge reads "
              + BYTE_LEVEL_BPE
              + " (byte-level BPE) and "
              + SENTENCEPIECE_BPE
              + " (SentencePiece BPE)");
    }
    tokens = List.copyOf(tokens);
    merges = List.copyOf(merges);
    if (tokenTypes.length != tokens.size()) {
      throw new TokenizerException(
          tokenTypes.length + " token types for " + tokens.size() + " tokens");
    }
    if (scores != null && scores.length != tokens.size()) {
      throw new TokenizerException(scores.length + " scores for " + tokens.size() + " tokens");
    }
    for (OptionalInt id : List.of(bosId, eosId, unknownId, paddingId)) {
      if (id.isPresent() && (id.getAsInt() < 0 || id.getAsInt() >= tokens.size())) {
        throw new TokenizerException(
            "special token id " + id.getAsInt() + " is not among the " + tokens.size() + " tokens");
      }
    }
  }

  /**
   * The tokenizer of a Hugging Face model directory (tokenizer.json, tokenizer_config.json) as
   * llama.cpp describes it, with filler tokens up to the model's vocabulary size as
   * convert_hf_to_gguf writes them.
   *
   * @throws TokenizerException when the files are unusable or describe a pipeline llama.cpp has no
   *     name for
   */
  public static LlamaCppVocabulary fromModelDirectory(Path dir, int modelVocabSize) {
    Tokenizer tokenizer = Tokenizer.load(dir);
    Path file = dir.resolve("tokenizer.json");
    Path configFile = dir.resolve("tokenizer_config.json");
    JsonNode configJson = Files.isRegularFile(configFile) ? Tokenizer.readJson(configFile) : null;
    try {
      return fromJson(Tokenizer.readJson(file), configJson, tokenizer, modelVocabSize);
    } catch (TokenizerException e) {
      throw new TokenizerException(file + ": " + e.getMessage(), e);
    }
  }

  private static LlamaCppVocabulary fromJson(
      JsonNode root, JsonNode configJson, Tokenizer tokenizer, int modelVocabSize) {
    JsonNode bpe = root.path("model");
    if (tokenizer.vocabSize() > modelVocabSize) {
      throw new TokenizerException(
          "it has "
              + tokenizer.vocabSize()
              + " token ids but the model's embedding has "
              + modelVocabSize
              + " rows; the tokenizer belongs to another model");
    }
    String[] tokens = new String[modelVocabSize];
    int[] types = new int[modelVocabSize];
    bpe.path("vocab")
        .properties()
        .forEach(
            e -> {
              tokens[e.getValue().asInt()] = e.getKey();
              types[e.getValue().asInt()] = NORMAL;
            });
    for (JsonNode added : root.path("added_tokens")) {
      int id = added.path("id").asInt();
      tokens[id] = added.path("content").asText();
      types[id] = added.path("special").asBoolean(false) ? CONTROL : USER_DEFINED;
    }
    for (int id = 0; id < tokens.length; id++) {
      if (tokens[id] == null) {
        tokens[id] = "[PAD" + id + "]"; // convert_hf_to_gguf's filler for rows without a token
        types[id] = USER_DEFINED;
      }
    }
    String unknown = JsonFields.optionalText(bpe, "unk_token");
    OptionalInt unknownId = unknown == null ? OptionalInt.empty() : tokenizer.tokenId(unknown);

    boolean byteFallback = bpe.path("byte_fallback").asBoolean(false);
    boolean ignoreMerges = bpe.path("ignore_merges").asBoolean(false);
    JsonNode normalizer = nullIfAbsent(root.get("normalizer"));
    JsonNode preTokenizer = nullIfAbsent(root.get("pre_tokenizer"));
    Optional<LlamaCppPreTokenizer> byteLevel =
        LlamaCppPreTokenizer.matching(normalizer, preTokenizer, ignoreMerges);
    String model;
    boolean addSpacePrefix = false;
    if (byteLevel.isPresent() && !byteFallback) {
      model = BYTE_LEVEL_BPE;
    } else if (preTokenizer == null
        && !ignoreMerges
        && (SPM_PREFIX_NORMALIZER.equals(normalizer) || SPM_NORMALIZER.equals(normalizer))
        && (byteFallback || !hasByteTokens(tokens))
        && (unknownId.isEmpty() || bpe.path("fuse_unk").asBoolean(false))) {
      model = SENTENCEPIECE_BPE;
      addSpacePrefix = SPM_PREFIX_NORMALIZER.equals(normalizer);
      unknownId.ifPresent(id -> types[id] = UNKNOWN);
      for (int id = 0; id < tokens.length; id++) {
        if (types[id] == NORMAL && DecoderStep.ByteFallback.byteOf(tokens[id]) >= 0) {
          types[id] = BYTE;
        }
      }
    } else {
      throw new TokenizerException(
          "its normalizer "
              + normalizer
              + " and pre_tokenizer "
              + preTokenizer
              + " are no pipeline llama.cpp implements (byte-level BPE as in GPT-2, Llama 3 or"
              + " Qwen2, or SentencePiece-style BPE as in Llama 2); export it as safetensors");
    }
    List<String> merges = merges(bpe.path("merges"));

    // framing: what encoding adds to an empty text
    int[] framing = tokenizer.encode("", true);
    OptionalInt bos = tokenizer.bosTokenId();
    int[] eosIds = tokenizer.eosTokenIds();
    OptionalInt eos = eosIds.length > 0 ? OptionalInt.of(eosIds[0]) : OptionalInt.empty();
    boolean addBos = false;
    boolean addEos = false;
    if (framing.length == 1
        && eos.isPresent()
        && framing[0] == eos.getAsInt()
        && !(bos.isPresent() && bos.getAsInt() == framing[0])) {
      addEos = true;
    } else if (framing.length >= 1
        && framing.length <= 2
        && (bos.isEmpty() || bos.getAsInt() == framing[0])
        && (framing.length == 1 || eos.isEmpty() || eos.getAsInt() == framing[1])) {
      addBos = true;
      bos = OptionalInt.of(framing[0]);
      if (framing.length == 2) {
        addEos = true;
        eos = OptionalInt.of(framing[1]);
      }
    } else if (framing.length != 0) {
      throw new TokenizerException(
          "its post_processor frames a text with "
              + Arrays.toString(framing)
              + "; llama.cpp can add one BOS before and one EOS after");
    }
    OptionalInt padding =
        configJson == null
            ? OptionalInt.empty()
            : TokenizerConfig.tokenContent(configJson.get("pad_token"))
                .map(tokenizer::tokenId)
                .orElse(OptionalInt.empty());
    boolean cleanUp = TokenizerConfig.fromJson(configJson).cleanUpTokenizationSpaces();
    return new LlamaCppVocabulary(
        model,
        model.equals(BYTE_LEVEL_BPE) ? byteLevel.get().ggufName() : null,
        Arrays.asList(tokens),
        types,
        model.equals(SENTENCEPIECE_BPE) ? scoresFromMerges(tokens, types, merges) : null,
        merges,
        bos,
        eos,
        unknownId,
        padding,
        addBos,
        addEos,
        addSpacePrefix,
        cleanUp,
        tokenizer.chatTemplate());
  }

  /**
   * The tokenizer these keys describe, through the Hugging Face pipeline llama.cpp's names stand
   * for; {@code source} names the file in errors.
   *
   * @throws TokenizerException when the byte-level pipeline's name is not one ModelForge knows
   */
  public Tokenizer toTokenizer(String source) {
    boolean sentencePiece = model.equals(SENTENCEPIECE_BPE);
    LlamaCppPreTokenizer byteLevel = null;
    if (!sentencePiece) {
      byteLevel =
          LlamaCppPreTokenizer.byGgufName(pre == null ? "" : pre)
              .orElseThrow(
                  () ->
                      new TokenizerException(
                          source
                              + ": tokenizer.ggml.pre is "
                              + (pre == null ? "missing" : "'" + pre + "'")
                              + "; ModelForge reads "
                              + Arrays.stream(LlamaCppPreTokenizer.values())
                                  .map(LlamaCppPreTokenizer::ggufName)
                                  .toList()));
    }
    ObjectNode root = JSON.createObjectNode();
    ArrayNode added = root.putArray("added_tokens");
    ObjectNode vocab = JSON.createObjectNode();
    for (int id = 0; id < tokens.size(); id++) {
      String token = tokens.get(id);
      int type = tokenTypes[id];
      if (type == USER_DEFINED && token.equals("[PAD" + id + "]")) {
        continue;
      }
      if (!vocab.has(token)) {
        vocab.put(token, id);
      }
      if (type == CONTROL || type == UNKNOWN || type == USER_DEFINED) {
        added
            .addObject()
            .put("id", id)
            .put("content", token)
            .put("single_word", false)
            .put("lstrip", false)
            .put("rstrip", false)
            .put("normalized", false)
            .put("special", type != USER_DEFINED);
      }
    }
    root.set(
        "normalizer",
        sentencePiece
            ? (addSpacePrefix ? SPM_PREFIX_NORMALIZER : SPM_NORMALIZER).deepCopy()
            : byteLevel.normalizer());
    root.set("pre_tokenizer", sentencePiece ? null : byteLevel.preTokenizer());
    root.set("post_processor", framingTemplate());
    root.set("decoder", sentencePiece ? sentencePieceDecoder() : byteLevelDecoder());
    ObjectNode bpe = root.putObject("model");
    bpe.put("type", "BPE");
    bpe.set("vocab", vocab);
    ArrayNode mergeList = bpe.putArray("merges");
    (merges.isEmpty() && sentencePiece ? mergesFromScores() : merges).forEach(mergeList::add);
    bpe.put("byte_fallback", sentencePiece);
    bpe.put("fuse_unk", sentencePiece);
    bpe.put("ignore_merges", !sentencePiece && byteLevel.ignoreMerges());
    if (sentencePiece && unknownId.isPresent()) {
      bpe.put("unk_token", tokens.get(unknownId.getAsInt()));
    }
    TokenizerConfig config =
        new TokenizerConfig(
            text(bosId), text(eosId), chatTemplate, cleanUpTokenizationSpaces, List.of());
    return Tokenizer.fromJson(root, config, chatTemplate, source);
  }

  private Optional<String> text(OptionalInt id) {
    return id.isPresent() ? Optional.of(tokens.get(id.getAsInt())) : Optional.empty();
  }

  /** A TemplateProcessing that puts BOS before and EOS after a text, as the flags say. */
  private JsonNode framingTemplate() {
    if (!(addBos && bosId.isPresent()) && !(addEos && eosId.isPresent())) {
      return null;
    }
    ObjectNode template = JSON.createObjectNode().put("type", "TemplateProcessing");
    ArrayNode single = template.putArray("single");
    ObjectNode specials = template.putObject("special_tokens");
    if (addBos && bosId.isPresent()) {
      single.addObject().putObject("SpecialToken").put("id", tokens.get(bosId.getAsInt()));
      special(specials, bosId.getAsInt());
    }
    single.addObject().putObject("Sequence").put("id", "A");
    if (addEos && eosId.isPresent()) {
      single.addObject().putObject("SpecialToken").put("id", tokens.get(eosId.getAsInt()));
      special(specials, eosId.getAsInt());
    }
    return template;
  }

  private void special(ObjectNode specials, int id) {
    String token = tokens.get(id);
    ObjectNode s = specials.putObject(token).put("id", token);
    s.putArray("ids").add(id);
    s.putArray("tokens").add(token);
  }

  private static JsonNode byteLevelDecoder() {
    return JSON.createObjectNode().put("type", "ByteLevel");
  }

  /** Llama 2's decoder: "▁" back to spaces, byte tokens to text, the prefix space dropped. */
  private JsonNode sentencePieceDecoder() {
    ArrayNode steps =
        JSON.createArrayNode()
            .add(replace(SPACE, " "))
            .add(JSON.createObjectNode().put("type", "ByteFallback"))
            .add(JSON.createObjectNode().put("type", "Fuse"));
    if (addSpacePrefix) {
      steps.add(
          JSON.createObjectNode()
              .put("type", "Strip")
              .put("content", " ")
              .put("start", 1)
              .put("stop", 0));
    }
    return JSON.createObjectNode().put("type", "Sequence").set("decoders", steps);
  }

  private static ObjectNode replace(String from, String to) {
    ObjectNode r = JSON.createObjectNode().put("type", "Replace");
    r.putObject("pattern").put("String", from);
    return r.put("content", to);
  }

  /**
   * SentencePiece merges as Hugging Face's converter derives them: every split of a token into two
   * tokens, ranked by the token's score, higher first (ties by the pieces' ids).
   */
  private List<String> mergesFromScores() {
    Map<String, Integer> ids = new HashMap<>();
    for (int id = 0; id < tokens.size(); id++) {
      ids.putIfAbsent(tokens.get(id), id);
    }
    record Candidate(String left, String right, float score, int leftId, int rightId) {}
    List<Candidate> candidates = new ArrayList<>();
    for (int id = 0; id < tokens.size(); id++) {
      String token = tokens.get(id);
      if (tokenTypes[id] != NORMAL) {
        continue;
      }
      for (int at = token.offsetByCodePoints(0, 1);
          at < token.length();
          at = token.offsetByCodePoints(at, 1)) {
        Integer left = ids.get(token.substring(0, at));
        Integer right = ids.get(token.substring(at));
        if (left != null && right != null) {
          candidates.add(
              new Candidate(token.substring(0, at), token.substring(at), scores[id], left, right));
        }
      }
    }
    candidates.sort(
        Comparator.comparingDouble((Candidate c) -> -c.score())
            .thenComparingInt(Candidate::leftId)
            .thenComparingInt(Candidate::rightId));
    return candidates.stream().map(c -> c.left() + " " + c.right()).toList();
  }

  /**
   * Scores that rank SentencePiece merges as tokenizer.json's merge list does: a token made by
   * merge r scores -r; other normal tokens score below every merge; special and byte tokens 0.
   */
  private static float[] scoresFromMerges(String[] tokens, int[] types, List<String> merges) {
    Map<String, Integer> rankOfProduct = new HashMap<>();
    for (int rank = 0; rank < merges.size(); rank++) {
      rankOfProduct.putIfAbsent(merges.get(rank).replace(" ", ""), rank);
    }
    float[] scores = new float[tokens.length];
    for (int id = 0; id < tokens.length; id++) {
      if (types[id] == NORMAL) {
        Integer rank = rankOfProduct.get(tokens[id]);
        scores[id] = -(rank != null ? rank : merges.size() + id);
      }
    }
    return scores;
  }

  /** tokenizer.json merges ("a b" or [a, b]) as llama.cpp's "a b" strings. */
  private static List<String> merges(JsonNode list) {
    List<String> merges = new ArrayList<>(list.size());
    for (JsonNode merge : list) {
      if (merge.isTextual()) {
        merges.add(merge.asText());
      } else {
        String left = merge.path(0).asText();
        String right = merge.path(1).asText();
        if (left.contains(" ") || right.contains(" ")) {
          throw new TokenizerException(
              "merge "
                  + merge
                  + " has a token with a space, which llama.cpp's \"left right\" merges cannot"
                  + " hold");
        }
        merges.add(left + " " + right);
      }
    }
    return merges;
  }

  private static boolean hasByteTokens(String[] tokens) {
    return Arrays.stream(tokens).anyMatch(t -> DecoderStep.ByteFallback.byteOf(t) >= 0);
  }

  private static JsonNode nullIfAbsent(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LlamaCppVocabulary v
        && model.equals(v.model)
        && Objects.equals(pre, v.pre)
        && tokens.equals(v.tokens)
        && Arrays.equals(tokenTypes, v.tokenTypes)
        && Arrays.equals(scores, v.scores)
        && merges.equals(v.merges)
        && bosId.equals(v.bosId)
        && eosId.equals(v.eosId)
        && unknownId.equals(v.unknownId)
        && paddingId.equals(v.paddingId)
        && addBos == v.addBos
        && addEos == v.addEos
        && addSpacePrefix == v.addSpacePrefix
        && cleanUpTokenizationSpaces == v.cleanUpTokenizationSpaces
        && chatTemplate.equals(v.chatTemplate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, pre, tokens, merges, Arrays.hashCode(tokenTypes));
  }

  @Override
  public String toString() {
    return "LlamaCppVocabulary[" + model + ", pre " + pre + ", " + tokens.size() + " tokens]";
  }
}
