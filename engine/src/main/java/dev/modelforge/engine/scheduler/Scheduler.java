package dev.modelforge.engine.scheduler;

import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.TokenEmitter;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.kvcache.KvCacheManager;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.runner.CpuModelRunner;
import dev.modelforge.engine.runner.ModelRunner;
import dev.modelforge.engine.runner.StepOutput;
import dev.modelforge.engine.runner.StepPlan;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Continuous batching over a paged KV cache. Every {@link #step} fills a token budget: first one
 * token for each running sequence that is decoding, then prefill chunks of sequences still reading
 * their prompt, then new sequences in arrival order (after a prefix-cache lookup). When blocks run
 * out, the most recently admitted sequence is preempted: its blocks are freed and it goes back to
 * the front of the queue to be recomputed, which gives the same tokens.
 *
 * <p>A step is vLLM's three parts: {@link #schedule} decides who runs and returns a {@link
 * StepPlan}, a {@link ModelRunner} computes it, and {@link #apply} takes the sampled tokens back to
 * the sequences and their listeners. Blocks are the {@link KvCacheManager}'s.
 *
 * <p>{@link #submit} and {@link RequestHandle#cancel} may be called from any thread; {@link #step}
 * runs on one engine thread (see {@link EngineLoop}).
 */
public final class Scheduler {

  /** A sequence in the step being scheduled, and how many of its tokens run. */
  private record Planned(Sequence seq, int count) {}

  private final ModelRunner runner;
  private final KvCacheManager kv;
  private final SchedulerConfig config;
  private final int vocab;
  private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
  private final List<Sequence> running = new ArrayList<>();
  private final ConcurrentLinkedQueue<Sequence> incoming = new ConcurrentLinkedQueue<>();

  /** Work that needs the model but not the batch (embeddings), run before the next step. */
  private final ConcurrentLinkedQueue<Runnable> engineTasks = new ConcurrentLinkedQueue<>();

  private final AtomicInteger queued = new AtomicInteger();

  /** The step being scheduled, in plan order: the plan's chunks are these sequences' parts. */
  private final List<Planned> planned = new ArrayList<>();

  private volatile Runnable wakeUp = () -> {};

  /** Told the token count of every forward step (vLLM's iteration_tokens_total). */
  private volatile IntConsumer stepObserver = tokens -> {};

  private long nextId = 1;
  private volatile long preemptions;
  private volatile long promptTokens;
  private volatile long generationTokens;
  private volatile long steps;
  private volatile int runningCount;
  private volatile boolean cancelAll;

  /** The adapters running and waiting, as of the last step (for vLLM's lora_requests_info). */
  private volatile List<String> runningAdapters = List.of();

  private volatile List<String> waitingAdapters = List.of();

  /** A scheduler whose plans run on the CPU. */
  public Scheduler(DecoderModel model, BlockPool pool, SchedulerConfig config, Parallel threads) {
    this(
        new CpuModelRunner(model, config.maxTokensPerStep(), config.maxSequences(), threads),
        pool,
        config);
  }

  /** A scheduler whose plans {@code runner} executes. */
  public Scheduler(ModelRunner runner, BlockPool pool, SchedulerConfig config) {
    DecoderModel model = runner.model();
    if (runner.maxTokens() < config.maxTokensPerStep()
        || runner.maxSequences() < config.maxSequences()) {
      throw new IllegalArgumentException(
          "the model runner takes "
              + runner.maxTokens()
              + " tokens of "
              + runner.maxSequences()
              + " sequences a step but the scheduler plans "
              + config.maxTokensPerStep()
              + " of "
              + config.maxSequences());
    }
    if (config.maxModelLength() > model.maxPositions()) {
      throw new IllegalArgumentException(
          "max model length "
              + config.maxModelLength()
              + " exceeds the model's context of "
              + model.maxPositions());
    }
    if (pool.blockSize() != config.blockSize()) {
      throw new IllegalArgumentException(
          "the KV cache's blocks hold "
              + pool.blockSize()
              + " positions but the scheduler is configured for "
              + config.blockSize());
    }
    this.runner = runner;
    this.kv = new KvCacheManager(pool);
    this.config = config;
    this.vocab = model.config().vocabSize();
  }

  public SchedulerConfig config() {
    return config;
  }

  /** Calls {@code observer} on the engine thread after each forward step with its token count. */
  public void observeSteps(IntConsumer observer) {
    this.stepObserver = observer;
  }

  void onWork(Runnable wakeUp) {
    this.wakeUp = wakeUp;
  }

  void wakeUp() {
    wakeUp.run();
  }

  /**
   * Queues a request. Throws {@link IllegalArgumentException} for a prompt the engine cannot run
   * and {@link QueueFullException} when too many requests wait.
   */
  public synchronized RequestHandle submit(Request request) {
    int[] prompt = request.promptIds();
    if (prompt.length == 0) {
      throw new IllegalArgumentException("the prompt is empty");
    }
    for (int id : prompt) {
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException(
            "prompt token id " + id + " is outside the vocabulary of " + vocab);
      }
    }
    if (prompt.length >= config.maxModelLength()) {
      throw new IllegalArgumentException(
          "the prompt has "
              + prompt.length
              + " tokens but the maximum context length is "
              + config.maxModelLength()
              + "; shorten the prompt");
    }
    int blocksNeeded = kv.blocksFor(prompt.length + 1);
    if (blocksNeeded > kv.numBlocks()) {
      throw new IllegalArgumentException(
          "the prompt needs " + blocksNeeded + " KV blocks but the cache has " + kv.numBlocks());
    }
    if (queued.get() >= config.maxWaiting()) {
      throw new QueueFullException(queued.get());
    }
    Sequence seq = new Sequence(nextId++, request, kv, vocab);
    queued.incrementAndGet();
    incoming.add(seq);
    wakeUp.run();
    return new RequestHandle(seq, this);
  }

  /**
   * Cancels every request submitted so far, running or waiting (a server's drain timeout): at the
   * next step each listener gets {@code onFinish(ABORT)}. Requests submitted later run normally.
   */
  public void cancelAll() {
    cancelAll = true;
    wakeUp.run();
  }

  /** Whether a step would do anything. */
  public boolean hasWork() {
    return cancelAll
        || !incoming.isEmpty()
        || !waiting.isEmpty()
        || !running.isEmpty()
        || !engineTasks.isEmpty();
  }

  /**
   * Runs {@code task} on the engine thread before the next step: the model and its thread pool
   * serve one caller at a time. The task reports its own outcome (and must not throw); a task it
   * queues runs before the step after.
   */
  public void runOnEngine(Runnable task) {
    engineTasks.add(task);
    wakeUp.run();
  }

  public SchedulerStats stats() {
    return new SchedulerStats(
        runningCount,
        queued.get(),
        kv.usage(),
        kv.prefixQueries(),
        kv.prefixHits(),
        preemptions,
        promptTokens,
        generationTokens,
        steps,
        runningAdapters,
        waitingAdapters);
  }

  /**
   * Runs one step: the engine tasks queued before it, then a forward over what the budget allows.
   */
  public void step() {
    // the tasks queued before this step only: one that queues its next part (a beam search's
    // next step) runs again after the batch, not in a loop that starves it
    for (int n = engineTasks.size(); n > 0; n--) {
      Runnable task = engineTasks.poll();
      if (task == null) {
        break;
      }
      task.run();
    }
    StepPlan plan = schedule();
    if (!plan.isEmpty()) {
      apply(plan, runner.execute(plan));
    }
    noteAdapters();
  }

  /**
   * Decides this step: takes new and cancelled requests in, then fills the token budget with one
   * token for each decoding sequence, prefill chunks of admitted sequences, and new admissions,
   * reserving their blocks (preempting when they run out). Returns what to compute; until {@link
   * #apply} takes its output back, no other step may be scheduled.
   */
  StepPlan schedule() {
    for (Sequence s; (s = incoming.poll()) != null; ) {
      waiting.addLast(s);
    }
    dropCancelled();
    planned.clear();
    int budget = config.maxTokensPerStep();
    // decodes first, then prefill chunks of admitted sequences, oldest first
    for (int pass = 0; pass < 2; pass++) {
      for (int i = 0; i < running.size() && budget > 0; i++) {
        Sequence seq = running.get(i);
        boolean decoding = seq.pending() == 1;
        if (decoding != (pass == 0) || isPlanned(seq)) {
          continue;
        }
        int n = Math.min(seq.pending(), budget);
        if (!reserve(seq, n, true)) {
          continue;
        }
        planned.add(new Planned(seq, n));
        budget -= n;
      }
    }
    admit(budget);
    if (planned.isEmpty() && !running.isEmpty()) {
      // alone and still short of blocks: the KV cache cannot hold this sequence any longer
      finish(running.getFirst(), FinishReason.LENGTH, null);
    }
    if (planned.isEmpty()) {
      return StepPlan.EMPTY;
    }
    List<StepPlan.Chunk> chunks = new ArrayList<>(planned.size());
    for (Planned p : planned) {
      Sequence seq = p.seq();
      int start = seq.computed;
      boolean samples = start + p.count() == seq.length;
      chunks.add(
          new StepPlan.Chunk(
              Arrays.copyOfRange(seq.tokens, start, start + p.count()),
              start,
              seq.blocks.cache(),
              seq.request.adapter(),
              samples ? seq.emitter : null,
              config.maxModelLength() - (seq.length + 1)));
    }
    return new StepPlan(chunks);
  }

  /**
   * Takes a step's output back: the planned tokens are computed (full blocks join the prefix
   * cache), then each sampled token is appended and told to its listener, in plan order, and the
   * sequences that finished end.
   */
  void apply(StepPlan plan, StepOutput output) {
    if (plan.chunks().size() != planned.size()) {
      throw new IllegalStateException("the output is not for the plan this scheduler made last");
    }
    steps++;
    stepObserver.accept(plan.tokenCount());
    for (Planned p : planned) {
      Sequence seq = p.seq();
      if (seq.computed < seq.promptLength()) {
        promptTokens += Math.min(p.count(), seq.promptLength() - seq.computed);
      }
      seq.computed += p.count();
      kv.registerFull(seq.blocks, seq.tokens, seq.computed);
    }
    for (StepOutput.Sampled s : output.sampled()) {
      Sequence seq = planned.get(s.chunk()).seq();
      TokenEmitter.Step step = s.step();
      if (step.token() != null) {
        seq.append(step.token().id());
        generationTokens++;
        seq.request.listener().onToken(step.token());
      }
      if (step.finish() != null) {
        finish(seq, step.finish(), null);
      }
    }
    planned.clear();
  }

  /**
   * Snapshots the adapters in use, before listeners hear of a change: a pass over at most the batch
   * and the queue.
   */
  private void noteAdapters() {
    runningAdapters = adapterNames(running, List.of());
    waitingAdapters = adapterNames(waiting, runningAdapters);
  }

  /** The sorted adapter names of {@code seqs} not in {@code except}; no allocation without any. */
  private static List<String> adapterNames(Iterable<Sequence> seqs, List<String> except) {
    java.util.TreeSet<String> names = null;
    for (Sequence s : seqs) {
      LoraAdapter a = s.request.adapter();
      if (a != null && !except.contains(a.name())) {
        if (names == null) {
          names = new java.util.TreeSet<>();
        }
        names.add(a.name());
      }
    }
    return names == null ? List.of() : List.copyOf(names);
  }

  private boolean isPlanned(Sequence seq) {
    for (Planned s : planned) {
      if (s.seq() == seq) {
        return true;
      }
    }
    return false;
  }

  /** Admits waiting sequences in arrival order while budget, batch size and blocks allow. */
  private void admit(int budget) {
    while (budget > 0 && !waiting.isEmpty() && running.size() < config.maxSequences()) {
      Sequence seq = waiting.peekFirst();
      if (seq.computed == 0 && seq.blocks.blockCount() == 0) {
        reusePrefix(seq);
      }
      int n = Math.min(seq.pending(), budget);
      if (!reserve(seq, n, false)) {
        seq.resetForRecompute(kv);
        break;
      }
      waiting.pollFirst();
      queued.decrementAndGet();
      running.add(seq);
      if (!seq.everScheduled) {
        seq.everScheduled = true;
        noteAdapters();
        seq.request.listener().onScheduled();
      }
      planned.add(new Planned(seq, n));
      budget -= n;
    }
    runningCount = running.size();
  }

  /** Takes the cached blocks of the longest known prefix; at least one token stays to compute. */
  private void reusePrefix(Sequence seq) {
    seq.computed += kv.reusePrefix(seq.blocks, seq.tokens, seq.length);
  }

  /**
   * Makes room in {@code seq}'s cache for its next {@code n} tokens. A running sequence may preempt
   * younger running sequences that are not yet in this step; an admission never preempts.
   */
  private boolean reserve(Sequence seq, int n, boolean mayPreempt) {
    while (!kv.allocate(seq.blocks, seq.computed + n)) {
      Sequence victim = mayPreempt ? youngestUnscheduled(seq) : null;
      if (victim == null) {
        return false;
      }
      preempt(victim);
    }
    return true;
  }

  private Sequence youngestUnscheduled(Sequence except) {
    for (int i = running.size() - 1; i >= 0; i--) {
      Sequence s = running.get(i);
      if (s != except && !isPlanned(s)) {
        return s;
      }
    }
    return null;
  }

  private void preempt(Sequence victim) {
    running.remove(victim);
    victim.resetForRecompute(kv);
    waiting.addFirst(victim);
    queued.incrementAndGet();
    preemptions++;
    runningCount = running.size();
  }

  private void dropCancelled() {
    if (cancelAll) {
      cancelAll = false;
      waiting.forEach(s -> s.cancelled = true);
      running.forEach(s -> s.cancelled = true);
    }
    for (var it = waiting.iterator(); it.hasNext(); ) {
      Sequence s = it.next();
      if (s.cancelled) {
        it.remove();
        queued.decrementAndGet();
        kv.free(s.blocks);
        s.request
            .listener()
            .onFinish(FinishReason.ABORT, s.promptLength(), s.emitter.generated(), null);
      }
    }
    for (Sequence s : List.copyOf(running)) {
      if (s.cancelled) {
        finish(s, FinishReason.ABORT, null);
      }
    }
  }

  private void finish(Sequence seq, FinishReason reason, Exception error) {
    running.remove(seq);
    runningCount = running.size();
    if (error == null && reason != FinishReason.ABORT) {
      String rest = seq.emitter.finishText();
      if (!rest.isEmpty()) {
        seq.request.listener().onTrailingText(rest);
      }
    }
    kv.free(seq.blocks);
    noteAdapters();
    if (reason == FinishReason.STOP && seq.emitter.stopReason() != null) {
      seq.request.listener().onStopReason(seq.emitter.stopReason());
    }
    seq.request.listener().onFinish(reason, seq.promptLength(), seq.emitter.generated(), error);
  }

  /** Ends every running and waiting sequence with {@code error} (after a failed step). */
  void failAll(Exception error) {
    for (Sequence s : List.copyOf(running)) {
      finish(s, FinishReason.ABORT, error);
    }
    for (Sequence s; (s = incoming.poll()) != null; ) {
      waiting.addLast(s);
    }
    while (!waiting.isEmpty()) {
      Sequence s = waiting.pollFirst();
      queued.decrementAndGet();
      kv.free(s.blocks);
      s.request.listener().onFinish(FinishReason.ABORT, s.promptLength(), 0, error);
    }
  }
}
