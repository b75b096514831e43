package dev.modelforge.runtime.serve;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.embed.Embedder;
import dev.modelforge.engine.embed.Pooling;
import dev.modelforge.engine.generate.BeamSearch;
import dev.modelforge.engine.generate.PromptScorer;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.ModelTokenizer;
import dev.modelforge.engine.scheduler.EngineLoop;
import dev.modelforge.engine.scheduler.Request;
import dev.modelforge.engine.scheduler.RequestHandle;
import dev.modelforge.engine.scheduler.Scheduler;
import dev.modelforge.engine.scheduler.SchedulerConfig;
import dev.modelforge.engine.scheduler.SchedulerStats;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import dev.modelforge.runtime.cli.DeviceSupport;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The model behind the server: loaded in the background at startup (readiness reports it), then one
 * engine thread running the continuous-batching scheduler.
 *
 * <p>Shutdown (SIGTERM from the kubelet) drains: from the signal on, readiness reports 503 and new
 * requests get 503, requests in flight run on for up to the drain timeout, and whatever is left
 * then ends with {@code finish_reason: "abort"}. The drain starts from a JVM shutdown hook, because
 * Quarkus fires its {@link ShutdownEvent} only after its own wait for open HTTP requests, during
 * which it would still admit new ones.
 */
@ApplicationScoped
public class ServingEngine {

  private static final Logger LOG = Logger.getLogger(ServingEngine.class);

  /** After cancelling at the drain timeout, how long the aborted streams get to end. */
  static final Duration ABORT_WAIT = Duration.ofSeconds(5);

  /** Everything that exists once the model is loaded. */
  record Loaded(
      LoadedModel model,
      Tokenizer tokenizer,
      Scheduler scheduler,
      EngineLoop loop,
      Parallel threads,
      String servedName,
      Set<Integer> eosIds,
      int maxModelLength,
      ChatTemplate chatTemplate,
      StructuredOutputs structured,
      Embedder embedder,
      PromptScorer scorer) {}

  private final ServeConfig config;
  private volatile Loaded loaded;
  private volatile String loadError;
  private volatile boolean draining;

  /** The paged KV cache's budget, in bytes (also what one beam search may hold). */
  private volatile long kvBudgetBytes;

  /** Set at the drain timeout: what is still running is cancelled. */
  private volatile boolean aborting;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Thread drainHook =
      Thread.ofPlatform().name("modelforge-drain").unstarted(this::drain);
  private boolean drained;
  private final Map<String, LoraAdapter> adapters = new ConcurrentHashMap<>();

  /** Told each forward step's token count, once a scheduler exists (see {@link #observeSteps}). */
  private volatile java.util.function.IntConsumer stepObserver = tokens -> {};

  ServingEngine(ServeConfig config) {
    this.config = config;
  }

  /** {@code --chat-template} (a file, or the template itself), else the model's own. */
  private ChatTemplate chatTemplate(Tokenizer tokenizer) {
    Optional<String> given = config.chatTemplate();
    if (given.isEmpty()) {
      return tokenizer.chatTemplate().map(t -> new ChatTemplate(t, tokenizer)).orElse(null);
    }
    String t = given.get();
    if (!t.contains("{{") && !t.contains("{%")) {
      try {
        t = Files.readString(Path.of(t));
      } catch (IOException | java.nio.file.InvalidPathException e) {
        throw new IllegalArgumentException(
            "--chat-template " + given.get() + " is neither a readable file nor a template: " + e);
      }
    }
    return new ChatTemplate(t, tokenizer);
  }

  /** The model id clients use: --served-model-name, else the model directory's (or file's) name. */
  static String servedName(ServeConfig config) {
    return config
        .servedModelName()
        .orElseGet(
            () ->
                config
                    .model()
                    .map(m -> Path.of(m).getFileName().toString().replace(".gguf", ""))
                    .orElse("model"));
  }

  void onStart(@Observes StartupEvent event) {
    Runtime.getRuntime().addShutdownHook(drainHook);
    Thread.ofPlatform().name("modelforge-model-loader").start(this::load);
  }

