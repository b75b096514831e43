package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * POST /v1/completions: every field this server takes (docs/openai-api.md says what each does).
 *
 * @param user the caller's own tag, which no server acts on
 * @param prompt a string, a list of token ids, or a list of up to 64 of either
 * @param suffix accepted only as "" (no insertion)
 * @param tools accepted only empty: completions call no tools
 * @param toolChoice accepted only as "none"
 * @param functions accepted only empty
 * @param functionCall accepted only as "none"
 */
record CompletionRequest(
    String model,
    String user,
    JsonNode prompt,
    Integer maxTokens,
    Double temperature,
    Double topP,
    Integer topK,
    Double minP,
    Double repetitionPenalty,
    Double presencePenalty,
    Double frequencyPenalty,
    Long seed,
    Integer n,
    Integer bestOf,
    JsonNode stop,
    List<Integer> stopTokenIds,
    Boolean stream,
    StreamOptions streamOptions,
    Boolean ignoreEos,
    JsonNode logitBias,
    Boolean includeStopStrInOutput,
    Boolean useBeamSearch,
    Double lengthPenalty,
    Boolean earlyStopping,
    JsonNode logprobs,
    Boolean echo,
    JsonNode responseFormat,
    JsonNode guidedJson,
    JsonNode guidedRegex,
    JsonNode guidedChoice,
    JsonNode guidedGrammar,
    JsonNode structuredOutputs,
    String suffix,
    JsonNode tools,
    JsonNode toolChoice,
    JsonNode functions,
    JsonNode functionCall)
    implements GenerationRequest {}
