package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What a completion and a chat completion request share: the sampling fields of OpenAI's API and
 * vLLM's extras, typed. Each endpoint's record ({@link CompletionRequest}, {@link
 * ChatCompletionRequest}) names every field it takes; a field it does not name is refused when the
 * body is read ({@link ApiRequests#read}), so nothing a caller sends can vanish. A null component
 * means the field was absent or null.
 */
interface GenerationRequest {

  String model();

  Integer maxTokens();

  Double temperature();

  Double topP();

  Integer topK();

  Double minP();

  Double repetitionPenalty();

  Double presencePenalty();

  Double frequencyPenalty();

  Long seed();

  Integer n();

  /** A string or a list of strings. */
  JsonNode stop();

  List<Integer> stopTokenIds();

  Boolean stream();

  StreamOptions streamOptions();

  Boolean ignoreEos();

  /** Token ids (as strings) to biases. */
  JsonNode logitBias();

  Boolean includeStopStrInOutput();

  Boolean useBeamSearch();

  Double lengthPenalty();

  Boolean earlyStopping();

  /** Completions: an integer (top alternatives); chat: a boolean. */
  JsonNode logprobs();

  Integer bestOf();

  // structured outputs (see StructuredOutputs)

  JsonNode responseFormat();

  JsonNode guidedJson();

  JsonNode guidedRegex();

  JsonNode guidedChoice();

  JsonNode guidedGrammar();

  JsonNode structuredOutputs();

  /** {@code stream_options}. */
  record StreamOptions(Boolean includeUsage) {}
}
