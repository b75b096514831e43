package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.modelforge.engine.format.gguf.GgufModelWriter;
import dev.modelforge.engine.format.safetensors.SafetensorsWriter;
import dev.modelforge.examples.ArithmeticTask;
import dev.modelforge.runtime.fetch.Fetcher;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fetch} as a Model's fetch Job runs it. The hub is a local HTTP server that speaks the
 * Hugging Face API's tree listing (paginated, with LFS digests) and {@code /resolve/} downloads
 * over the files of a model this test writes; no test may reach the real hub.
 */
class FetchCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private HttpServer server;
  private String endpoint;

  /** Repository files the hub serves: path -> bytes. */
  private final Map<String, byte[]> repo = new LinkedHashMap<>();

  /** Paths whose downloads the hub corrupts (one byte flipped, digest unchanged). */
  private final List<String> corrupt = new ArrayList<>();

  private final Map<String, AtomicInteger> downloads = new ConcurrentHashMap<>();
  private volatile int listingStatus = 200;

  @BeforeEach
  void startHub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopHub() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getRawQuery();
    try (ex) {
      if (path.equals("/api/models/acme/tiny/tree/main")) {
        if (listingStatus != 200) {
          send(ex, listingStatus, "{\"error\":\"no\"}".getBytes(StandardCharsets.UTF_8));
          return;
        }
        // Two pages, as the hub paginates long listings with a Link header.
        List<String> names = new ArrayList<>(repo.keySet());
        boolean second = query != null && query.contains("cursor=2");
        List<String> page =
            second
                ? names.subList(names.size() / 2, names.size())
                : names.subList(0, names.size() / 2);
        ArrayNode out = JSON.createArrayNode();
        out.addObject().put("type", "directory").put("path", "onnx").put("size", 0);
        for (String name : page) {
          byte[] bytes = repo.get(name);
          ObjectNode f =
              out.addObject().put("type", "file").put("path", name).put("size", bytes.length);
          if (name.endsWith(".safetensors") || name.endsWith(".gguf") || name.endsWith(".bin")) {
            f.putObject("lfs").put("oid", sha256(bytes)).put("size", bytes.length);
          }
        }
        if (!second) {
          ex.getResponseHeaders()
              .add(
                  "Link",
                  "<"
                      + endpoint
                      + "/api/models/acme/tiny/tree/main?recursive=true&cursor=2>; rel=\"next\"");
        }
        send(ex, 200, JSON.writeValueAsBytes(out));
        return;
      }
      String prefix = "/acme/tiny/resolve/main/";
      if (path.startsWith(prefix) && repo.containsKey(path.substring(prefix.length()))) {
        String name = path.substring(prefix.length());
        downloads.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        byte[] bytes = repo.get(name).clone();
        if (corrupt.contains(name)) {
          bytes[bytes.length / 2] ^= 1;
        }
        send(ex, 200, bytes);
        return;
      }
      send(ex, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** A tiny random Llama model with a tokenizer, as the files a hub repository would hold. */
  private Path model() throws IOException {
    Path tok = dir.resolve("tok");
    ArithmeticTask.writeTokenizer(tok);
    Path model = dir.resolve("model");
    CliRun run =
        CliRun.of(
            "init", "--preset", "tiny", "--tokenizer", tok.toString(), "--out", model.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    return model;
  }

  private void publish(Path model) throws IOException {
    try (Stream<Path> files = Files.list(model)) {
      for (Path f : files.sorted().toList()) {
        repo.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    // What a hub repository also holds and a served model does not need.
    repo.put("pytorch_model.bin", new byte[] {1, 2, 3});
  }

  private CliRun fetch(String source, Path dest, Path progress) {
    return CliRun.of(
        "fetch",
        "--source",
        source,
        "--dest",
        dest.toString(),
        "--progress-file",
        progress.toString(),
        "--hf-endpoint",
        endpoint,
        "--source-root",
        dir.resolve("mnt").toString());
  }

  @Test
  void fetchesAHubRepositoryVerifiesDigestsAndReportsTheModelForItsStatus() throws IOException {
    publish(model());
    Path dest = dir.resolve("models/tiny");
    Path progress = dir.resolve("run/progress.json");

    CliRun run = fetch("hf://acme/tiny", dest, progress);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dest.resolve("model.safetensors"))
        .hasSameBinaryContentAs(dir.resolve("model/model.safetensors"));
    assertThat(dest.resolve("pytorch_model.bin")).doesNotExist();
    JsonNode p = JSON.readTree(progress.toFile());
    assertThat(p.get("phase").asText()).isEqualTo("completed");
    long total =
        repo.entrySet().stream()
            .filter(e -> !e.getKey().endsWith(".bin"))
            .mapToLong(e -> e.getValue().length)
            .sum();
    assertThat(p.get("bytesDone").asLong()).isEqualTo(total);
    assertThat(p.get("totalBytes").asLong()).isEqualTo(total);
    assertThat(p.get("etaSeconds").asLong()).isZero();
    assertThat(p.get("files")).hasSize(repo.size() - 1);
    for (JsonNode f : p.get("files")) {
      assertThat(f.get("sha256").asText())
          .as(f.get("path").asText())
          .isEqualTo(sha256(repo.get(f.get("path").asText())));
    }
    JsonNode config = p.get("config");
    assertThat(config.get("architecture").asText()).isEqualTo("LlamaForCausalLM");
    assertThat(config.get("dtype").asText()).isEqualTo("float32");
    assertThat(config.get("parameters").asLong()).isPositive();
    assertThat(config.get("contextLength").asInt()).isPositive();
    assertThat(config.get("vocabSize").asInt()).isPositive();

    CliRun generate =
        CliRun.of("generate", "--model", dest.toString(), "--prompt", "1+1=", "--max-tokens", "2");
    assertThat(generate.exitCode()).as(generate.err()).isZero();
  }

  @Test
  void aRerunKeepsVerifiedFilesAndDownloadsOnlyWhatIsMissing() throws IOException {
    publish(model());
    Path dest = dir.resolve("models/tiny");
    assertThat(fetch("hf://acme/tiny", dest, dir.resolve("p1.json")).exitCode()).isZero();
    Files.delete(dest.resolve("config.json"));
    downloads.clear();

    CliRun again = fetch("hf://acme/tiny", dest, dir.resolve("p2.json"));

    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(downloads.keySet()).containsExactly("config.json");
    assertThat(again.out()).contains("have model.safetensors");
  }

  @Test
  void aCorruptDownloadFailsNamingTheFileAndLeavesNothingUnderItsName() throws IOException {
    publish(model());
    corrupt.add("model.safetensors");
    Path dest = dir.resolve("models/tiny");
    Path progress = dir.resolve("progress.json");

    CliRun run = fetch("hf://acme/tiny", dest, progress);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("model.safetensors is corrupt: SHA-256");
    assertThat(dest.resolve("model.safetensors")).doesNotExist();
    assertThat(dest.resolve("model.safetensors.part")).doesNotExist();
    JsonNode p = JSON.readTree(progress.toFile());
    assertThat(p.get("phase").asText()).isEqualTo("failed");
    assertThat(p.get("error").asText()).contains("model.safetensors is corrupt");
  }

  @Test
  void aGatedRepositoryAsksForAToken() throws IOException {
    publish(model());
    listingStatus = 401;

    CliRun run = fetch("hf://acme/tiny", dir.resolve("d"), dir.resolve("p.json"));

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("gated or private").contains("HF_TOKEN");
  }

  @Test
  void anUnknownRepositoryAndBadUrisAreOneLineErrors() {
    CliRun missing = fetch("hf://acme/nothing", dir.resolve("d"), dir.resolve("p.json"));
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).contains("acme/nothing@main was not found");

    assertThat(fetch("hf://acme", dir.resolve("d"), dir.resolve("p.json")).err())
        .contains("must name a repository");
    assertThat(fetch("s3://Not_A_Bucket/model", dir.resolve("d"), dir.resolve("p.json")).err())
        .contains("valid bucket name");
    assertThat(fetch("gopher://x/y", dir.resolve("d"), dir.resolve("p.json")).err())
        .contains("unknown scheme 'gopher'");
    assertThat(fetch("pvc://missing/model", dir.resolve("d"), dir.resolve("p.json")).err())
        .contains("does not exist")
        .contains("MODELFORGE_SOURCE_ROOT");
  }

  @Test
  void aMountedClaimIsCopiedAndMustHoldAModel() throws IOException {
    Path model = model();
    Path claim = dir.resolve("mnt/pvc/weights/base");
    Files.createDirectories(claim);
    try (Stream<Path> files = Files.list(model)) {
      for (Path f : files.toList()) {
        Files.copy(f, claim.resolve(f.getFileName()));
      }
    }
    Path dest = dir.resolve("models/copy");

    CliRun run = fetch("pvc://weights/base", dest, dir.resolve("p.json"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dest.resolve("tokenizer.json")).exists();

    Path notAModel = dir.resolve("mnt/pvc/junk/stuff");
    Files.createDirectories(notAModel);
    Files.writeString(notAModel.resolve("notes.json"), "{}");
    CliRun junk = fetch("pvc://junk/stuff", dir.resolve("models/junk"), dir.resolve("j.json"));
    assertThat(junk.exitCode()).isEqualTo(1);
    assertThat(junk.err()).contains("no config.json");
  }

  /** A fine-tuning job's output Model: a PEFT adapter on the job's output claim. */
  @Test
  void aLoraAdapterOnAClaimIsFetchedAndDescribedAsAnAdapter() throws IOException {
    Path claim = dir.resolve("mnt/pvc/sums-output/model");
    Files.createDirectories(claim.resolve("checkpoints/step-10"));
    Files.writeString(claim.resolve("checkpoints/step-10/state.json"), "{}");
    SafetensorsWriter w = new SafetensorsWriter();
    w.addF32(
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
        new long[] {4, 8},
        new float[32]);
    w.addF32(
        "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
        new long[] {8, 4},
        new float[32]);
    w.write(claim.resolve("adapter_model.safetensors"));
    Files.writeString(
        claim.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 4, \"base_model_name_or_path\": \"/models/tiny\"}");
    Path dest = dir.resolve("models/sums");
    Path progress = dir.resolve("p.json");

    CliRun run = fetch("pvc://sums-output/model", dest, progress);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dest.resolve("checkpoints")).doesNotExist();
    JsonNode config = JSON.readTree(progress.toFile()).get("config");
    assertThat(config.get("architecture").asText()).isEqualTo("PeftLoraAdapter");
    assertThat(config.get("parameters").asLong()).isEqualTo(64);
    assertThat(config.get("rank").asInt()).isEqualTo(4);
    assertThat(config.get("baseModel").asText()).isEqualTo("/models/tiny");
  }

  @Test
  void aGgufFileAtAUrlIsFetchedAndDescribed() throws IOException {
    Path model = model();
    Path gguf = dir.resolve("tiny-q8.gguf");
    GgufModelWriter.convertDirectory(model, dev.modelforge.engine.tensor.DType.Q8_0, gguf);
    byte[] bytes = Files.readAllBytes(gguf);
    server.createContext(
        "/files/tiny-q8.gguf",
        ex -> {
          try (ex) {
            if (ex.getRequestMethod().equals("HEAD")) {
              ex.getResponseHeaders().add("Content-Length", Long.toString(bytes.length));
              ex.sendResponseHeaders(200, -1);
            } else {
              send(ex, 200, bytes);
            }
          }
        });
    Path dest = dir.resolve("models/gguf");
    Path progress = dir.resolve("p.json");

    CliRun run = fetch(endpoint + "/files/tiny-q8.gguf", dest, progress);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dest.resolve("tiny-q8.gguf")).hasSameBinaryContentAs(gguf);
    assertThat(dest.resolve(Fetcher.MANIFEST)).exists();
    JsonNode config = JSON.readTree(progress.toFile()).get("config");
    assertThat(config.get("dtype").asText()).isEqualTo("q8_0");
    assertThat(config.get("architecture").asText()).isEqualTo("LlamaForCausalLM");
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
