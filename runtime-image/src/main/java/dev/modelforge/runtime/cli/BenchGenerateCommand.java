package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.generate.Sampler;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.grammar.Grammar;
import dev.modelforge.engine.grammar.GrammarConstraint;
import dev.modelforge.engine.grammar.JsonSchemaGrammar;
import dev.modelforge.engine.grammar.TokenVocabulary;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.MemoryBandwidth;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelforge bench generate}: prefill and decode speed of one sequence, next to the
 * memory-bandwidth limit measured in the same run.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Time the prefill of a random prompt and greedy decoding of --gen-tokens tokens. Decode is",
      "bounded by memory bandwidth: the limit is measured bandwidth / weight bytes read per token."
    })
public final class BenchGenerateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--prompt-tokens",
      defaultValue = "64",
      description = "Prompt length P (default ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(
      names = "--gen-tokens",
      defaultValue = "64",
      description = "Tokens to decode G (default ${DEFAULT-VALUE}).")
  int genTokens;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Untimed warm-up rounds for the JIT (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--bandwidth-mib",
      description =
          "Buffer for the bandwidth measurement (default: the weight bytes read per token, so the"
              + " limit is the time to stream exactly those bytes from the same kind of memory).")
  Integer bandwidthMib;

  @Option(names = "--json", description = "Print the results as one JSON object.")
  boolean json;

  @Option(
      names = "--json-schema",
      paramLabel = "FILE",
      description = {
        "Also time greedy decoding under this JSON schema (structured outputs) against the same",
        "decoding unconstrained, rounds alternating, both through the server's per-token path."
      })
  Path jsonSchema;

  private record Timing(double prefillSeconds, double decodeSeconds, int decoded) {}

  @Override
  public Integer call() {
    if (promptTokens < 1 || genTokens < 2) {
      throw new IllegalArgumentException("--prompt-tokens must be >= 1 and --gen-tokens >= 2");
    }
    PrintWriter out = spec.commandLine().getOut();
    try (LoadedModel loaded = LoadedModel.open(modelOptions.model, modelOptions.quantizeType());
        Parallel pool = new Parallel(modelOptions.threadCount())) {
      DecoderModel model = loaded.model();
      if (promptTokens + genTokens > model.maxPositions()) {
        throw new IllegalArgumentException(
            "prompt + generated tokens exceed the model's context of " + model.maxPositions());
      }
      int vocab = model.config().vocabSize();
      Random rng = new Random(1234);
      int[] prompt = new int[promptTokens];
      for (int i = 0; i < prompt.length; i++) {
        prompt[i] = rng.nextInt(vocab);
      }
      InferenceState prefillState = model.newState(Math.min(64, promptTokens), pool);
      InferenceState decodeState = model.newState(1, pool);
      KvCache cache = model.newCache(promptTokens + genTokens);
      for (int i = 0; i < warmup; i++) {
        run(model, prefillState, decodeState, cache, prompt, Math.min(genTokens, 16));
      }
      Timing t = run(model, prefillState, decodeState, cache, prompt, genTokens);
      long peakRss = ProcessMemory.peakRssBytes();
      long bytesPerToken = model.weights().bytesReadPerToken(model.config());
      long bandwidthBytes =
          bandwidthMib != null ? (long) bandwidthMib << 20 : Math.max(bytesPerToken, 64L << 20);
      double bandwidth = MemoryBandwidth.measure(pool, bandwidthBytes, 5);

      double prefillRate = promptTokens / t.prefillSeconds();
      double decodeRate = t.decoded() / t.decodeSeconds();
      double limit = bandwidth / bytesPerToken;
      ObjectNode r = new ObjectMapper().createObjectNode();
      r.put("model", modelOptions.model.toString());
      r.put("architecture", model.config().architecture().hfClass());
      r.put("weights", model.weights().layers().getFirst().wq().dtype().name());
      r.put("threads", pool.threads());
      r.put("prompt_tokens", promptTokens);
      r.put("gen_tokens", genTokens);
      r.put("prefill_tokens_per_s", round(prefillRate));
      r.put("decode_tokens_per_s", round(decodeRate));
      r.put("time_to_first_token_ms", round(t.prefillSeconds() * 1000));
      r.put("prefill_to_decode_ratio", round(prefillRate / decodeRate));
      r.put("weight_bytes_per_token", bytesPerToken);
      r.put("measured_bandwidth_gb_s", round(bandwidth / 1e9));
      r.put("bandwidth_limit_tokens_per_s", round(limit));
      r.put("fraction_of_bandwidth_limit", round(decodeRate / limit));
      r.put("bandwidth_buffer_mib", bandwidthBytes >> 20);
      r.put("peak_rss_mib", peakRss >> 20);
      if (jsonSchema != null) {
        structured(model, loaded, pool, prefillState, decodeState, cache, prompt, r);
      }
      if (json) {
        out.println(r);
      } else {
        out.printf(
            "%s (%s, %s weights), %d threads%n",
            modelOptions.model,
            r.get("architecture").asText(),
            r.get("weights").asText(),
            pool.threads());
        out.printf(
            "prefill  %4d tokens: %10.1f tokens/s   (time to first token %.1f ms)%n",
            promptTokens, prefillRate, t.prefillSeconds() * 1000);
        out.printf(
            "decode   %4d tokens: %10.1f tokens/s   (prefill/decode %.1fx)%n",
            t.decoded(), decodeRate, prefillRate / decodeRate);
        out.printf(
            "bandwidth %.2f GB/s measured, %.1f MB of weights per token -> limit %.1f tokens/s; decode reaches %.0f%%%n",
            bandwidth / 1e9, bytesPerToken / 1e6, limit, 100 * decodeRate / limit);
        out.printf("peak RSS %d MiB (before the bandwidth buffer)%n", peakRss >> 20);
        if (jsonSchema != null) {
          out.printf(
              "structured: %.1f tokens/s under the schema vs %.1f unconstrained (%.3fx), %d vs %d"
                  + " tokens a round, grammar compiled in %.1f ms%n",
              r.get("structured_decode_tokens_per_s").asDouble(),
              r.get("unconstrained_decode_tokens_per_s").asDouble(),
              r.get("structured_to_unconstrained_ratio").asDouble(),
              r.get("structured_tokens").asInt(),
              r.get("unconstrained_tokens").asInt(),
              r.get("grammar_compile_ms").asDouble());
        }
      }
      return 0;
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /**
   * Greedy decoding through {@link TokenEmitter} (logprobs, stop checks: what serving pays per
   * token) with and without the schema's grammar, in alternating rounds after a warm-up of each, so
   * the ratio compares runs of the same minute.
   */
  private void structured(
      DecoderModel model,
      LoadedModel loaded,
      Parallel pool,
      InferenceState prefill,
      InferenceState decode,
      KvCache cache,
      int[] prompt,
      ObjectNode r) {
    String schema;
    try {
      schema = Files.readString(jsonSchema);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --json-schema " + jsonSchema + ": " + e);
    }
    Tokenizer tokenizer = Tokenizer.load(modelOptions.model);
    TokenVocabulary vocabulary = TokenVocabulary.of(tokenizer);
    long c0 = System.nanoTime();
    OutputConstraint constraint;
    try {
      constraint =
          new GrammarConstraint(
              Grammar.parse(JsonSchemaGrammar.fromSchema(new ObjectMapper().readTree(schema))),
              vocabulary);
    } catch (IOException e) {
      throw new IllegalArgumentException(jsonSchema + " is not JSON: " + e.getMessage());
    }
    double compileMs = (System.nanoTime() - c0) / 1e6;
    Set<Integer> eos =
        Arrays.stream(tokenizer.eosTokenIds()).boxed().collect(java.util.stream.Collectors.toSet());
    double[] seconds = new double[2];
    int[] tokens = new int[2];
    for (int round = 0; round < 2 + 2 * 3; round++) {
      int which = round % 2; // 0 unconstrained, 1 structured; the first two rounds warm up
      Timing t =
          emitterRun(model, prefill, decode, cache, prompt, eos, which == 1 ? constraint : null);
      if (round >= 2) {
        seconds[which] += t.decodeSeconds();
        tokens[which] += t.decoded();
      }
    }
    double free = tokens[0] / seconds[0];
    double constrained = tokens[1] / seconds[1];
    r.put("structured_schema", jsonSchema.toString());
    r.put("grammar_compile_ms", round(compileMs));
    r.put("unconstrained_decode_tokens_per_s", round(free));
    r.put("structured_decode_tokens_per_s", round(constrained));
    r.put("structured_to_unconstrained_ratio", Math.round(constrained / free * 1000) / 1000.0);
    r.put("unconstrained_tokens", tokens[0] / 3);
    r.put("structured_tokens", tokens[1] / 3);
  }

  private Timing emitterRun(
      DecoderModel model,
      InferenceState prefill,
      InferenceState decode,
      KvCache cache,
      int[] prompt,
      Set<Integer> eos,
      OutputConstraint constraint) {
    int vocab = model.config().vocabSize();
    TokenEmitter emitter =
        new TokenEmitter(SamplingParams.greedy(genTokens), vocab, prompt, eos, null, constraint);
    float[] logits = model.forward(prefill, cache, prompt, 0, prompt.length, 0, false);
    TokenEmitter.Step step = emitter.next(logits, 0, vocab, genTokens);
    int[] one = new int[1];
    int decoded = 0;
    long t1 = System.nanoTime();
    while (step.finish() == null) {
      one[0] = step.token().id();
      logits = model.forward(decode, cache, one, 0, 1, prompt.length + decoded, false);
      decoded++;
      step = emitter.next(logits, 0, vocab, genTokens - decoded);
    }
    return new Timing(0, (System.nanoTime() - t1) / 1e9, Math.max(decoded, 1));
  }

  /** Prefill the prompt, then greedy-decode {@code gen} tokens; the first one is TTFT's. */
  private static Timing run(
      DecoderModel model,
      InferenceState prefill,
      InferenceState decode,
      KvCache cache,
      int[] prompt,
      int gen) {
    int vocab = model.config().vocabSize();
    long t0 = System.nanoTime();
    float[] logits = model.forward(prefill, cache, prompt, 0, prompt.length, 0, false);
    int[] one = {Sampler.argmax(logits, vocab)};
    long t1 = System.nanoTime();
    for (int i = 1; i < gen; i++) {
      logits = model.forward(decode, cache, one, 0, 1, prompt.length + i - 1, false);
      one[0] = Sampler.argmax(logits, vocab);
    }
    long t2 = System.nanoTime();
    if (Arrays.hashCode(one) == 7) {
      System.out.print("");
    }
    return new Timing((t1 - t0) / 1e9, (t2 - t1) / 1e9, gen - 1);
  }
}
