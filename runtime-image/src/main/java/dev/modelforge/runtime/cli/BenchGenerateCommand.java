package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.generate.Sampler;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.model.KvCache;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.MemoryBandwidth;
import dev.modelforge.engine.tensor.Parallel;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Random;
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
      }
      return 0;
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
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
