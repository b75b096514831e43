package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelforge bench serve}: a streaming load client for an OpenAI-compatible server. Keeps
 * {@code --concurrency} requests in flight and reports output tokens/s, time to first token and
 * inter-token latency percentiles.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Load a running server with streaming completions of random prompts (token ids) and report",
      "total output tokens/s, TTFT and inter-token latency p50/p90/p99, and errors."
    })
public final class BenchServeCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--url",
      required = true,
      description = "Server base URL, e.g. http://localhost:8000")
  URI url;

  @Option(
      names = "--concurrency",
      defaultValue = "16",
      description = "Requests in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--requests",
      defaultValue = "64",
      description = "Requests in all (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--prompt-tokens",
      defaultValue = "128",
      description = "Prompt length (default ${DEFAULT-VALUE}).")
  int promptTokens;

  @Option(
      names = "--gen-tokens",
      defaultValue = "64",
      description = "Tokens per completion (default ${DEFAULT-VALUE}).")
  int genTokens;

  @Option(
      names = "--shared-prefix",
      defaultValue = "0",
      description = "Leading prompt tokens all requests share.")
  int sharedPrefix;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the random prompts.")
  long seed;

  @Option(names = "--json", description = "Print the results as one JSON object.")
  boolean json;

  private record Result(boolean ok, String error, double ttft, List<Double> gaps, int tokens) {}

  @Override
  public Integer call() throws Exception {
    if (concurrency < 1 || requests < 1 || promptTokens < 1 || genTokens < 1) {
      throw new IllegalArgumentException(
          "concurrency, requests, prompt and gen tokens must be >= 1");
    }
    if (sharedPrefix < 0 || sharedPrefix > promptTokens) {
      throw new IllegalArgumentException("--shared-prefix must be between 0 and --prompt-tokens");
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    JsonNode models = get(http, "/v1/models");
    String model = models.path("data").get(0).path("id").asText();
    int[] pool = tokenPool(http, model);
    Random rng = new Random(seed);
    int[] prefix = randomIds(pool, sharedPrefix, rng);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      int[] p = Arrays.copyOf(prefix, promptTokens);
      int[] tail = randomIds(pool, promptTokens - sharedPrefix, rng);
      System.arraycopy(tail, 0, p, sharedPrefix, tail.length);
      prompts.add(p);
    }
    Semaphore slots = new Semaphore(concurrency);
    List<Result> results = Collections.synchronizedList(new ArrayList<>());
    long t0 = System.nanoTime();
    try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> futures = new ArrayList<>();
      for (int[] p : prompts) {
        slots.acquire();
        futures.add(
            exec.submit(
                () -> {
                  try {
                    results.add(stream(http, model, p));
                  } finally {
                    slots.release();
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    report(results, wall);
    return results.stream().allMatch(Result::ok) ? 0 : 1;
  }

  private JsonNode get(HttpClient http, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(url.resolve(path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          url.resolve(path) + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** Valid token ids of the served model: a tokenized stretch of varied text. */
  private int[] tokenPool(HttpClient http, String model) throws Exception {
    StringBuilder text = new StringBuilder();
    Random r = new Random(7);
    for (int i = 0; i < 400; i++) {
      text.append(" w").append(r.nextInt(100_000)).append(i % 7 == 0 ? "." : "");
    }
    ObjectNode req = JSON.createObjectNode().put("model", model).put("prompt", text.toString());
    req.put("add_special_tokens", false);
    HttpResponse<String> resp =
        http.send(
            HttpRequest.newBuilder(url.resolve("/tokenize"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode tokens = JSON.readTree(resp.body()).path("tokens");
    int[] ids = new int[tokens.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens.get(i).asInt();
    }
    if (ids.length == 0) {
      throw new IllegalStateException("/tokenize gave no tokens: " + resp.body());
    }
    return ids;
  }

  private static int[] randomIds(int[] pool, int n, Random rng) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = pool[rng.nextInt(pool.length)];
    }
    return out;
  }

  private Result stream(HttpClient http, String model, int[] prompt) {
    ObjectNode req = JSON.createObjectNode();
    req.put("model", model);
    ArrayNode p = req.putArray("prompt");
    Arrays.stream(prompt).forEach(p::add);
    req.put("max_tokens", genTokens);
    req.put("temperature", 0);
    req.put("ignore_eos", true);
    req.put("stream", true);
    req.putObject("stream_options").put("include_usage", true);
    long start = System.nanoTime();
    try {
      HttpResponse<Stream<String>> r =
          http.send(
              HttpRequest.newBuilder(url.resolve("/v1/completions"))
                  .header("Content-Type", "application/json")
                  .timeout(Duration.ofMinutes(10))
                  .POST(HttpRequest.BodyPublishers.ofString(req.toString()))
                  .build(),
              HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        return new Result(false, "HTTP " + r.statusCode(), 0, List.of(), 0);
      }
      double ttft = -1;
      long last = 0;
      List<Double> gaps = new ArrayList<>();
      int tokens = 0;
      for (String line : (Iterable<String>) r.body()::iterator) {
        if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
          continue;
        }
        JsonNode chunk = JSON.readTree(line.substring(6));
        if (chunk.has("usage") && !chunk.path("usage").isNull()) {
          tokens = chunk.path("usage").path("completion_tokens").asInt();
          continue;
        }
        if (chunk.has("error")) {
          return new Result(false, chunk.path("error").path("message").asText(), 0, List.of(), 0);
        }
        String text = chunk.path("choices").path(0).path("text").asText("");
        if (text.isEmpty()) {
          continue;
        }
        long now = System.nanoTime();
        if (ttft < 0) {
          ttft = (now - start) / 1e9;
        } else {
          gaps.add((now - last) / 1e9);
        }
        last = now;
      }
      return new Result(true, null, ttft, gaps, tokens);
    } catch (Exception e) {
      return new Result(false, e.toString(), 0, List.of(), 0);
    }
  }

  private static double percentile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(i, sorted.size() - 1)));
  }

  private void report(List<Result> results, double wall) {
    List<Double> ttfts = new ArrayList<>();
    List<Double> gaps = new ArrayList<>();
    int tokens = 0;
    int errors = 0;
    String firstError = null;
    for (Result r : results) {
      if (!r.ok()) {
        errors++;
        firstError = firstError == null ? r.error() : firstError;
        continue;
      }
      if (r.ttft() >= 0) {
        ttfts.add(r.ttft());
      }
      gaps.addAll(r.gaps());
      tokens += r.tokens();
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("url", url.toString());
    o.put("concurrency", concurrency);
    o.put("requests", requests);
    o.put("prompt_tokens", promptTokens);
    o.put("gen_tokens", genTokens);
    o.put("shared_prefix", sharedPrefix);
    o.put("wall_seconds", round(wall));
    o.put("output_tokens", tokens);
    o.put("output_tokens_per_s", round(tokens / wall));
    for (double q : new double[] {0.5, 0.9, 0.99}) {
      int pct = (int) Math.round(q * 100);
      o.put("ttft_p" + pct + "_ms", round(percentile(ttfts, q) * 1000));
      o.put("itl_p" + pct + "_ms", round(percentile(gaps, q) * 1000));
    }
    o.put("errors", errors);
    if (firstError != null) {
      o.put("first_error", firstError);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(o);
      return;
    }
    out.printf(
        "%d requests, concurrency %d, prompt %d (shared %d), %d generated each: %.1f s%n",
        requests, concurrency, promptTokens, sharedPrefix, genTokens, wall);
    out.printf("output %.1f tokens/s (%d tokens), errors %d%n", tokens / wall, tokens, errors);
    out.printf(
        "TTFT ms  p50 %.1f  p90 %.1f  p99 %.1f%n",
        o.get("ttft_p50_ms").asDouble(),
        o.get("ttft_p90_ms").asDouble(),
        o.get("ttft_p99_ms").asDouble());
    out.printf(
        "ITL  ms  p50 %.1f  p90 %.1f  p99 %.1f%n",
        o.get("itl_p50_ms").asDouble(),
        o.get("itl_p90_ms").asDouble(),
        o.get("itl_p99_ms").asDouble());
    if (firstError != null) {
      out.println("first error: " + firstError);
    }
  }

  private static double round(double v) {
    return Double.isNaN(v) ? -1 : Math.round(v * 100) / 100.0;
  }
}
