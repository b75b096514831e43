package dev.modelforge.runtime.fetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.format.ModelFormatException;
import dev.modelforge.engine.format.TensorData;
import dev.modelforge.engine.format.TensorStore;
import dev.modelforge.engine.format.gguf.GgufModel;
import dev.modelforge.engine.format.safetensors.SafetensorsStore;
import dev.modelforge.engine.lora.PeftAdapterFiles;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.engine.tokenizer.TokenizerException;
import dev.modelforge.runtime.fetch.FetchProgress.FetchedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Copies a model from a {@link ModelSource} into a folder, then checks that it is a model
 * ModelForge can load. Each file goes to {@code NAME.part} and is renamed into place once its size
 * and SHA-256 (when the source publishes one) match, so an interrupted fetch never leaves a
 * half-written file under its real name; a rerun skips the files a manifest records as complete.
 *
 * <p>The network is not trusted to hold: a failure that may pass (no answer, a dropped or stalled
 * connection, 408, 429, 5xx) is retried with exponential backoff and jitter, waiting what a
 * Retry-After asks; each retry resumes the file from the bytes its {@code .part} already holds (an
 * HTTP Range request), as does a rerun after the pod was killed, and the digest covers the whole
 * file. When the budget runs out the error names the file, the source and the last cause.
 */
public final class Fetcher {

  /**
   * How hard a fetch tries.
   *
   * @param retries tries after the first, per file (and for the listing)
   * @param firstBackoff the wait before the first retry, doubling up to {@code maxBackoff}
   * @param stallTimeout how long a download may go without a byte before it is dropped and resumed
   */
  public record Retry(
      int retries, Duration firstBackoff, Duration maxBackoff, Duration stallTimeout) {
    public Retry {
      if (retries < 0 || stallTimeout.isNegative() || stallTimeout.isZero()) {
        throw new IllegalArgumentException(
            "--retries must be 0 or more and --stall-timeout positive, got "
                + retries
                + " and "
                + stallTimeout.toSeconds()
                + " s");
      }
    }

    public static final Retry DEFAULT =
        new Retry(8, Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(2));
  }

  /**
   * How a large file is fetched over several connections at once: in {@code connections} bounded
   * ranges when the source answers range requests and the file has at least {@code minSize} bytes
   * (1 connection turns it off).
   */
  public record Parallel(int connections, long minSize) {
    public Parallel {
      if (connections < 1 || connections > 64 || minSize < 1) {
        throw new IllegalArgumentException(
            "--connections must be 1 to 64, got "
                + connections
                + " (minimum size "
                + minSize
                + ")");
      }
    }

    public static final Parallel DEFAULT = new Parallel(4, 64L << 20);
  }

  /** Records the files already complete in the destination, with their digests. */
  public static final String MANIFEST = ".modelforge-fetch.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long PROGRESS_INTERVAL_NANOS = 500_000_000L;

  private final ModelSource source;
  private final Path dest;
  private final FetchProgress progress;
  private final Consumer<String> log;
  private final Retry retry;
  private final Parallel parallel;

  private final List<FetchedFile> done = new ArrayList<>();
  private long totalBytes;
  private long bytesDone;
  private long startNanos;
  private long bytesAtStart;
  private long lastWrite;

  public Fetcher(ModelSource source, Path dest, Path progressFile, Consumer<String> log) {
    this(source, dest, progressFile, log, Retry.DEFAULT);
  }

  public Fetcher(
      ModelSource source, Path dest, Path progressFile, Consumer<String> log, Retry retry) {
    this(source, dest, progressFile, log, retry, Parallel.DEFAULT);
  }

  public Fetcher(
      ModelSource source,
      Path dest,
      Path progressFile,
      Consumer<String> log,
      Retry retry,
      Parallel parallel) {
    this.parallel = parallel;
    this.source = source;
    this.dest = dest;
    this.progress = new FetchProgress(progressFile);
    this.log = log;
    this.retry = retry;
  }

  /** What was fetched: the files and the model's description for the Model's status. */
  public record Result(List<FetchedFile> files, long bytes, Map<String, Object> config) {}

