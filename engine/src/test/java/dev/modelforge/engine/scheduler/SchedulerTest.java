package dev.modelforge.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.Generator;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.lora.LoraTarget;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.runner.CpuModelRunner;
import dev.modelforge.engine.runner.ModelRunner;
import dev.modelforge.engine.runner.StepOutput;
import dev.modelforge.engine.runner.StepPlan;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {

  @TempDir Path dir;
  private Parallel pool;
  private LoadedModel loaded;
  private DecoderModel model;
  private ModelConfig config;

  /** Collects one request's output. */
  static final class Collector implements SequenceListener {
    final List<Integer> ids = new ArrayList<>();
    final CompletableFuture<FinishReason> done = new CompletableFuture<>();

    @Override
    public void onToken(GeneratedToken token) {
      ids.add(token.id());
    }

    @Override
    public void onFinish(
        FinishReason reason, int promptTokens, int generatedTokens, Exception error) {
      if (error != null) {
        done.completeExceptionally(error);
      } else {
        done.complete(reason);
      }
    }
  }

  @BeforeEach
  void load() {
    config = TestModels.config("qwen2");
    TestModels.write(dir, config, DType.F32, 23);
    pool = new Parallel(2);
    loaded = LoadedModel.open(dir, null);
    model = loaded.model();
  }

  @AfterEach
  void close() {
    loaded.close();
    pool.close();
  }

  private static int[] prompt(int length, long seed) {
    Random r = new Random(seed);
    int[] p = new int[length];
    for (int i = 0; i < length; i++) {
      p[i] = r.nextInt(101);
    }
    return p;
  }

  private List<Integer> sequential(int[] prompt, int maxTokens) {
    int[] ids =
        new Generator(model, pool)
            .generate(prompt, SamplingParams.greedy(maxTokens), Set.of(), null, null)
            .tokenIds();
    List<Integer> l = new ArrayList<>();
    for (int id : ids) {
      l.add(id);
    }
    return l;
  }

  private Scheduler scheduler(int blocks, int blockSize, int budget, int maxSeqs, boolean prefix) {
    return new Scheduler(
        model,
        new BlockPool(config, blocks, blockSize, prefix),
        new SchedulerConfig(budget, maxSeqs, 64, 100, blockSize, prefix),
        pool);
  }

  private static void runToCompletion(Scheduler s) {
    for (int i = 0; i < 10_000 && s.hasWork(); i++) {
      s.step();
    }
    assertThat(s.hasWork()).as("scheduler drained").isFalse();
  }

  private void assertBatchedEqualsSequential(Scheduler s, int requests) throws Exception {
    List<int[]> prompts = new ArrayList<>();
    List<Collector> outs = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      int[] p = prompt(3 + (i * 7) % 30, i);
      prompts.add(p);
      Collector c = new Collector();
      outs.add(c);
      s.submit(new Request(p, SamplingParams.greedy(12), Set.of(), null, null, c));
    }

    runToCompletion(s);

    for (int i = 0; i < requests; i++) {
      assertThat(outs.get(i).done.get(1, TimeUnit.SECONDS)).isEqualTo(FinishReason.LENGTH);
      assertThat(outs.get(i).ids).as("request %d", i).isEqualTo(sequential(prompts.get(i), 12));
    }
  }

  @Test
  void batchedGreedyDecodingGivesTheTokensOfSingleSequenceDecoding() throws Exception {
    Scheduler s = scheduler(256, 16, 64, 8, true);

    assertBatchedEqualsSequential(s, 12);

    assertThat(s.stats().steps()).isLessThan(12 * 12); // sequences really shared steps
    assertThat(s.stats().generationTokens()).isEqualTo(12 * 12);
  }

  @Test
  void chunkedPrefillWithASmallBudgetGivesTheSameTokens() throws Exception {
    Scheduler s = scheduler(256, 16, 8, 4, false);

    assertBatchedEqualsSequential(s, 6);
  }

  @Test
  void preemptionWhenBlocksRunOutStillCompletesEveryRequestCorrectly() throws Exception {
    // 14 blocks of 4 positions: far less than 8 sequences of up to 45 positions need at once
    Scheduler s = scheduler(14, 4, 64, 8, false);

    assertBatchedEqualsSequential(s, 8);

    assertThat(s.stats().preemptions()).isPositive();
  }

  /** The plans a step made and what the CPU runner returned for them. */
  private static final class RecordingRunner implements ModelRunner {
    final CpuModelRunner cpu;
    final List<StepPlan> plans = new ArrayList<>();
    final List<StepOutput> outputs = new ArrayList<>();

    RecordingRunner(CpuModelRunner cpu) {
      this.cpu = cpu;
    }

    @Override
    public DecoderModel model() {
      return cpu.model();
    }

    @Override
    public int maxTokens() {
      return cpu.maxTokens();
    }

    @Override
    public int maxSequences() {
      return cpu.maxSequences();
    }

    @Override
    public StepOutput execute(StepPlan plan) {
      plans.add(plan);
      StepOutput out = cpu.execute(plan);
      outputs.add(out);
      return out;
    }
  }

  @Test
  void eachStepIsAPlanThatTheRunnerExecutesAndTheSchedulerApplies() throws Exception {
    RecordingRunner runner = new RecordingRunner(new CpuModelRunner(model, 16, 4, pool));
    Scheduler s =
        new Scheduler(
            runner,
            new BlockPool(config, 64, 8, false),
            new SchedulerConfig(16, 4, 64, 100, 8, false));
    int[] a = prompt(10, 1);
    int[] b = prompt(20, 2);
    Collector outA = new Collector();
    Collector outB = new Collector();
    s.submit(new Request(a, SamplingParams.greedy(5), Set.of(), null, null, outA));
    s.submit(new Request(b, SamplingParams.greedy(5), Set.of(), null, null, outB));

    runToCompletion(s);

    assertThat(outA.ids).isEqualTo(sequential(a, 5));
    assertThat(outB.ids).isEqualTo(sequential(b, 5));
    // step 1: all of a's prompt (it samples), then the first 6 of b's (it does not)
    StepPlan first = runner.plans.getFirst();
    assertThat(first.chunks()).hasSize(2);
    assertThat(first.chunks().get(0).tokens()).isEqualTo(a);
    assertThat(first.chunks().get(0).samples()).isTrue();
    assertThat(first.chunks().get(1).tokens()).isEqualTo(Arrays.copyOf(b, 6));
    assertThat(first.chunks().get(1).samples()).isFalse();
    assertThat(runner.outputs.getFirst().sampled())
        .singleElement()
        .satisfies(x -> assertThat(x.chunk()).isZero())
        .satisfies(x -> assertThat(x.step().token().id()).isEqualTo(outA.ids.getFirst()));
    // step 2: a decodes its first token at position 10 before b's prefill goes on from 6
    StepPlan second = runner.plans.get(1);
    assertThat(second.chunks().get(0).tokens()).containsExactly(outA.ids.getFirst());
    assertThat(second.chunks().get(0).start()).isEqualTo(10);
    assertThat(second.chunks().get(1).start()).isEqualTo(6);
    assertThat(second.chunks().get(1).tokens()).isEqualTo(Arrays.copyOfRange(b, 6, 20));
    for (StepPlan plan : runner.plans) {
      assertThat(plan.tokenCount()).isLessThanOrEqualTo(16);
    }
    assertThat(s.stats().steps()).isEqualTo(runner.plans.size());
  }

  @Test
  void aRunnerSmallerThanThePlansIsRefused() {
    CpuModelRunner small = new CpuModelRunner(model, 8, 4, pool);

    assertThatThrownBy(
            () ->
                new Scheduler(
                    small,
                    new BlockPool(config, 64, 8, false),
                    new SchedulerConfig(16, 4, 64, 100, 8, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes 8 tokens of 4 sequences")
        .hasMessageContaining("plans 16 of 4");
  }

  @Test
  void aRepeatedPrefixIsServedFromTheCache() throws Exception {
    Scheduler s = scheduler(64, 8, 64, 4, true);
    int[] first = prompt(40, 99);
    int[] second = first.clone();
    second[37] = (second[37] + 1) % 101; // same first 37 tokens: 4 full blocks of 8
    Collector a = new Collector();
    s.submit(new Request(first, SamplingParams.greedy(5), Set.of(), null, null, a));
    runToCompletion(s);
    long hitsBefore = s.stats().prefixCacheHits();

    Collector b = new Collector();
    s.submit(new Request(second, SamplingParams.greedy(5), Set.of(), null, null, b));
    runToCompletion(s);

    assertThat(s.stats().prefixCacheHits() - hitsBefore).isEqualTo(32);
    assertThat(b.ids).isEqualTo(sequential(second, 5));
    assertThat(a.ids).isEqualTo(sequential(first, 5));
  }

  @Test
  void anEngineTaskThatQueuesItsNextPartLetsTheBatchStepBetween() throws Exception {
    Scheduler s = scheduler(64, 8, 64, 4, true);
    List<Integer> stepTokens = new ArrayList<>();
    s.observeSteps(stepTokens::add);
    Collector c = new Collector();
    s.submit(new Request(prompt(5, 1), SamplingParams.greedy(6), Set.of(), null, null, c));
    List<String> order = new ArrayList<>();
    int[] parts = {0};
    Runnable[] part = new Runnable[1];
    part[0] =
        () -> {
          order.add("task " + parts[0] + " after " + stepTokens.size() + " steps");
          if (++parts[0] < 4) {
            s.runOnEngine(part[0]);
          }
        };
    s.runOnEngine(part[0]);

    runToCompletion(s);

    assertThat(c.done.get(1, TimeUnit.SECONDS)).isEqualTo(FinishReason.LENGTH);
    assertThat(order)
        .as("one part of the task before each step, not all four before the first")
        .containsExactly(
            "task 0 after 0 steps",
            "task 1 after 1 steps",
            "task 2 after 2 steps",
            "task 3 after 3 steps");
    assertThat(stepTokens)
        .as("the observer sees each step's tokens: the 5-token prompt, then one per decode")
        .containsExactly(5, 1, 1, 1, 1, 1);
  }

  @Test
  void anotherAdapterDoesNotShareThePrefixCache() {
    Scheduler s = scheduler(64, 8, 64, 4, true);
    int[] p = prompt(20, 5);
    s.submit(new Request(p, SamplingParams.greedy(2), Set.of(), null, null, new Collector()));
    runToCompletion(s);
    long hits = s.stats().prefixCacheHits();

    LoraAdapter other = new LoraAdapter("other", null, 1, 1f, emptyLayers(config.layers()));
    s.submit(new Request(p, SamplingParams.greedy(2), Set.of(), null, other, new Collector()));
    runToCompletion(s);

    assertThat(s.stats().prefixCacheHits()).isEqualTo(hits);
  }

  @Test
  void statsNameTheAdaptersRunningAndWaiting() {
    Scheduler s = scheduler(64, 8, 64, 1, true); // one sequence at a time: the other waits
    LoraAdapter sql = new LoraAdapter("sql", null, 1, 1f, emptyLayers(config.layers()));
    LoraAdapter chat = new LoraAdapter("chat", null, 1, 1f, emptyLayers(config.layers()));
    s.submit(
        new Request(prompt(4, 1), SamplingParams.greedy(3), Set.of(), null, sql, new Collector()));
    s.submit(
        new Request(prompt(4, 2), SamplingParams.greedy(3), Set.of(), null, chat, new Collector()));

    s.step();

    assertThat(s.stats().runningAdapters()).containsExactly("sql");
    assertThat(s.stats().waitingAdapters()).containsExactly("chat");
    runToCompletion(s);
    assertThat(s.stats().runningAdapters()).isEmpty();
    assertThat(s.stats().waitingAdapters()).isEmpty();
  }

  /** An adapter that adapts nothing: same outputs, but its own prefix-cache namespace. */
  private static List<Map<LoraTarget, LoraAdapter.Pair>> emptyLayers(int layers) {
    List<Map<LoraTarget, LoraAdapter.Pair>> l = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      l.add(Map.of());
    }
    return l;
  }

  @Test
  void cancellingARequestEndsItAndReturnsItsBlocks() throws Exception {
    BlockPool blocks = new BlockPool(config, 32, 8, false);
    Scheduler s = new Scheduler(model, blocks, new SchedulerConfig(64, 4, 64, 10, 8, false), pool);
    Collector c = new Collector();
    RequestHandle h =
        s.submit(new Request(prompt(10, 1), SamplingParams.greedy(40), Set.of(), null, null, c));
    s.step();
    s.step();
    assertThat(blocks.available()).isLessThan(32);

    h.cancel();
    s.step();

    assertThat(c.done.get(1, TimeUnit.SECONDS)).isEqualTo(FinishReason.ABORT);
    assertThat(blocks.available()).isEqualTo(32);
    assertThat(s.hasWork()).isFalse();
  }

  @Test
  void promptsLongerThanTheContextAndAFullQueueAreRefused() {
    Scheduler s =
        new Scheduler(
            model,
            new BlockPool(config, 64, 8, false),
            new SchedulerConfig(64, 4, 32, 2, 8, false),
            pool);

    assertThatThrownBy(
            () ->
                s.submit(
                    new Request(
                        prompt(40, 1),
                        SamplingParams.greedy(2),
                        Set.of(),
                        null,
                        null,
                        new Collector())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maximum context length is 32");
    s.submit(
        new Request(prompt(4, 1), SamplingParams.greedy(2), Set.of(), null, null, new Collector()));
    s.submit(
        new Request(prompt(4, 2), SamplingParams.greedy(2), Set.of(), null, null, new Collector()));
    assertThatThrownBy(
            () ->
                s.submit(
                    new Request(
                        prompt(4, 3),
                        SamplingParams.greedy(2),
                        Set.of(),
                        null,
                        null,
                        new Collector())))
        .isInstanceOf(QueueFullException.class);
  }

  @Test
  void theEngineLoopServesConcurrentSubmitters() throws Exception {
    Scheduler s = scheduler(256, 16, 64, 8, true);
    List<Collector> outs = new ArrayList<>();
    List<int[]> prompts = new ArrayList<>();
    try (EngineLoop loop = new EngineLoop(s)) {
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        int[] p = prompt(5 + i, 100 + i);
        Collector c = new Collector();
        prompts.add(p);
        outs.add(c);
        clients.add(
            Thread.ofVirtual()
                .start(
                    () ->
                        s.submit(
                            new Request(p, SamplingParams.greedy(8), Set.of(), null, null, c))));
      }
      for (Thread t : clients) {
        t.join();
      }
      for (Collector c : outs) {
        c.done.get(30, TimeUnit.SECONDS);
      }
    }
    for (int i = 0; i < 8; i++) {
      assertThat(outs.get(i).ids).isEqualTo(sequential(prompts.get(i), 8));
    }
  }
}
