package dev.modelforge.runtime.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.embed.Pooling;
import dev.modelforge.engine.generate.BeamSearch;
import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.PromptScorer;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.scheduler.QueueFullException;
import dev.modelforge.engine.scheduler.Request;
import dev.modelforge.engine.scheduler.RequestHandle;
import dev.modelforge.engine.scheduler.SequenceListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenAI-compatible HTTP API on Quarkus's Vert.x router: completions and chat completions
 * (streamed as Server-Sent Events ending with {@code data: [DONE]}), models, tokenize and
 * detokenize, and the health endpoints. Token callbacks arrive on the engine thread and are handed
 * to the request's Vert.x context before touching the response.
 */
@ApplicationScoped
public class OpenAiRoutes {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ServingEngine engine;
  private final ServingMetrics metrics;

  /** {@code --reasoning-parser}: how chat answers split into reasoning and content, or null. */
  private final ReasoningParser reasoning;

  /** {@code --pooling-type}: how /v1/embeddings reads a vector from the hidden states. */
  private final Pooling pooling;

  private final Optional<byte[]> apiKey;

  OpenAiRoutes(ServingEngine engine, ServingMetrics metrics, ServeConfig config) {
    this.reasoning = config.reasoningParser().map(ReasoningParser::named).orElse(null);
    this.pooling = Pooling.named(config.poolingType());
    this.engine = engine;
    this.metrics = metrics;
    this.apiKey =
        config
            .apiKey()
            .filter(k -> !k.isBlank())
            .map(k -> ("Bearer " + k).getBytes(StandardCharsets.UTF_8));
  }