  public Result run() throws IOException {
    try {
      return fetch();
    } catch (IOException | RuntimeException e) {
      String error =
          e instanceof FetchException || e instanceof ModelFormatException
              ? e.getMessage()
              : e.getClass().getSimpleName() + ": " + e.getMessage();
      progress.write("failed", bytesDone, totalBytes, 0, done, null, error, error);
      throw e;
    }
  }

  private Result fetch() throws IOException {
    progress.write("listing", 0, 0, 0, done, null, "Listing " + source.describe(), null);
    List<RemoteFile> files = retrying("listing " + source.describe(), source::list);
    for (RemoteFile f : files) {
      checkPath(f.path());
      totalBytes += Math.max(0, f.size());
    }
    Files.createDirectories(dest);
    ObjectNode manifest = readManifest();
    startNanos = System.nanoTime();
    for (RemoteFile f : files) {
      FetchedFile already = complete(manifest, f);
      if (already != null) {
        done.add(already);
        bytesDone += already.size();
        bytesAtStart += already.size();
        log.accept("have " + f.path() + " (" + already.size() + " bytes, verified earlier)");
        continue;
      }
      FetchedFile fetched = download(f);
      done.add(fetched);
      manifest.putObject(f.path()).put("size", fetched.size()).put("sha256", fetched.sha256());
      writeManifest(manifest);
      log.accept("fetched " + f.path() + " (" + fetched.size() + " bytes)");
    }
    totalBytes = Math.max(totalBytes, bytesDone);
    progress.write(
        "verifying", bytesDone, totalBytes, rate(), done, null, "Checking the model files", null);
    Map<String, Object> config = inspect(files);
    progress.write(
        "completed",
        bytesDone,
        totalBytes,
        rate(),
        done,
        config,
        "Fetched " + done.size() + " files (" + bytesDone + " bytes) from " + source.describe(),
        null);
    return new Result(List.copyOf(done), bytesDone, config);
  }

  /** Runs {@code work} under the retry budget; what it cannot get past names {@code what}. */
  private <T> T retrying(String what, CheckedSupplier<T> work) throws IOException {
    AtomicInteger attempts = new AtomicInteger();
    RetryPolicy<T> policy =
        RetryPolicy.<T>builder()
            .handle(RetryableFetchException.class)
            .withMaxRetries(retry.retries())
            // a Retry-After is waited out as asked; else exponential backoff with 25% jitter
            // (computed here: Failsafe's own jitter would also shorten what the server asked for)
            .withDelayFn(
                ctx ->
                    ctx.getLastException() instanceof RetryableFetchException r
                            && r.retryAfter() != null
                        ? r.retryAfter()
                        : backoff(ctx.getAttemptCount()))
            .onRetry(
                e ->
                    log.accept(
                        what
                            + ": try "
                            + (e.getAttemptCount() + 1)
                            + " of "
                            + (retry.retries() + 1)
                            + " after "
                            + e.getLastException().getMessage()))
            .build();
    try {
      return Failsafe.with(policy)
          .get(
              () -> {
                attempts.incrementAndGet();
                return work.get();
              });
    } catch (RetryableFetchException e) {
      throw new FetchException(
          what + " failed after " + attempts.get() + " tries: " + e.getMessage(), e);
    } catch (FailsafeException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw e;
    }
  }

