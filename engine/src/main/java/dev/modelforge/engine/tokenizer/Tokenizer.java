package dev.modelforge.engine.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.engine.tokenizer.AddedVocabulary.Segment;
import dev.modelforge.engine.tokenizer.PreTokenizer.Piece;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face tokenizer read from a model directory's tokenizer.json (and
 * tokenizer_config.json): byte-level BPE as in GPT-2, Llama 3 and Qwen, and SentencePiece-style BPE
 * with byte fallback as in Llama 2. It gives the same ids as the reference tokenizers.
 *
 * <p>Encoding runs the reference pipeline: find added tokens, normalize the text between them,
 * pre-tokenize it into words, merge each word with BPE, then add the framing special tokens.
 * Instances are immutable and safe to share between threads.
 */
public final class Tokenizer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final BpeModel model;
  private final AddedVocabulary addedVocabulary;
  private final PreTokenizer preTokenizer;
  private final PostProcessor postProcessor;
  private final DecoderStep decoder;
  private final TokenizerConfig config;
  private final Optional<String> chatTemplate;
  private final Map<String, Integer> addedTokenIds;
  private final String[] textOfAddedId;
  private final BitSet specialIds;
  private final int vocabSize;

  private Tokenizer(
      BpeModel model,
      List<AddedToken> addedTokens,
      Normalizer normalizer,
      PreTokenizer preTokenizer,
      PostProcessor postProcessor,
      DecoderStep decoder,
      TokenizerConfig config,
      Optional<String> chatTemplate) {
    this.model = model;
    this.addedVocabulary = new AddedVocabulary(addedTokens, normalizer);
    this.preTokenizer = preTokenizer;
    this.postProcessor = postProcessor;
    this.decoder = decoder;
    this.config = config;
    this.chatTemplate = chatTemplate;
    int limit = model.idLimit();
    for (AddedToken token : addedTokens) {
      limit = Math.max(limit, token.id() + 1);
    }
    this.vocabSize = limit;
    this.textOfAddedId = new String[limit];
    this.addedTokenIds = new HashMap<>();
    this.specialIds = new BitSet(limit);
    for (AddedToken token : addedTokens) {
      textOfAddedId[token.id()] = token.content();
      addedTokenIds.put(token.content(), token.id());
      if (token.special()) {
        specialIds.set(token.id());
      }
    }
    // tokenizer_config.json may promote more tokens to special, which decoding then skips.
    for (String token : config.additionalSpecialTokens()) {
      tokenId(token).ifPresent(specialIds::set);
    }
  }

  /**
   * Reads {@code tokenizer.json} and, where present, {@code tokenizer_config.json} and {@code
   * chat_template.jinja} from a Hugging Face model directory.
   *
   * @throws TokenizerException naming the file and the problem when a file is missing, unreadable,
   *     not JSON, or describes a tokenizer ModelForge does not support
   */
  public static Tokenizer load(Path modelDir) {
    if (!Files.isDirectory(modelDir)) {
      throw new TokenizerException(
          "model directory " + modelDir + " does not exist or is not a directory");
    }
    Path tokenizerFile = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new TokenizerException(
          tokenizerFile + " is missing: the model directory needs a Hugging Face tokenizer.json");
    }
    JsonNode tokenizerJson = readJson(tokenizerFile);
    Path configFile = modelDir.resolve("tokenizer_config.json");
    JsonNode configJson = Files.isRegularFile(configFile) ? readJson(configFile) : null;
    TokenizerConfig config;
    try {
      config = TokenizerConfig.fromJson(configJson);
    } catch (TokenizerException e) {
      throw new TokenizerException(configFile + ": " + e.getMessage(), e);
    }
    Optional<String> chatTemplate = config.chatTemplate();
    Path templateFile = modelDir.resolve("chat_template.jinja");
    if (chatTemplate.isEmpty() && Files.isRegularFile(templateFile)) {
      try {
        chatTemplate = Optional.of(Files.readString(templateFile));
      } catch (IOException e) {
        throw new TokenizerException(templateFile + " cannot be read: " + e.getMessage(), e);
      }
    }
    return fromJson(tokenizerJson, config, chatTemplate, tokenizerFile.toString());
  }

  /** A tokenizer from already parsed files; {@code source} names them in error messages. */
  static Tokenizer fromJson(JsonNode tokenizerJson, JsonNode configJson, String source) {
    TokenizerConfig config;
    try {
      config = TokenizerConfig.fromJson(configJson);
    } catch (TokenizerException e) {
      throw new TokenizerException(source + " (tokenizer_config.json): " + e.getMessage(), e);
    }
    return fromJson(tokenizerJson, config, config.chatTemplate(), source);
  }

  /** A tokenizer from a parsed tokenizer.json and tokenizer_config.json's settings. */
  static Tokenizer fromJson(
      JsonNode root, TokenizerConfig config, Optional<String> chatTemplate, String source) {
    try {
      if (root == null || !root.isObject()) {
        throw new TokenizerException("the file must hold a JSON object");
      }
      BpeModel model = BpeModel.fromJson(JsonFields.object(root, "model", "$"), "$.model");
      List<AddedToken> addedTokens = new ArrayList<>();
      JsonNode added = root.get("added_tokens");
      if (added != null && !added.isNull()) {
        JsonNode list = JsonFields.array(root, "added_tokens", "$");
        for (int i = 0; i < list.size(); i++) {
          addedTokens.add(AddedToken.fromJson(list.get(i), "$.added_tokens[" + i + "]"));
        }
      }
      Set<String> addedContents = new HashSet<>();
      addedTokens.forEach(token -> addedContents.add(token.content()));
      return new Tokenizer(
          model,
          List.copyOf(addedTokens),
          Normalizer.fromJson(root.get("normalizer"), "$.normalizer"),
          PreTokenizer.fromJson(root.get("pre_tokenizer"), "$.pre_tokenizer"),
          PostProcessor.fromJson(root.get("post_processor"), "$.post_processor"),
          DecoderStep.fromJson(root.get("decoder"), "$.decoder", Set.copyOf(addedContents)),
          config,
          chatTemplate);
    } catch (TokenizerException e) {
      throw new TokenizerException(source + ": " + e.getMessage(), e);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (NoSuchFileException e) {
      throw new TokenizerException(file + " is missing", e);
    } catch (JacksonException e) {
      throw new TokenizerException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new TokenizerException(file + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * The ids of a text. With {@code addSpecialTokens} the post-processor's framing tokens are added
   * (Llama 2's {@code <s>}); special tokens written in the text are always recognised.
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    Objects.requireNonNull(text, "text");
    TokenIdBuffer ids = new TokenIdBuffer(text.length() / 3 + 8);
    List<Piece> words = new ArrayList<>();
    for (Segment segment : addedVocabulary.split(text)) {
      if (segment.isAddedToken()) {
        ids.add(segment.tokenId());
      } else if (preTokenizer == null) {
        model.encode(segment.text(), ids);
      } else {
        words.clear();
        preTokenizer.split(new Piece(segment.text(), segment.atTextStart()), words);
        for (Piece word : words) {
          model.encode(word.text(), ids);
        }
      }
    }
    int[] result = ids.toArray();
    return postProcessor == null ? result : postProcessor.process(result, addSpecialTokens);
  }

  /**
   * The text of a sequence of ids, optionally leaving out special tokens. As in Hugging Face,
   * spaces before punctuation are removed when tokenizer_config.json asks for it ({@code
   * clean_up_tokenization_spaces}).
   *
   * @throws IllegalArgumentException when an id is not in the vocabulary
   */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    List<String> tokens = new ArrayList<>(ids.length);
    for (int id : ids) {
      if (!(skipSpecialTokens && isSpecial(id))) {
        tokens.add(tokenText(id));
      }
    }
    String text = decodeTokens(tokens);
    return config.cleanUpTokenizationSpaces() ? cleanUpTokenizationSpaces(text) : text;
  }

  /** The text of {@code ids[from..to)} as the decoder writes it, without any clean-up. */
  String decodeRaw(TokenIdBuffer ids, int from, int to) {
    List<String> tokens = new ArrayList<>(to - from);
    for (int i = from; i < to; i++) {
      tokens.add(tokenText(ids.get(i)));
    }
    return decodeTokens(tokens);
  }

  private String decodeTokens(List<String> tokens) {
    // Without a decoder the reference joins the tokens with spaces.
    return decoder == null ? String.join(" ", tokens) : String.join("", decoder.decode(tokens));
  }

  /** Hugging Face's clean-up: " ." to ".", " n't" to "n't" and the like. */
  private static String cleanUpTokenizationSpaces(String text) {
    return text.replace(" .", ".")
        .replace(" ?", "?")
        .replace(" !", "!")
        .replace(" ,", ",")
        .replace(" ' ", "'")
        .replace(" n't", "n't")
        .replace(" 'm", "'m")
        .replace(" 's", "'s")
        .replace(" 've", "'ve")
        .replace(" 're", "'re");
  }

  /**
   * A decoder for a stream of generated ids that returns text as soon as it is complete, holding
   * back the bytes of a character split across tokens.
   */
  public TokenDecoder newTokenDecoder(boolean skipSpecialTokens) {
    return new TokenDecoder(this, skipSpecialTokens);
  }

  /** How many ids the tokenizer knows: one more than the largest id, added tokens included. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The id of tokenizer_config.json's {@code bos_token}, if it names one. */
  public OptionalInt bosTokenId() {
    return config.bosToken().map(this::tokenId).orElse(OptionalInt.empty());
  }

  /**
   * The id of tokenizer_config.json's {@code eos_token}, if it names one; an array because
   * generation_config.json can name several end tokens and callers merge the two.
   */
  public int[] eosTokenIds() {
    OptionalInt eos = config.eosToken().map(this::tokenId).orElse(OptionalInt.empty());
    return eos.isPresent() ? new int[] {eos.getAsInt()} : new int[0];
  }

  /** The raw Jinja chat template of tokenizer_config.json (or chat_template.jinja). */
  public Optional<String> chatTemplate() {
    return chatTemplate;
  }

  /**
   * The token as the vocabulary writes it ("Ġhello" in byte-level vocabularies, "▁hello" in
   * SentencePiece ones, the content of an added token).
   *
   * @throws IllegalArgumentException when the id is not in the vocabulary
   */
  public String tokenText(int id) {
    String text = id >= 0 && id < vocabSize ? textOfAddedId[id] : null;
    if (text == null) {
      text = model.tokenOf(id);
    }
    if (text == null) {
      throw new IllegalArgumentException(
          "token id " + id + " is not in the vocabulary (ids 0 to " + (vocabSize - 1) + ")");
    }
    return text;
  }

  /**
   * The UTF-8 bytes the token adds to a text it is in the middle of (a byte-level token's bytes,
   * SentencePiece's '▁' as a space, a {@code <0xNN>} token's byte), or null for a special token:
   * what constrained decoding matches a grammar against.
   */
  public byte[] tokenBytes(int id) {
    if (isSpecial(id)) {
      return null;
    }
    String text = tokenText(id);
    if (textOfAddedId[id] != null) {
      return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
    return DecoderStep.bytesInText(decoder, text);
  }

  /** Whether decoding drops the space that starts a text ("▁Hello" alone decodes as "Hello"). */
  public boolean decodingRemovesFirstSpace() {
    return DecoderStep.removesFirstSpace(decoder);
  }

  /** The id of a token written as the vocabulary writes it. */
  public OptionalInt tokenId(String token) {
    Integer added = addedTokenIds.get(token);
    if (added != null) {
      return OptionalInt.of(added);
    }
    int id = model.idOf(token);
    return id >= 0 ? OptionalInt.of(id) : OptionalInt.empty();
  }

  /** Whether the id is a special token (BOS, EOS, chat markers, ...), which decoding can skip. */
  public boolean isSpecial(int id) {
    return id >= 0 && specialIds.get(id);
  }
}