  void register(@Observes Router router) {
    apiKey.ifPresent(key -> router.route("/v1/*").handler(ctx -> authorize(ctx, key)));
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(16 << 20));
    router.route("/tokenize").handler(BodyHandler.create());
    router.route("/detokenize").handler(BodyHandler.create());
    router.post("/v1/completions").handler(ctx -> safely(ctx, () -> generate(ctx, false)));
    router.post("/v1/chat/completions").handler(ctx -> safely(ctx, () -> generate(ctx, true)));
    router.post("/v1/embeddings").handler(ctx -> safely(ctx, () -> embeddings(ctx)));
    router.get("/v1/models").handler(ctx -> safely(ctx, () -> models(ctx)));
    router.get("/v1/models/:id").handler(ctx -> safely(ctx, () -> model(ctx)));
    router.post("/v1/load_lora_adapter").handler(ctx -> safely(ctx, () -> loadAdapter(ctx)));
    router.post("/v1/unload_lora_adapter").handler(ctx -> safely(ctx, () -> unloadAdapter(ctx)));
    router.post("/tokenize").handler(ctx -> safely(ctx, () -> tokenize(ctx)));
    router.post("/detokenize").handler(ctx -> safely(ctx, () -> detokenize(ctx)));
    router
        .get("/health/live")
        .handler(ctx -> json(ctx, 200, JSON.createObjectNode().put("status", "live")));
    router.get("/health/ready").handler(this::ready);
    // vLLM's plain health check and SageMaker's ping: 200 once the model serves
    router.get("/health").handler(this::ready);
    router.get("/ping").handler(this::ready);
    router.get("/version").handler(ctx -> json(ctx, 200, version()));
    // any other path: an OpenAI-shaped 404, not the framework's HTML page
    router
        .route()
        .last()
        .handler(
            ctx ->
                error(
                    ctx,
                    new ApiException(
                        404,
                        "invalid_request_error",
                        "no route for "
                            + ctx.request().method()
                            + " "
                            + ctx.request().path()
                            + " (see docs/openai-api.md for the endpoints)",
                        null,
                        "not_found")));
  }

  /** Lets a /v1 request on only with the configured key; compared in constant time. */
  private static void authorize(RoutingContext ctx, byte[] expected) {
    String header = ctx.request().getHeader("Authorization");
    byte[] given = header == null ? new byte[0] : header.trim().getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(given, expected)) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    error(
        ctx,
        new ApiException(
            401,
            "invalid_request_error",
            header == null
                ? "this server needs an API key: send 'Authorization: Bearer KEY'"
                : "Incorrect API key provided",
            null,
            "invalid_api_key"));
  }

  private static ObjectNode version() {
    return JSON.createObjectNode()
        .put("version", dev.modelforge.runtime.cli.ModelForgeCommand.projectVersion());
  }

  private void safely(RoutingContext ctx, Runnable handler) {
    try {
      handler.run();
    } catch (ApiException e) {
      error(ctx, e);
    } catch (QueueFullException e) {
      ctx.response().putHeader("Retry-After", "1");
      error(ctx, new ApiException(429, "rate_limit_exceeded", e.getMessage(), null, "queue_full"));
    } catch (IllegalArgumentException e) {
      error(ctx, ApiException.badRequest(e.getMessage(), null));
    } catch (IllegalStateException e) {
      error(ctx, new ApiException(503, "service_unavailable", e.getMessage(), null, null));
    } catch (RuntimeException e) {
      error(ctx, new ApiException(500, "internal_error", e.toString(), null, null));
    }
  }

  private ServingEngine.Loaded loadedOrFail() {
    ServingEngine.Loaded l = engine.loaded();
    if (l == null || engine.draining()) {
      throw new IllegalStateException(
          engine.draining()
              ? "the server is shutting down"
              : "the model is not loaded yet"
                  + engine.loadError().map(m -> " (it failed: " + m + ")").orElse(""));
    }
    return l;
  }

  private static JsonNode body(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw ApiException.badRequest("the request body is empty; send a JSON object", null);
    }
    try {
      JsonNode node = JSON.readTree(text);
      if (node == null || !node.isObject()) {
        throw ApiException.badRequest("the request body must be a JSON object", null);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          "the request body is not valid JSON: " + e.getOriginalMessage(), null);
    }
  }

  /** The adapter the request's model id names, or null for the base model. */
  private LoraAdapter checkModel(ServingEngine.Loaded l, JsonNode body) {
    JsonNode model = body.get("model");
    if (model == null || model.isNull() || model.asText().equals(l.servedName())) {
      return null;
    }
    return engine.adapter(model.asText()).orElseThrow(() -> modelNotFound(l, model.asText()));
  }

  private List<String> modelIds(ServingEngine.Loaded l) {
    List<String> ids = new ArrayList<>();
    ids.add(l.servedName());
    ids.addAll(engine.adapters().keySet());
    return ids;
  }

  private void generate(RoutingContext ctx, boolean chat) {
    ServingEngine.Loaded l = loadedOrFail();
    JsonNode body = body(ctx);
    LoraAdapter adapter = checkModel(l, body);
    RequestParser parser = new RequestParser(l);
    // a completion may carry a list of prompts: each gets n choices, indexed prompt by prompt
    List<GenerationSpec> prompts = chat ? List.of(parser.chat(body)) : parser.completions(body);
    GenerationSpec spec = prompts.getFirst();
    String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
    long created = System.currentTimeMillis() / 1000;
    Context vertx = Vertx.currentContext();
    Response response =
        new Response(
            ctx, vertx, prompts, chat, id, created, l, body.path("model").asText(l.servedName()));
    if (spec.beam() != null) {
      beamSearch(response, adapter);
      return;
    }
    List<RequestHandle> handles = new ArrayList<>();
    List<Choice> echoOnly = new ArrayList<>();
    for (GenerationSpec prompt : prompts) {
      metrics.requestParams(prompt.n());
      // echo with logprobs: the prompt's own token logprobs, scored before the choices run
      CompletableFuture<List<PromptScorer.Score>> promptScores =
          !chat && prompt.echo() && prompt.logprobs()
              ? engine.scorePrompt(prompt.promptIds(), prompt.params().topLogprobs(), adapter)
              : null;
      // best_of: that many choices run; the n most likely return
      for (int i = 0; i < prompt.bestOf(); i++) {
        Choice choice = new Choice(response.choices.size(), response, prompt, clock(l, prompt));
        choice.promptScores = promptScores;
        response.choices.add(choice);
        if (prompt.params().maxTokens() == 0) {
          echoOnly.add(choice); // vLLM's echo without generation: the prompt back, scored
          continue;
        }
        choice.submitted = true;
        handles.add(
            engine.submit(
                new Request(
                    prompt.promptIds(),
                    prompt.paramsForChoice(i),
                    l.eosIds(),
                    textStream(l),
                    adapter,
                    choice,
                    prompt.constraint())));
      }
    }
    response.open.set(response.choices.size());
    ctx.response().closeHandler(v -> handles.forEach(RequestHandle::cancel));
    if (spec.stream()) {
      response.startStream();
    }
    for (Choice c : echoOnly) {
      c.afterPromptScores(
          () -> c.onFinish(FinishReason.LENGTH, c.prompt.promptIds().length, 0, null));
    }
  }

  private ServingMetrics.RequestClock clock(ServingEngine.Loaded l, GenerationSpec prompt) {
    return metrics.startRequest(
        l.maxModelLength(), prompt.promptIds().length, prompt.params().maxTokens());
  }

  /**
   * use_beam_search: each prompt's n beams searched on the engine thread, one step between the
   * scheduler's steps; once they end, each beam becomes a choice whose tokens are told to it as a
   * sampled choice's are, so text, streaming, tool calls and usage take the same path. A stream
   * carries each beam whole, at the end, when the beams are known.
   */
  private void beamSearch(Response response, LoraAdapter adapter) {
    ServingEngine.Loaded l = response.loaded;
    RoutingContext ctx = response.ctx;
    AtomicBoolean gone = new AtomicBoolean();
    ctx.response().closeHandler(v -> gone.set(true));
    response.prompts.forEach(engine::checkBeamSearch); // all refused before any starts
    List<CompletableFuture<List<BeamSearch.Hypothesis>>> searches = new ArrayList<>();
    List<List<ServingMetrics.RequestClock>> clocks = new ArrayList<>();
    for (GenerationSpec prompt : response.prompts) {
      metrics.requestParams(prompt.n());
      // as a sampled choice: ignore_eos lets only max_tokens end it
      Set<Integer> ends =
          prompt.params().ignoreEos() ? Set.of() : prompt.params().endIds(l.eosIds());
      List<ServingMetrics.RequestClock> promptClocks = new ArrayList<>();
      for (int i = 0; i < prompt.n(); i++) {
        promptClocks.add(clock(l, prompt));
      }
      clocks.add(promptClocks);
      searches.add(engine.beamSearch(prompt, ends, adapter, gone::get));
    }
    CompletableFuture.allOf(searches.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, failure) ->
                response.vertx.runOnContext(
                    v -> {
                      if (failure != null) {
                        // the searches that did end hold the drain until answered
                        searches.stream()
                            .filter(f -> !f.isCompletedExceptionally())
                            .forEach(f -> engine.finished());
                        if (!gone.get()) {
                          error(ctx, asyncFailure(failure, null));
                        }
                        return;
                      }
                      for (int p = 0; p < searches.size(); p++) {
                        List<BeamSearch.Hypothesis> beams = searches.get(p).join();
                        for (int b = 0; b < beams.size(); b++) {
                          Choice c =
                              new Choice(
                                  response.choices.size(),
                                  response,
                                  response.prompts.get(p),
                                  clocks.get(p).get(b));
                          c.beam = beams.get(b);
                          c.submitted = b == 0; // each search holds one place in flight
                          response.choices.add(c);
                        }
                      }
                      response.open.set(response.choices.size());
                      if (response.spec.stream()) {
                        response.startStream();
                      }
                      for (Choice c : List.copyOf(response.choices)) {
                        c.replayBeam(textStream(l));
                      }
                    }));
  }

  /**
   * What a request's work on the engine thread failed with, as its answer: a refusal the engine
   * made (400 naming {@code param}), the drain's cancellation (503), else a 500.
   */
  private static ApiException asyncFailure(Throwable failure, String param) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
    if (cause instanceof java.util.concurrent.CancellationException) {
      return new ApiException(
          503, "service_unavailable", "the server is shutting down", null, null);
    }
    if (cause instanceof IllegalArgumentException) {
      return ApiException.badRequest(cause.getMessage(), param);
    }
    return new ApiException(500, "internal_error", cause.toString(), null, null);
  }

  /** vLLM's stop_reason: the stop string (text), the stop token id (number), or null. */
  private static void putStopReason(ObjectNode choice, Object reason) {
    switch (reason) {
      case String s -> choice.put("stop_reason", s);
      case Integer id -> choice.put("stop_reason", id);
      case null, default -> choice.putNull("stop_reason");
    }
  }

  /** Most inputs one embeddings request may carry. */
  static final int MAX_EMBEDDING_INPUTS = 256;

  /**
   * POST /v1/embeddings: each input through the model (no output head) and pooled, the vector
   * normalised unless {@code normalize: false}, as floats or base64 of little-endian float32.
   */
  private void embeddings(RoutingContext ctx) {
    ServingEngine.Loaded l = loadedOrFail();
    JsonNode body = body(ctx);
    EmbeddingRequest r = ApiRequests.read(body, EmbeddingRequest.class);
    if (checkModel(l, body) != null) {
      throw ApiException.badRequest(
          "embeddings come from the base model; LoRA adapters are not applied to them", "model");
    }
    String format = r.encodingFormat() == null ? "float" : r.encodingFormat();
    if (!format.equals("float") && !format.equals("base64")) {
      throw ApiException.badRequest(
          "'encoding_format' must be float or base64, got '" + format + "'", "encoding_format");
    }
    int dim = l.embedder().dimensions();
    Integer dimensions = r.dimensions();
    if (dimensions != null && dimensions != dim) {
      throw ApiException.badRequest(
          "'dimensions' "
              + dimensions
              + ": this model gives "
              + dim
              + " dimensions and does not support Matryoshka truncation",
          "dimensions");
    }
    boolean special = r.addSpecialTokens() == null || r.addSpecialTokens();
    boolean normalize = r.normalize() == null || r.normalize();
    List<int[]> inputs = embeddingInputs(l, r.input(), special);
    List<CompletableFuture<float[]>> vectors = new ArrayList<>();
    for (int[] ids : inputs) {
      vectors.add(engine.embed(ids, pooling, normalize));
    }
    Context vertx = Vertx.currentContext();
    String modelId = r.model() == null ? l.servedName() : r.model();
    CompletableFuture.allOf(vectors.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, failure) ->
                vertx.runOnContext(
                    v -> {
                      if (failure != null) {
                        error(ctx, asyncFailure(failure, "input"));
                        return;
                      }
                      ObjectNode o = JSON.createObjectNode().put("object", "list");
                      ArrayNode data = o.putArray("data");
                      int tokens = 0;
                      for (int i = 0; i < vectors.size(); i++) {
                        float[] e = vectors.get(i).join();
                        ObjectNode item =
                            data.addObject().put("object", "embedding").put("index", i);
                        if (format.equals("base64")) {
                          java.nio.ByteBuffer buf =
                              java.nio.ByteBuffer.allocate(e.length * 4)
                                  .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                          for (float x : e) {
                            buf.putFloat(x);
                          }
                          item.put(
                              "embedding",
                              java.util.Base64.getEncoder().encodeToString(buf.array()));
                        } else {
                          ArrayNode arr = item.putArray("embedding");
                          for (float x : e) {
                            arr.add(x);
                          }
                        }
                        tokens += inputs.get(i).length;
                      }
                      o.put("model", modelId);
                      o.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
                      json(ctx, 200, o);
                    }));
  }

  /** {@code input}: a string, a list of strings, a list of token ids, or a list of those lists. */
  private static List<int[]> embeddingInputs(
      ServingEngine.Loaded l, JsonNode input, boolean special) {
    if (input == null || input.isNull()) {
      throw ApiException.badRequest("'input' is required", "input");
    }
    List<JsonNode> items = new ArrayList<>();
    if (input.isTextual() || (input.isArray() && !input.isEmpty() && input.get(0).isInt())) {
      items.add(input);
    } else if (input.isArray() && !input.isEmpty()) {
      input.forEach(items::add);
    } else {
      throw ApiException.badRequest(
          "'input' must be a string, a list of strings or token ids, or a list of token-id lists",
          "input");
    }
    if (items.size() > MAX_EMBEDDING_INPUTS) {
      throw ApiException.badRequest(
          "'input' holds " + items.size() + " inputs; at most " + MAX_EMBEDDING_INPUTS, "input");
    }
    int vocab = l.model().config().vocabSize();
    List<int[]> out = new ArrayList<>();
    for (int k = 0; k < items.size(); k++) {
      JsonNode item = items.get(k);
      int[] ids;
      if (item.isTextual()) {
        ids = l.tokenizer().encode(item.asText(), special);
      } else if (item.isArray()) {
        ids = new int[item.size()];
        for (int i = 0; i < ids.length; i++) {
          JsonNode v = item.get(i);
          if (!v.isInt() || v.asInt() < 0 || v.asInt() >= vocab) {
            throw ApiException.badRequest(
                "'input'[" + k + "][" + i + "] = " + v + " is not a token id of this model",
                "input");
          }
          ids[i] = v.asInt();
        }
      } else {
        throw ApiException.badRequest(
            "'input'[" + k + "] must be a string or a list of token ids, got " + item, "input");
      }
      if (ids.length == 0) {
        throw ApiException.badRequest("'input'[" + k + "] is empty", "input");
      }
      if (ids.length > l.maxModelLength()) {
        throw ApiException.badRequest(
            "This model's maximum context length is "
                + l.maxModelLength()
                + " tokens, but input "
                + k
                + " has "
                + ids.length
                + " tokens. Please shorten it.",
            "input");
      }
      out.add(ids);
    }
    return out;
  }

  private static dev.modelforge.engine.generate.TextStream textStream(ServingEngine.Loaded l) {
    var decoder = l.tokenizer().newTokenDecoder(true);
    return new dev.modelforge.engine.generate.TextStream() {
      @Override
      public String accept(int tokenId) {
        return decoder.append(tokenId);
      }

      @Override
      public String flush() {
        return decoder.finish();
      }
    };
  }

  /** One HTTP response carrying n choices. */
  private final class Response {
    final RoutingContext ctx;
    final Context vertx;

    /** The request's prompts (one for chat); their settings besides the prompt are the same. */
    final List<GenerationSpec> prompts;

    final GenerationSpec spec;
    final boolean chat;
    final String id;
    final long created;
    final ServingEngine.Loaded loaded;
    final String modelId;
    final List<Choice> choices = new ArrayList<>();
    final AtomicInteger open;

    Response(
        RoutingContext ctx,
        Context vertx,
        List<GenerationSpec> prompts,
        boolean chat,
        String id,
        long created,
        ServingEngine.Loaded loaded,
        String modelId) {
      this.ctx = ctx;
      this.vertx = vertx;
      this.prompts = prompts;
      this.spec = prompts.getFirst();
      this.chat = chat;
      this.id = id;
      this.created = created;
      this.loaded = loaded;
      this.modelId = modelId;
      this.open = new AtomicInteger();
    }

    /** Runs on the Vert.x context: the stream's headers and each choice's opening chunk. */
    void startStream() {
      ctx.response()
          .setChunked(true)
          .putHeader("Content-Type", "text/event-stream")
          .putHeader("Cache-Control", "no-cache");
      for (Choice c : choices) {
        if (chat) {
          ObjectNode delta = JSON.createObjectNode().put("role", "assistant").put("content", "");
          sendChunk(c.index, delta, null, null, null);
        } else if (spec.echo()) {
          c.afterPromptScores(
              () -> sendChunk(c.index, null, c.prompt.promptText(), null, c.promptLogprobs()));
        }
      }
    }

    /**
     * The choices the response carries: all of them, or with best_of, each prompt's n with the
     * highest cumulative logprob, most likely first.
     */
    List<Choice> returned() {
      if (spec.bestOf() == spec.n()) {
        return choices;
      }
      List<Choice> best = new ArrayList<>();
      for (GenerationSpec p : prompts) {
        choices.stream()
            .filter(c -> c.prompt == p)
            .sorted(
                java.util.Comparator.comparingDouble((Choice c) -> c.cumulativeLogprob)
                    .reversed()
                    .thenComparingInt(c -> c.index))
            .limit(p.n())
            .forEach(best::add);
      }
      return best;
    }

    ObjectNode envelope(String object) {
      ObjectNode o = JSON.createObjectNode();
      o.put("id", id);
      o.put("object", object);
      o.put("created", created);
      o.put("model", modelId);
      return o;
    }

    /** Runs on the Vert.x context: writes one SSE event. */
    void sendChunk(
        int index, ObjectNode deltaOrNull, String text, String finish, ObjectNode logprobs) {
      ObjectNode o = envelope(chat ? "chat.completion.chunk" : "text_completion");
      ObjectNode c = o.putArray("choices").addObject();
      c.put("index", index);
      if (chat) {
        c.set(
            "delta",
            deltaOrNull != null ? deltaOrNull : JSON.createObjectNode().put("content", text));
      } else {
        c.put("text", text);
      }
      c.set("logprobs", logprobs == null ? JSON.nullNode() : logprobs);
      if (finish != null) {
        c.put("finish_reason", finish);
        putStopReason(c, choices.get(index).stopReason);
      } else {
        c.putNull("finish_reason");
      }
      write("data: " + o + "\n\n");
    }

    void write(String s) {
      HttpServerResponse r = ctx.response();
      if (!r.ended() && !r.closed()) {
        r.write(s);
      }
    }

    ObjectNode usage() {
      int completion = 0;
      for (Choice c : choices) {
        completion += c.generated;
      }
      int prompt = 0;
      for (GenerationSpec p : prompts) {
        prompt += p.promptIds().length;
      }
      ObjectNode u = JSON.createObjectNode();
      u.put("prompt_tokens", prompt);
      u.put("completion_tokens", completion);
      u.put("total_tokens", prompt + completion);
      return u;
    }

    /**
     * Runs on the Vert.x context once every choice has finished; the future completes when the last
     * bytes have reached the socket (or could not).
     */
    Future<Void> complete(Exception error) {
      for (GenerationSpec p : prompts) {
        int most = 0;
        for (Choice c : choices) {
          most = c.prompt == p ? Math.max(most, c.generated) : most;
        }
        metrics.requestFinished(loaded.maxModelLength(), most);
      }
      HttpServerResponse r = ctx.response();
      if (r.ended() || r.closed()) {
        return Future.succeededFuture();
      }
      if (error != null && !r.headWritten()) {
        return error(ctx, new ApiException(500, "internal_error", error.getMessage(), null, null));
      }
      if (spec.stream()) {
        if (spec.includeUsage()) {
          ObjectNode o = envelope(chat ? "chat.completion.chunk" : "text_completion");
          o.putArray("choices");
          o.set("usage", usage());
          write("data: " + o + "\n\n");
        }
        return r.end("data: [DONE]\n\n");
      }
      ObjectNode o = envelope(chat ? "chat.completion" : "text_completion");
      ArrayNode arr = o.putArray("choices");
      List<Choice> returned = returned();
      for (int k = 0; k < returned.size(); k++) {
        Choice c = returned.get(k);
        ObjectNode co = arr.addObject();
        co.put("index", k);
        String text = c.text.toString();
        if (chat) {
          ObjectNode message = co.putObject("message").put("role", "assistant");
          if (reasoning != null) {
            String thought = c.answer().reasoning();
            message.put("reasoning_content", thought.isEmpty() ? null : thought);
          }
          ToolCalls.Parsed parsed = c.parsedToolCalls();
          if (parsed == null || parsed.calls().isEmpty()) {
            message.put("content", c.answer().content());
          } else {
            message.put("content", parsed.content());
            message.set("tool_calls", ToolCalls.toJson(parsed.calls()));
          }
          co.set("logprobs", spec.logprobs() ? c.chatLogprobs() : JSON.nullNode());
        } else {
          co.put("text", spec.echo() ? c.prompt.promptText() + text : text);
          co.set("logprobs", spec.logprobs() ? c.completionLogprobs() : JSON.nullNode());
        }
        co.put("finish_reason", c.finishName());
        putStopReason(co, c.stopReason);
      }
      o.set("usage", usage());
      return json(ctx, 200, o);
    }
  }

  /** One choice of a response: the engine's listener for one sequence. */
  private final class Choice implements SequenceListener {
    final int index;
    final Response response;
    final GenerationSpec prompt;
    final ServingMetrics.RequestClock clock;
    final StringBuilder text = new StringBuilder();
    final List<GeneratedToken> tokens = new ArrayList<>();
    int streamedLogprobs;
    int generated;

    /** Sum of the generated tokens' logprobs (best_of ranks by it). */
    double cumulativeLogprob;

    /** use_beam_search: the beam this choice tells, or null for a sampled choice. */
    BeamSearch.Hypothesis beam;

    FinishReason finish;

    /**
     * Chat: characters of the content (the text after any reasoning) and of the reasoning already
     * streamed.
     */
    int streamedChars;

    int streamedReasoning;

    /** Whether the engine runs this choice (max_tokens 0 with echo does not). */
    boolean submitted;

    /** echo with logprobs: the prompt's token logprobs, or null. */
    CompletableFuture<List<PromptScorer.Score>> promptScores;

    /**
     * Runs {@code then} on the Vert.x context once the prompt is scored (at once without scoring).
     * The engine scores before it runs the choice, so a scored prompt's logprobs always come before
     * the first generated token's.
     */
    void afterPromptScores(Runnable then) {
      if (promptScores == null) {
        then.run();
        return;
      }
      promptScores.whenComplete((v, e) -> response.vertx.runOnContext(x -> then.run()));
    }

    /** The prompt's entries in the completions logprobs format, or null when not scored. */
    ObjectNode promptLogprobs() {
      if (promptScores == null) {
        return null;
      }
      ObjectNode lp = JSON.createObjectNode();
      appendPromptLogprobs(lp);
      return lp;
    }

    private void appendPromptLogprobs(ObjectNode lp) {
      List<PromptScorer.Score> scores = promptScores.getNow(null);
      if (scores == null) {
        return; // the scoring failed; the generated tokens' logprobs still go out
      }
      ArrayNode toks = lp.withArray("tokens");
      ArrayNode logprobs = lp.withArray("token_logprobs");
      ArrayNode top = lp.withArray("top_logprobs");
      ArrayNode offsets = lp.withArray("text_offset");
      int offset = 0;
      for (PromptScorer.Score sc : scores) {
        String t = response.loaded.tokenizer().decode(new int[] {sc.id()}, false);
        toks.add(t);
        if (sc.logprob() == null) {
          logprobs.addNull();
          top.addNull();
        } else {
          logprobs.add(sc.logprob());
          ObjectNode alts = top.addObject();
          for (GeneratedToken.TokenLogprob alt : sc.top()) {
            alts.put(
                response.loaded.tokenizer().decode(new int[] {alt.id()}, false), alt.logprob());
          }
        }
        offsets.add(offset);
        offset += t.length();
      }
    }

    /** What stopped the output (vLLM's stop_reason): a stop string or stop token id, or null. */
    Object stopReason;

    private ToolCalls.Parsed parsed;
    private ToolCallStream toolStream;

    private ReasoningParser.Split answer;

    Choice(int index, Response response, GenerationSpec prompt, ServingMetrics.RequestClock clock) {
      this.index = index;
      this.response = response;
      this.prompt = prompt;
      this.clock = clock;
    }

    @Override
    public void onScheduled() {
      clock.scheduled();
    }

    /** Tells this choice its beam's tokens as the engine tells a sampled choice's. */
    void replayBeam(dev.modelforge.engine.generate.TextStream decoder) {
      onScheduled();
      for (int id : beam.tokens()) {
        onToken(new GeneratedToken(id, decoder.accept(id), Float.NaN, List.of()));
      }
      String rest = decoder.flush();
      if (!rest.isEmpty()) {
        onTrailingText(rest);
      }
      onFinish(
          beam.stopped() ? FinishReason.STOP : FinishReason.LENGTH,
          prompt.promptIds().length,
          beam.tokens().length,
          null);
    }

    @Override
    public void onToken(GeneratedToken token) {
      clock.token();
      response.vertx.runOnContext(
          v -> {
            text.append(token.text());
            cumulativeLogprob += token.logprob();
            if (response.spec.logprobs()) {
              tokens.add(token);
            }
            if (response.spec.stream() && !token.text().isEmpty()) {
              stream(token.text());
            }
          });
    }

    @Override
    public void onStopReason(Object reason) {
      response.vertx.runOnContext(v -> stopReason = reason);
    }

    @Override
    public void onTrailingText(String rest) {
      response.vertx.runOnContext(
          v -> {
            text.append(rest);
            if (response.spec.stream()) {
              stream(rest);
            }
          });
    }

    @Override
    public void onFinish(
        FinishReason reason, int promptTokens, int generatedTokens, Exception error) {
      clock.finished(reason, generatedTokens);
      response.vertx.runOnContext(
          v -> {
            // the last choice leaves flight only once the response's last bytes are on the socket:
            // a drain that sees nothing in flight lets the server close its connections, and
            // Netty drops whatever is still queued for a closed connection
            Future<Void> written = Future.succeededFuture();
            try {
              generated = generatedTokens;
              finish = reason;
              if (response.spec.stream() && error == null) {
                ObjectNode last = response.chat ? JSON.createObjectNode() : null;
                if (response.chat && reasoning != null) {
                  String thought = answer().reasoning();
                  if (thought.length() > streamedReasoning) {
                    last.put("reasoning_content", thought.substring(streamedReasoning));
                  }
                }
                ToolCalls.Parsed calls = parsedToolCalls();
                String content = response.chat ? answer().content() : "";
                if (calls != null && !calls.calls().isEmpty()) {
                  // the calls' last characters (and any call that went out whole at the end)
                  ArrayNode rest = toolStream().advance(content, true);
                  if (!rest.isEmpty()) {
                    last.set("tool_calls", rest);
                  }
                } else if (content.length() > streamedChars) {
                  last.put("content", content.substring(streamedChars)); // was held back
                }
                response.sendChunk(index, last, "", finishName(), unsentLogprobs());
              }
              if (response.open.decrementAndGet() == 0) {
                written = response.complete(error);
              }
            } finally {
              written.onComplete(
                  done -> {
                    if (submitted) {
                      engine.finished();
                    }
                  });
            }
          });
    }

    /**
     * Sends newly generated text; with tools, text that may be the start of a tool call is held
     * back until the answer shows what it is.
     */
    private void stream(String piece) {
      boolean tools = prompt.tools() != null && prompt.tools().parses();
      if (!response.chat || (!tools && reasoning == null)) {
        response.sendChunk(index, null, piece, null, unsentLogprobs());
        return;
      }
      if (reasoning != null) {
        String thought = reasoning.splitSoFar(text.toString()).reasoning();
        if (thought.length() > streamedReasoning) {
          ObjectNode delta =
              JSON.createObjectNode()
                  .put("reasoning_content", thought.substring(streamedReasoning));
          streamedReasoning = thought.length();
          response.sendChunk(index, delta, null, null, unsentLogprobs());
        }
      }
      String content = contentSoFar();
      int upTo = tools ? prompt.tools().streamable(content) : content.length();
      if (upTo > streamedChars) {
        String out = content.substring(streamedChars, upTo);
        streamedChars = upTo;
        response.sendChunk(index, null, out, null, unsentLogprobs());
      }
      if (tools) {
        ArrayNode calls = toolStream().advance(content, false);
        if (!calls.isEmpty()) {
          ObjectNode delta = JSON.createObjectNode();
          delta.set("tool_calls", calls);
          response.sendChunk(index, delta, null, null, unsentLogprobs());
        }
      }
    }

    /** The streamed answer's tool calls as far as they are written (chat with tools only). */
    private ToolCallStream toolStream() {
      if (toolStream == null) {
        toolStream = new ToolCallStream(prompt.tools().format());
      }
      return toolStream;
    }

    /** The streamed answer's content so far: the text after its reasoning, with a parser. */
    private String contentSoFar() {
      String all = text.toString();
      return reasoning == null ? all : reasoning.splitSoFar(all).content();
    }

    /** The finished answer as reasoning and content (all content without a parser), once. */
    ReasoningParser.Split answer() {
      if (answer == null) {
        String all = text.toString();
        answer = reasoning == null ? new ReasoningParser.Split("", all) : reasoning.split(all);
      }
      return answer;
    }

    /** The tool calls in the finished answer, or null when the request parses none. */
    ToolCalls.Parsed parsedToolCalls() {
      if (parsed == null && prompt.tools() != null && prompt.tools().parses() && finish != null) {
        parsed = prompt.tools().parse(answer().content());
      }
      return parsed;
    }

    /** OpenAI's finish reason: tool_calls when the answer made calls. */
    String finishName() {
      if (finish == null) {
        return "abort";
      }
      ToolCalls.Parsed calls = parsedToolCalls();
      if (finish == FinishReason.STOP && calls != null && !calls.calls().isEmpty()) {
        return "tool_calls";
      }
      return finish.apiName();
    }

    ObjectNode completionLogprobs() {
      if (promptScores == null) {
        return completionLogprobs(0, tokens.size());
      }
      ObjectNode lp = JSON.createObjectNode();
      appendPromptLogprobs(lp);
      ObjectNode generated = completionLogprobs(0, tokens.size());
      for (String field : List.of("tokens", "token_logprobs", "top_logprobs", "text_offset")) {
        lp.withArray(field).addAll((ArrayNode) generated.get(field));
      }
      return lp;
    }

    /** The completions format for {@code tokens[from, to)}, offsets into the whole text. */
    private ObjectNode completionLogprobs(int from, int to) {
      ObjectNode lp = JSON.createObjectNode();
      ArrayNode toks = lp.putArray("tokens");
      ArrayNode logprobs = lp.putArray("token_logprobs");
      ArrayNode top = lp.putArray("top_logprobs");
      ArrayNode offsets = lp.putArray("text_offset");
      int offset = response.spec.echo() ? prompt.promptText().length() : 0;
      for (GeneratedToken t : tokens.subList(0, from)) {
        offset += t.text().length();
      }
      for (GeneratedToken t : tokens.subList(from, to)) {
        toks.add(response.loaded.tokenizer().decode(new int[] {t.id()}, false));
        logprobs.add(t.logprob());
        ObjectNode alts = top.addObject();
        for (GeneratedToken.TokenLogprob alt : t.topLogprobs()) {
          alts.put(response.loaded.tokenizer().decode(new int[] {alt.id()}, false), alt.logprob());
        }
        offsets.add(offset);
        offset += t.text().length();
      }
      return lp;
    }

    ObjectNode chatLogprobs() {
      return chatLogprobs(0, tokens.size());
    }

    /**
     * A streamed chunk's logprobs, in the endpoint's format: the tokens since the last chunk (a
     * token whose text is held back, for a stop string or an unfinished UTF-8 sequence, goes with
     * the next chunk); null when the request asked for none.
     */
    ObjectNode unsentLogprobs() {
      if (!response.spec.logprobs()) {
        return null;
      }
      ObjectNode lp =
          response.chat
              ? chatLogprobs(streamedLogprobs, tokens.size())
              : completionLogprobs(streamedLogprobs, tokens.size());
      streamedLogprobs = tokens.size();
      return lp;
    }

    private ObjectNode chatLogprobs(int from, int to) {
      ObjectNode lp = JSON.createObjectNode();
      ArrayNode content = lp.putArray("content");
      for (GeneratedToken t : tokens.subList(from, to)) {
        ObjectNode e = content.addObject();
        String s = response.loaded.tokenizer().decode(new int[] {t.id()}, false);
        e.put("token", s);
        e.put("logprob", t.logprob());
        bytes(e, s);
        ArrayNode alts = e.putArray("top_logprobs");
        for (GeneratedToken.TokenLogprob alt : t.topLogprobs()) {
          String as = response.loaded.tokenizer().decode(new int[] {alt.id()}, false);
          ObjectNode a = alts.addObject().put("token", as).put("logprob", alt.logprob());
          bytes(a, as);
        }
      }
      return lp;
    }

    private static void bytes(ObjectNode node, String s) {
      ArrayNode b = node.putArray("bytes");
      for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
        b.add(x & 0xFF);
      }
    }
  }

  private void models(RoutingContext ctx) {
    ServingEngine.Loaded l = loadedOrFail();
    ObjectNode o = JSON.createObjectNode().put("object", "list");
    o.set("data", modelObjects(l));
    json(ctx, 200, o);
  }

  /** GET /v1/models/{id}: one served model or adapter, else 404 as vLLM answers. */
  private void model(RoutingContext ctx) {
    ServingEngine.Loaded l = loadedOrFail();
    String id = ctx.pathParam("id");
    for (JsonNode m : modelObjects(l)) {
      if (m.path("id").asText().equals(id)) {
        json(ctx, 200, m);
        return;
      }
    }
    throw modelNotFound(l, id);
  }

  private ApiException modelNotFound(ServingEngine.Loaded l, String id) {
    return new ApiException(
        404,
        "invalid_request_error",
        "The model `" + id + "` does not exist. This server serves " + modelIds(l) + ".",
        "model",
        "model_not_found");
  }

  private ArrayNode modelObjects(ServingEngine.Loaded l) {
    ArrayNode data = JSON.createArrayNode();
    long now = System.currentTimeMillis() / 1000;
    ObjectNode m = data.addObject();
    m.put("id", l.servedName());
    m.put("object", "model");
    m.put("created", now);
    m.put("owned_by", "modelforge");
    m.put("root", l.model().path().toString());
    m.putNull("parent");
    m.put("max_model_len", l.maxModelLength());
    engine.adapters().values().stream()
        .sorted(java.util.Comparator.comparing(LoraAdapter::name))
        .forEach(
            a -> {
              ObjectNode am = data.addObject();
              am.put("id", a.name());
              am.put("object", "model");
              am.put("created", now);
              am.put("owned_by", "modelforge");
              am.put("root", String.valueOf(a.path()));
              am.put("parent", l.servedName());
              am.put("max_model_len", l.maxModelLength());
            });
    return data;
  }

  private void loadAdapter(RoutingContext ctx) {
    loadedOrFail();
    JsonNode body = body(ctx);
    String name = body.path("lora_name").asText("");
    String path = body.path("lora_path").asText("");
    if (name.isBlank() || path.isBlank()) {
      throw ApiException.badRequest(
          "'lora_name' and 'lora_path' are required", name.isBlank() ? "lora_name" : "lora_path");
    }
    try {
      engine.loadAdapter(name, path);
    } catch (dev.modelforge.engine.format.ModelFormatException e) {
      throw ApiException.badRequest(e.getMessage(), "lora_path");
    }
    ctx.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "text/plain")
        .end("Success: LoRA adapter '" + name + "' added successfully.");
  }

  private void unloadAdapter(RoutingContext ctx) {
    loadedOrFail();
    JsonNode body = body(ctx);
    String name = body.path("lora_name").asText("");
    if (name.isBlank()) {
      throw ApiException.badRequest("'lora_name' is required", "lora_name");
    }
    engine.unloadAdapter(name);
    ctx.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "text/plain")
        .end("Success: LoRA adapter '" + name + "' removed successfully.");
  }

  private void tokenize(RoutingContext ctx) {
    ServingEngine.Loaded l = loadedOrFail();
    JsonNode body = body(ctx);
    checkModel(l, body);
    JsonNode prompt = body.get("prompt");
    if (prompt == null || !prompt.isTextual()) {
      throw ApiException.badRequest("'prompt' must be a string", "prompt");
    }
    int[] ids =
        l.tokenizer().encode(prompt.asText(), body.path("add_special_tokens").asBoolean(true));
    ObjectNode o = JSON.createObjectNode();
    ArrayNode arr = o.putArray("tokens");
    for (int id : ids) {
      arr.add(id);
    }
    o.put("count", ids.length);
    o.put("max_model_len", l.maxModelLength());
    json(ctx, 200, o);
  }

  private void detokenize(RoutingContext ctx) {
    ServingEngine.Loaded l = loadedOrFail();
    JsonNode body = body(ctx);
    checkModel(l, body);
    JsonNode tokens = body.get("tokens");
    if (tokens == null || !tokens.isArray()) {
      throw ApiException.badRequest("'tokens' must be a list of token ids", "tokens");
    }
    int vocab = l.model().config().vocabSize();
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      JsonNode t = tokens.get(i);
      if (!t.isInt() || t.asInt() < 0 || t.asInt() >= vocab) {
        throw ApiException.badRequest(
            "'tokens'[" + i + "] = " + t + " is not a token id of this model", "tokens");
      }
      ids[i] = t.asInt();
    }
    json(ctx, 200, JSON.createObjectNode().put("prompt", l.tokenizer().decode(ids, false)));
  }

  private void ready(RoutingContext ctx) {
    if (engine.ready()) {
      json(ctx, 200, JSON.createObjectNode().put("status", "ready"));
    } else {
      ObjectNode o = JSON.createObjectNode().put("status", "not ready");
      o.put(
          "reason",
          engine.draining() ? "shutting down" : engine.loadError().orElse("loading the model"));
      json(ctx, 503, o);
    }
  }

  private static Future<Void> json(RoutingContext ctx, int status, JsonNode body) {
    return ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.toString());
  }

  private static Future<Void> error(RoutingContext ctx, ApiException e) {
    HttpServerResponse r = ctx.response();
    if (r.ended() || r.closed()) {
      return Future.succeededFuture();
    }
    if (r.headWritten()) {
      // mid-stream: report in-band as an SSE event, then end the stream
      ObjectNode err = JSON.createObjectNode();
      err.putObject("error").put("message", e.getMessage()).put("type", e.type);
      return r.end("data: " + err + "\n\ndata: [DONE]\n\n");
    }
    ObjectNode o = JSON.createObjectNode();
    ObjectNode err = o.putObject("error");
    err.put("message", e.getMessage());
    err.put("type", e.type);
    if (e.param != null) {
      err.put("param", e.param);
    } else {
      err.putNull("param");
    }
    if (e.code != null) {
      err.put("code", e.code);
    } else {
      err.put("code", e.status);
    }
    return json(ctx, e.status, o);
  }
}
