package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * POST /v1/embeddings: OpenAI's fields and vLLM's extras.
 *
 * @param input a string, a list of strings, a list of token ids, or a list of token-id lists
 * @param encodingFormat float or base64
 * @param dimensions accepted only as the model's own width
 * @param addSpecialTokens vLLM's: whether the tokenizer adds BOS and the like (default true)
 * @param normalize vLLM's: L2-normalise the vector (default true)
 */
record EmbeddingRequest(
    String model,
    String user,
    JsonNode input,
    String encodingFormat,
    Integer dimensions,
    Boolean addSpecialTokens,
    Boolean normalize) {}