  private void load() {
    try {
      String dir =
          config
              .model()
              .orElseThrow(
                  () -> new IllegalArgumentException("no model: pass --model DIR to serve"));
      Path path = Path.of(dir);
      DeviceSupport.require(config.device().orElse(null));
      DType quantize =
          config
              .quantize()
              .map(
                  q ->
                      DType.parse(q)
                          .filter(DType::isQuantized)
                          .orElseThrow(
                              () ->
                                  new IllegalArgumentException(
                                      "--quantize must be q8_0 or q4_0, got " + q)))
              .orElse(null);
      if (quantize == null) {
        quantize = weightType(config.dtype());
      } else if (!config.dtype().equalsIgnoreCase("auto")) {
        throw new IllegalArgumentException(
            "--quantize and --dtype " + config.dtype() + " contradict each other; pass one");
      }
      long t0 = System.nanoTime();
      LoadedModel model = LoadedModel.open(path, quantize);
      Tokenizer tokenizer;
      try {
        tokenizer =
            ModelTokenizer.find(path)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            ModelTokenizer.missing(path) + "; the server needs one"));
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
      ModelConfig mc = model.config();
      int maxLen = Math.min(config.maxModelLen().orElse(mc.maxPositions()), mc.maxPositions());
      long kvBytes = kvCacheBytes(config.kvCacheMemory(), config.memoryUtilization());
      kvBudgetBytes = kvBytes;
      int blocks = BlockPool.blocksForBudget(mc, kvBytes, config.blockSize());
      if (blocks < 1) {
        throw new IllegalArgumentException(
            "--kv-cache-memory "
                + config.kvCacheMemory()
                + " ("
                + (kvBytes >> 20)
                + " MiB) holds no KV block for this model"
                + (config.kvCacheMemory().trim().equalsIgnoreCase("auto")
                    ? ": the loaded model leaves no heap; give the pod more memory"
                    : ""));
      }
      int maxBatch = config.maxBatch();
      SchedulerConfig sc =
          new SchedulerConfig(
              Math.max(config.maxTokensPerStep(), maxBatch),
              maxBatch,
              maxLen,
              config.maxWaiting(),
              config.blockSize(),
              config.prefixCaching());
      Parallel threads = new Parallel(config.threads().orElse(Parallel.defaultThreads()));
      Scheduler scheduler =
          new Scheduler(
              model.model(),
              new BlockPool(mc, blocks, config.blockSize(), sc.prefixCaching()),
              sc,
              threads);
      scheduler.observeSteps(tokens -> stepObserver.accept(tokens));
      Set<Integer> eos = new HashSet<>();
      for (int id : tokenizer.eosTokenIds()) {
        eos.add(id);
      }
      String name = servedName(config);
      loaded =
          new Loaded(
              model,
              tokenizer,
              scheduler,
              new EngineLoop(scheduler),
              threads,
              name,
              eos,
              maxLen,
              chatTemplate(tokenizer),
              new StructuredOutputs(tokenizer),
              new Embedder(model.model(), threads),
              new PromptScorer(model.model(), threads));
      for (Map.Entry<String, String> a : config.adapters().entrySet()) {
        loadAdapter(a.getKey(), a.getValue());
      }
      LOG.infof(
          "serving %s (%s) from %s: %d KV blocks of %d, max model length %d, loaded in %.1f s",
          name,
          mc.architecture().hfClass(),
          path,
          blocks,
          config.blockSize(),
          maxLen,
          (System.nanoTime() - t0) / 1e9);
    } catch (RuntimeException e) {
      loadError = e.getMessage();
      LOG.errorf("the model could not be loaded: %s", e.getMessage());
    } catch (OutOfMemoryError e) {
      // readiness says why instead of "loading" for good
      loadError =
          "the heap ("
              + (Runtime.getRuntime().maxMemory() >> 20)
              + " MiB) ran out while loading the model and its KV cache ("
              + config.kvCacheMemory()
              + "); give the pod more memory, or use --kv-cache-memory auto or a smaller size";
      LOG.errorf("the model could not be loaded: %s", loadError);
    }
  }

  void onStop(@Observes ShutdownEvent event) {
    try {
      Runtime.getRuntime().removeShutdownHook(drainHook);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook is running (or ran) the drain; wait for it below
    }
    drain();
    Loaded l = loaded;
    if (l != null) {
      l.loop().close();
      l.threads().close();
      l.model().close();
    }
  }

  /**
   * Stops admitting, waits up to the drain timeout for the requests in flight, then cancels the
   * rest and waits briefly for their streams to end. Runs once; later callers wait for it.
   */
  synchronized void drain() {
    if (drained) {
      return;
    }
    draining = true;
    Loaded l = loaded;
    if (l != null && inFlight.get() > 0) {
      LOG.infof(
          "shutting down: waiting up to %s for %d requests in flight",
          config.drainTimeout(), inFlight.get());
      awaitIdle(config.drainTimeout());
      if (inFlight.get() > 0) {
        LOG.warnf("drain timeout: cancelling %d requests", inFlight.get());
        aborting = true; // beam searches stop at their next step
        l.scheduler().cancelAll();
        awaitIdle(ABORT_WAIT);
      }
    }
    drained = true;
  }

  private void awaitIdle(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Null until the model is loaded. */
  Loaded loaded() {
    return loaded;
  }

  Optional<String> loadError() {
    return Optional.ofNullable(loadError);
  }

  boolean draining() {
    return draining;
  }

  boolean ready() {
    return loaded != null && !draining;
  }

  /** Loads a PEFT adapter and serves it as model id {@code name}. */
  LoraAdapter loadAdapter(String name, String dir) {
    Loaded l = loaded;
    if (l == null) {
      throw new IllegalStateException("the model is not loaded yet");
    }
    if (name == null || name.isBlank() || name.equals(l.servedName())) {
      throw new IllegalArgumentException(
          "an adapter needs a name other than the base model's ('" + l.servedName() + "')");
    }
    if (adapters.containsKey(name)) {
      throw new IllegalArgumentException("an adapter named '" + name + "' is already loaded");
    }
    LoraAdapter adapter = LoraAdapter.load(name, Path.of(dir), l.model().config());
    if (adapters.putIfAbsent(name, adapter) != null) {
      throw new IllegalArgumentException("an adapter named '" + name + "' is already loaded");
    }
    LOG.infof("loaded LoRA adapter %s (rank %d) from %s", name, adapter.rank(), dir);
    return adapter;
  }

  /** Stops serving an adapter; requests already running with it finish normally. */
  void unloadAdapter(String name) {
    if (adapters.remove(name) == null) {
      throw new IllegalArgumentException("no adapter named '" + name + "' is loaded");
    }
    LOG.infof("unloaded LoRA adapter %s", name);
  }

  Map<String, LoraAdapter> adapters() {
    return Map.copyOf(adapters);
  }

  Optional<LoraAdapter> adapter(String name) {
    return Optional.ofNullable(adapters.get(name));
  }

  /**
   * {@code --kv-cache-memory}: a size as written, or for {@code auto} the heap the loaded model
   * leaves (the most the JVM may take less what it holds after a collection) times {@code
   * utilization}, so a pod's memory limit, not a fixed default, bounds the cache.
   */
  private static long kvCacheBytes(String setting, double utilization) {
    if (!setting.trim().equalsIgnoreCase("auto")) {
      return ByteSize.parse(setting);
    }
    System.gc(); // what the model holds, not what it has yet to collect
    Runtime rt = Runtime.getRuntime();
    long max = rt.maxMemory();
    long used = rt.totalMemory() - rt.freeMemory();
    long bytes = autoKvCacheBytes(max, used, utilization);
    LOG.infof(
        "--kv-cache-memory auto: %d MiB (%.2f of the %d MiB heap left of %d MiB once loaded)",
        bytes >> 20, utilization, (max - used) >> 20, max >> 20);
    return bytes;
  }

  /** {@code auto}'s rule, apart from the JVM: (max - used) * utilization, never below zero. */
  static long autoKvCacheBytes(long maxHeap, long usedHeap, double utilization) {
    if (!(utilization > 0 && utilization <= 1)) {
      throw new IllegalArgumentException(
          "--memory-utilization must be in (0, 1], got " + utilization);
    }
    return Math.max(0, (long) ((maxHeap - usedHeap) * utilization));
  }

  /** Calls {@code observer} on the engine thread after every forward step with its tokens. */
  void observeSteps(java.util.function.IntConsumer observer) {
    this.stepObserver = observer;
  }

  SchedulerStats stats() {
    Loaded l = loaded;
    return l == null ? null : l.scheduler().stats();
  }

  /** Submits a request, counting it in flight until its listener hears the end. */
  /**
   * The embedding of {@code tokens}, computed on the engine thread between steps; in flight like a
   * generation, so a drain waits for it.
   */
  CompletableFuture<float[]> embed(int[] tokens, Pooling pooling, boolean normalize) {
    return onEngine(l -> l.embedder().embed(tokens, pooling, normalize));
  }

  /**
   * The prompt's token logprobs (echo with logprobs) under the request's adapter (null: the base
   * model), computed on the engine thread.
   */
  CompletableFuture<List<PromptScorer.Score>> scorePrompt(
      int[] tokens, int top, LoraAdapter adapter) {
    return onEngine(l -> l.scorer().score(tokens, top, adapter));
  }

  /**
   * Beam search over {@code spec}'s prompt, one beam step between two scheduler steps so batched
   * requests keep going; in flight for the drain until it fails, or, once it has its beams, until
   * the caller's {@link #finished}. Stops early, its future cancelled, once {@code cancelled} reads
   * true (the client went away).
   */
  /**
   * Refuses a beam search whose caches would not fit in the paged KV cache's own budget: the search
   * holds them on the heap beside it, and a request must not be able to exhaust memory.
   */
  void checkBeamSearch(GenerationSpec spec) {
    Loaded l = loaded;
    if (l == null) {
      return;
    }
    long needed =
        BeamSearch.cacheBytes(
            l.model().config(), spec.n(), spec.promptIds().length, spec.params().maxTokens());
    if (needed > kvBudgetBytes) {
      throw new IllegalArgumentException(
          "use_beam_search with n="
              + spec.n()
              + " over "
              + (spec.promptIds().length + spec.params().maxTokens())
              + " tokens needs "
              + (needed >> 20)
              + " MiB of KV cache; this server allows a search "
              + (kvBudgetBytes >> 20)
              + " MiB (its --kv-cache-memory); lower n or max_tokens");
    }
  }

  CompletableFuture<List<BeamSearch.Hypothesis>> beamSearch(
      GenerationSpec spec, Set<Integer> endIds, LoraAdapter adapter, BooleanSupplier cancelled) {
    Loaded l = loaded;
    if (l == null || draining) {
      throw new IllegalStateException("the server is not ready");
    }
    inFlight.incrementAndGet();
    BeamRun run = new BeamRun(l, spec, endIds, adapter, cancelled);
    l.scheduler().runOnEngine(run);
    // a search that ends with beams stays in flight until its response is written ({@link
    // #finished}), as a scheduled request does
    return run.result.whenComplete(
        (v, e) -> {
          if (e != null) {
            inFlight.decrementAndGet();
          }
        });
  }

  /**
   * One beam search as engine tasks: the first reads the prompt, each next one advances a step and
   * queues itself again, until the search ends, fails or is cancelled.
   */
  private final class BeamRun implements Runnable {
    final CompletableFuture<List<BeamSearch.Hypothesis>> result = new CompletableFuture<>();
    private final Loaded loaded;
    private final GenerationSpec spec;
    private final Set<Integer> endIds;
    private final LoraAdapter adapter;
    private final BooleanSupplier cancelled;
    private BeamSearch.Search search;

    BeamRun(
        Loaded loaded,
        GenerationSpec spec,
        Set<Integer> endIds,
        LoraAdapter adapter,
        BooleanSupplier cancelled) {
      this.loaded = loaded;
      this.spec = spec;
      this.endIds = endIds;
      this.adapter = adapter;
      this.cancelled = cancelled;
    }

    @Override
    public void run() {
      try {
        if (cancelled.getAsBoolean() || aborting) {
          result.cancel(false);
          return;
        }
        if (search == null) {
          search =
              new BeamSearch(loaded.model().model(), loaded.threads())
                  .start(
                      spec.promptIds(),
                      spec.n(),
                      spec.params().maxTokens(),
                      spec.beam().lengthPenalty(),
                      spec.beam().earlyStopping(),
                      endIds,
                      spec.constraint(),
                      adapter);
        } else if (!search.advance()) {
          result.complete(search.result());
          return;
        }
        loaded.scheduler().runOnEngine(this);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }
  }

  /** Runs model work on the engine thread between steps, counted in flight for the drain. */
  private <T> CompletableFuture<T> onEngine(java.util.function.Function<Loaded, T> work) {
    Loaded l = loaded;
    if (l == null || draining) {
      throw new IllegalStateException("the server is not ready");
    }
    inFlight.incrementAndGet();
    CompletableFuture<T> result = new CompletableFuture<>();
    l.scheduler()
        .runOnEngine(
            () -> {
              try {
                result.complete(work.apply(l));
              } catch (RuntimeException e) {
                result.completeExceptionally(e);
              }
            });
    return result.whenComplete((v, e) -> inFlight.decrementAndGet());
  }

  RequestHandle submit(Request request) {
    Loaded l = loaded;
    if (l == null || draining) {
      throw new IllegalStateException("the server is not ready");
    }
    inFlight.incrementAndGet();
    try {
      return l.scheduler().submit(request);
    } catch (RuntimeException e) {
      inFlight.decrementAndGet();
      throw e;
    }
  }

  void finished() {
    inFlight.decrementAndGet();
  }

  /** The weight type for {@code --dtype}; null keeps the stored types. */
  static DType weightType(String dtype) {
    if (dtype.equalsIgnoreCase("auto")) {
      return null;
    }
    DType t =
        DType.parse(dtype)
            .filter(d -> !d.isQuantized())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "--dtype must be auto, float32, bfloat16 or float16, got '" + dtype + "'"));
    if (t == DType.F16) {
      LOG.warn("float16 is not supported on the CPU backend; serving the weights as bfloat16");
      return DType.BF16;
    }
    return t;
  }
}
