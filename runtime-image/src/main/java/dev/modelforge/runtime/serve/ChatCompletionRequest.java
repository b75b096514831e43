package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * POST /v1/chat/completions: every field this server takes (docs/openai-api.md says what each
 * does).
 *
 * @param user the caller's own tag, which no server acts on
 * @param messages the conversation: role, content (text or text parts), and name, tool_calls,
 *     tool_call_id, which reach the chat template
 * @param maxCompletionTokens OpenAI's newer name for max_tokens
 * @param chatTemplateKwargs more variables for the template (Qwen3's enable_thinking, ...)
 * @param bestOf accepted only equal to n
 * @param functions accepted only empty (OpenAI's deprecated form of tools)
 * @param functionCall accepted only as "none"
 */
record ChatCompletionRequest(
    String model,
    String user,
    JsonNode messages,
    Integer maxTokens,
    Integer maxCompletionTokens,
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
    Integer topLogprobs,
    Boolean addGenerationPrompt,
    JsonNode tools,
    JsonNode toolChoice,
    Boolean parallelToolCalls,
    JsonNode chatTemplateKwargs,
    JsonNode responseFormat,
    JsonNode guidedJson,
    JsonNode guidedRegex,
    JsonNode guidedChoice,
    JsonNode guidedGrammar,
    JsonNode structuredOutputs,
    JsonNode functions,
    JsonNode functionCall)
    implements GenerationRequest {}