  /** The wait after try {@code tries}: the first backoff doubled per try, capped, +-25%. */
  private Duration backoff(int tries) {
    double base =
        Math.min(
            retry.maxBackoff().toMillis(),
            retry.firstBackoff().toMillis() * Math.pow(2, Math.max(0, tries - 1)));
    double jitter = 0.75 + 0.5 * java.util.concurrent.ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.round(base * jitter));
  }

  /** What a download needs done; may throw what the retry policy judges. */
  @FunctionalInterface
  interface CheckedSupplier<T> {
    T get() throws IOException;
  }

  private FetchedFile download(RemoteFile f) throws IOException {
    Path target = dest.resolve(f.path());
    Files.createDirectories(target.getParent());
    Path part = target.resolveSibling(target.getFileName() + ".part");
    // a plain .part (from one connection) resumes as it was written
    boolean plainPart =
        Files.isRegularFile(part) && !Files.isRegularFile(SegmentedDownload.rangesOf(part));
    if (source.ranges()
        && parallel.connections() > 1
        && f.size() >= parallel.minSize()
        && !plainPart) {
      FetchedFile fetched = downloadInRanges(f, part);
      if (fetched != null) {
        Files.move(
            part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return fetched;
      }
    }
    Partial state = new Partial();
    if (Files.isRegularFile(part)) {
      long have = Files.size(part);
      log.accept("resuming " + f.path() + " from byte " + have + " (a .part from an earlier run)");
      bytesDone += have;
      bytesAtStart += have;
    }
    FetchedFile fetched;
    try {
      fetched =
          retrying(
              "downloading " + f.path() + " from " + source.describe(),
              () -> attempt(f, part, state));
    } catch (IOException | RuntimeException e) {
      // the .part stays for the next run to resume, unless it is known to be wrong
      throw e instanceof FetchException fe
          ? fe
          : new FetchException("downloading " + f.path() + " failed: " + e.getMessage(), e);
    }
    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return fetched;
  }

  /**
   * {@code f} over several connections ({@link SegmentedDownload}), verified whole; null when the
   * source sent the whole file for a range (nothing is kept; the caller fetches it over one).
   */
  private FetchedFile downloadInRanges(RemoteFile f, Path part) throws IOException {
    SegmentedDownload ranges = new SegmentedDownload(source, f, part, host, retry.stallTimeout());
    long base = bytesDone;
    for (boolean mayRetryWhole = true; ; mayRetryWhole = false) {
      long have = ranges.prepare(parallel.connections());
      bytesDone += have;
      bytesAtStart += have;
      try {
        ranges.run();
      } catch (SegmentedDownload.RangesIgnored e) {
        log.accept(e.getMessage() + " when asked for a range; fetching it over one connection");
        ranges.forget();
        Files.deleteIfExists(part);
        bytesDone = base;
        return null;
      }
      String digest = digestOf(part);
      if (f.sha256() == null || f.sha256().equalsIgnoreCase(digest)) {
        ranges.forget();
        return new FetchedFile(f.path(), f.size(), digest);
      }
      ranges.forget();
      Files.deleteIfExists(part);
      bytesDone = base;
      if (have == 0 || !mayRetryWhole) {
        throw new FetchException(
            f.path() + " is corrupt: SHA-256 " + digest + ", the source publishes " + f.sha256());
      }
      log.accept(f.path() + " failed its SHA-256 check after a resume; downloading it whole");
    }
  }

  /** What a ranged download needs of this fetcher; bytes arrive from several threads. */
  private final SegmentedDownload.Host host =
      new SegmentedDownload.Host() {
        @Override
        public <T> T retrying(String what, CheckedSupplier<T> work) throws IOException {
          return Fetcher.this.retrying(what, work);
        }

        @Override
        public void advance(String path, long n) {
          synchronized (Fetcher.this) {
            bytesDone += n;
            maybeReport(path);
          }
        }

        @Override
        public void log(String line) {
          log.accept(line);
        }
      };

  private static String digestOf(Path file) throws IOException {
    MessageDigest sha = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 20];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /**
   * A download in progress across tries: the digest of the bytes in the {@code .part} so far, valid
   * while the file still has {@code bytes} bytes (otherwise it is read again).
   */
  private static final class Partial {
    MessageDigest sha;
    long bytes = -1;
    boolean resumed;
  }

  /** One try: resumes from the {@code .part}'s end, appends, and verifies once it is all there. */
  private FetchedFile attempt(RemoteFile f, Path part, Partial state) throws IOException {
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    if (f.size() >= 0 && have > f.size()) {
      bytesDone -= have;
      have = 0;
      Files.delete(part);
    }
    if (state.bytes != have) {
      state.sha = sha256();
      if (have > 0) {
        try (InputStream in = Files.newInputStream(part)) {
          byte[] buffer = new byte[1 << 20];
          for (int n; (n = in.read(buffer)) > 0; ) {
            state.sha.update(buffer, 0, n);
          }
        }
      }
      state.bytes = have;
    }
    long written = have;
    if (f.size() < 0 || have < f.size()) {
      ModelSource.Opened opened = source.open(f, have);
      if (opened.offset() != have) {
        // the source sent the whole file: start over
        bytesDone -= have;
        written = 0;
        state.sha = sha256();
        state.bytes = 0;
      } else {
        state.resumed |= have > 0;
      }
      try (InputStream in = new TimedInputStream(opened.body(), retry.stallTimeout());
          OutputStream out =
              Files.newOutputStream(
                  part,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  written == 0
                      ? StandardOpenOption.TRUNCATE_EXISTING
                      : StandardOpenOption.APPEND)) {
        byte[] buffer = new byte[1 << 20];
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          state.sha.update(buffer, 0, n);
          written += n;
          state.bytes = written;
          bytesDone += n;
          if (f.size() < 0) {
            totalBytes += n;
          }
          maybeReport(f.path());
        }
      } catch (IOException e) {
        throw new RetryableFetchException(
            f.path() + " broke off after " + written + " bytes: " + FetchException.describe(e),
            e,
            null);
      }
    }
    if (f.size() >= 0 && written < f.size()) {
      throw new RetryableFetchException(
          f.path() + " ended after " + written + " of " + f.size() + " bytes", null, null);
    }
    if (f.size() >= 0 && written != f.size()) {
      Files.deleteIfExists(part);
      throw new FetchException(
          f.path() + " arrived with " + written + " bytes; the source lists " + f.size());
    }
    String digest = HexFormat.of().formatHex(state.sha.digest());
    if (f.sha256() != null && !f.sha256().equalsIgnoreCase(digest)) {
      Files.deleteIfExists(part);
      bytesDone -= written;
      state.bytes = -1;
      if (state.resumed) {
        // a resumed file may have joined two versions: once more from byte 0
        state.resumed = false;
        throw new RetryableFetchException(
            f.path() + " failed its SHA-256 check after a resume; downloading it whole",
            null,
            null);
      }
      throw new FetchException(
          f.path() + " is corrupt: SHA-256 " + digest + ", the source publishes " + f.sha256());
    }
    return new FetchedFile(f.path(), written, digest);
  }

  private void maybeReport(String current) {
    long now = System.nanoTime();
    if (now - lastWrite < PROGRESS_INTERVAL_NANOS) {
      return;
    }
    lastWrite = now;
    progress.write(
        "downloading", bytesDone, totalBytes, rate(), done, null, "Downloading " + current, null);
  }

  private double rate() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return seconds > 0 ? (bytesDone - bytesAtStart) / seconds : 0;
  }

  /** The manifest's record of {@code f} when the file on disk still matches it. */
  private FetchedFile complete(ObjectNode manifest, RemoteFile f) throws IOException {
    JsonNode entry = manifest.path(f.path());
    Path target = dest.resolve(f.path());
    if (!entry.isObject() || !Files.isRegularFile(target)) {
      return null;
    }
    long size = entry.path("size").asLong(-1);
    String digest = entry.path("sha256").asText("");
    boolean sizeOk = Files.size(target) == size && (f.size() < 0 || f.size() == size);
    boolean digestOk = f.sha256() == null || f.sha256().equalsIgnoreCase(digest);
    return sizeOk && digestOk ? new FetchedFile(f.path(), size, digest) : null;
  }

  private void checkPath(String path) {
    Path resolved = dest.resolve(path).normalize();
    if (path.isEmpty()
        || path.startsWith("/")
        || !resolved.startsWith(dest.normalize())
        || path.endsWith(".part")
        || path.equals(MANIFEST)) {
      throw new FetchException(source.describe() + " lists a file with an unsafe name: " + path);
    }
  }

  private ObjectNode readManifest() throws IOException {
    Path file = dest.resolve(MANIFEST);
    if (Files.isRegularFile(file)) {
      try {
        JsonNode n = JSON.readTree(file.toFile());
        if (n instanceof ObjectNode o) {
          return o;
        }
      } catch (IOException e) {
        log.accept("ignoring unreadable " + file + ": " + e.getMessage());
      }
    }
    return JSON.createObjectNode();
  }

  private void writeManifest(ObjectNode manifest) throws IOException {
    Path file = dest.resolve(MANIFEST);
    Path tmp = dest.resolve(MANIFEST + ".tmp");
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), manifest);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Opens what was fetched the way serving will: config, tensor headers against the file sizes,
   * tokenizer. A source that delivered something else fails here, not in a serving pod later.
   */
  private Map<String, Object> inspect(List<RemoteFile> files) {
    List<String> gguf =
        files.stream().map(RemoteFile::path).filter(p -> p.endsWith(".gguf")).toList();
    if (!gguf.isEmpty() && !Files.isRegularFile(dest.resolve("config.json"))) {
      try (GgufModel model = GgufModel.open(dest.resolve(gguf.getFirst()))) {
        return describe(model.config(), model.tensors());
      }
    }
    if (!Files.isRegularFile(dest.resolve("config.json"))
        && Files.isRegularFile(dest.resolve(PeftAdapterFiles.CONFIG_FILE))) {
      return describeAdapter();
    }
    if (!Files.isRegularFile(dest.resolve("config.json"))) {
      throw new FetchException(
          source.describe() + " has no config.json: it is not a Hugging Face model folder");
    }
    ModelConfig config = ModelConfig.read(dest);
    Map<String, Object> described;
    try (SafetensorsStore store = SafetensorsStore.open(dest)) {
      described = describe(config, store);
    }
    try {
      Tokenizer.load(dest);
    } catch (TokenizerException e) {
      throw new FetchException("the model's tokenizer cannot be used: " + e.getMessage(), e);
    }
    return described;
  }

  /** A PEFT LoRA adapter (a fine-tuning job's output): its settings and tensor sizes. */
  private Map<String, Object> describeAdapter() {
    Path file = dest.resolve(PeftAdapterFiles.WEIGHTS_FILE);
    if (!Files.isRegularFile(file)) {
      throw new FetchException(
          source.describe()
              + " has "
              + PeftAdapterFiles.CONFIG_FILE
              + " but no "
              + PeftAdapterFiles.WEIGHTS_FILE);
    }
    JsonNode adapter;
    try {
      adapter = JSON.readTree(dest.resolve(PeftAdapterFiles.CONFIG_FILE).toFile());
    } catch (IOException e) {
      throw new FetchException(
          PeftAdapterFiles.CONFIG_FILE + " is not valid JSON: " + e.getMessage(), e);
    }
    long parameters = 0;
    Map<DType, Long> byType = new EnumMap<>(DType.class);
    try (SafetensorsStore store = SafetensorsStore.openFile(file)) {
      for (String name : store.names()) {
        TensorData t = store.get(name);
        parameters += t.elementCount();
        byType.merge(t.dtype(), t.elementCount(), Long::sum);
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("architecture", "PeftLoraAdapter");
    out.put("parameters", parameters);
    out.put("dtype", mainType(byType).hfName());
    out.put("rank", adapter.path("r").asInt());
    out.put("baseModel", adapter.path("base_model_name_or_path").asText(""));
    return out;
  }

  private static DType mainType(Map<DType, Long> byType) {
    return byType.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(DType.F32);
  }

  private static Map<String, Object> describe(ModelConfig config, TensorStore store) {
    long parameters = 0;
    Map<DType, Long> byType = new EnumMap<>(DType.class);
    for (String name : store.names()) {
      TensorData t = store.get(name);
      parameters += t.elementCount();
      byType.merge(t.dtype(), t.elementCount(), Long::sum);
    }
    DType main = mainType(byType);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("architecture", config.architecture().hfClass());
    out.put("parameters", parameters);
    out.put("dtype", main.hfName());
    out.put("contextLength", config.maxPositions());
    out.put("vocabSize", config.vocabSize());
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
