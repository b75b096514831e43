package dev.modelforge.engine.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.Generator;
import dev.modelforge.engine.generate.OutputConstraint;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.grammar.Grammar;
import dev.modelforge.engine.grammar.GrammarConstraint;
import dev.modelforge.engine.grammar.TokenVocabulary;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.model.TestModels;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A random-weight model under a grammar, through the batching scheduler and single-sequence
 * generation: every output is a sentence of the grammar (unconstrained, almost none is), and
 * batching does not change what a constrained greedy sequence generates.
 */
class ConstrainedDecodingTest {

  static final String GRAMMAR =
      """
      root ::= "{" pair ( "," " "? pair )? "}"
      pair ::= "\\"" [a-z]{1,6} "\\":" " "? value
      value ::= "true" | "false" | "-"? [0-9]{1,3} | "\\"" [a-zA-Z ]{0,6} "\\""
      """;

  static final int EOS = 100;

  @TempDir Path dir;
  private Parallel threads;
  private LoadedModel loaded;
  private ModelConfig config;
  private Grammar grammar;
  private byte[][] bytes;
  private OutputConstraint constraint;

  @BeforeEach
  void load() {
    config = TestModels.config("qwen2"); // vocabulary of 101, context of 64
    TestModels.write(dir, config, DType.F32, 41);
    threads = new Parallel(2);
    loaded = LoadedModel.open(dir, null);
    // ids 0..94 are the printable ASCII characters, 95..99 a few longer tokens, 100 the end
    bytes = new byte[101][];
    for (int c = 32; c < 127; c++) {
      bytes[c - 32] = new byte[] {(byte) c};
    }
    String[] longer = {"{\"", "\":", "true", ", \"", "\"}"};
    for (int i = 0; i < longer.length; i++) {
      bytes[95 + i] = longer[i].getBytes(StandardCharsets.UTF_8);
    }
    grammar = Grammar.parse(GRAMMAR);
    constraint = new GrammarConstraint(grammar, TokenVocabulary.of(bytes, false));
  }

  @AfterEach
  void close() {
    loaded.close();
    threads.close();
  }

  /** Collects one request's output text. */
  final class Output implements SequenceListener {
    final ByteArrayOutputStream text = new ByteArrayOutputStream();
    final List<Integer> ids = new ArrayList<>();
    final java.util.concurrent.CompletableFuture<FinishReason> done =
        new java.util.concurrent.CompletableFuture<>();

    @Override
    public void onToken(GeneratedToken token) {
      ids.add(token.id());
      text.writeBytes(bytes[token.id()]);
    }

    @Override
    public void onFinish(FinishReason reason, int prompt, int generated, Exception error) {
      if (error != null) {
        done.completeExceptionally(error);
      } else {
        done.complete(reason);
      }
    }

    String text() {
      return text.toString(StandardCharsets.UTF_8);
    }
  }

  private static SamplingParams sampled(long seed) {
    return new SamplingParams(
        58, 1.0, 0, 1, 0, 1, 0, 0, seed, List.of(), List.of(), 0, false, Map.of(), false);
  }

  private List<Output> runBatch(int requests, OutputConstraint c) throws Exception {
    Scheduler s =
        new Scheduler(
            loaded.model(),
            new BlockPool(config, 64, 8, true),
            new SchedulerConfig(64, 8, 64, 100, 8, true),
            threads);
    List<Output> outs = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      Output o = new Output();
      outs.add(o);
      s.submit(new Request(new int[] {1, 2, 3, 4}, sampled(i), Set.of(EOS), null, null, o, c));
    }
    for (int i = 0; i < 10_000 && s.hasWork(); i++) {
      s.step();
    }
    for (Output o : outs) {
      o.done.get(1, TimeUnit.SECONDS);
    }
    return outs;
  }

  @Test
  void everyBatchedSampledOutputIsASentenceOfTheGrammar() throws Exception {
    List<Output> outs = runBatch(16, constraint);

    for (Output o : outs) {
      assertThat(o.done.get()).as(o.text()).isEqualTo(FinishReason.STOP);
      assertThat(grammar.matches(o.text())).as("grammar accepts %s", o.text()).isTrue();
    }
    assertThat(outs.stream().map(Output::text).distinct().count())
        .as("the seeds still choose among the sentences")
        .isGreaterThan(8);
  }

  @Test
  void withoutTheConstraintTheSameModelAlmostNeverWritesOne() throws Exception {
    List<Output> outs = runBatch(16, null);

    long valid = outs.stream().filter(o -> grammar.matches(o.text())).count();
    assertThat(valid).isZero();
  }

  @Test
  void batchingDoesNotChangeAConstrainedGreedySequence() throws Exception {
    SamplingParams greedy = SamplingParams.greedy(58);
    int[] prompt = {5, 6, 7};
    var alone =
        new Generator(loaded.model(), threads)
            .generate(prompt, greedy, Set.of(EOS), null, null, constraint);
    StringBuilder text = new StringBuilder();
    for (int id : alone.tokenIds()) {
      text.append(new String(bytes[id], StandardCharsets.UTF_8));
    }
    assertThat(grammar.matches(text.toString())).as(text.toString()).isTrue();
    assertThat(alone.finishReason()).isEqualTo(FinishReason.STOP);

    Scheduler s =
        new Scheduler(
            loaded.model(),
            new BlockPool(config, 64, 8, true),
            new SchedulerConfig(64, 8, 64, 100, 8, true),
            threads);
    Output batched = new Output();
    s.submit(new Request(prompt, greedy, Set.of(EOS), null, null, batched, constraint));
    for (int i = 0; i < 4; i++) {
      s.submit(
          new Request(
              new int[] {9, 9, i}, sampled(i), Set.of(EOS), null, null, new Output(), constraint));
    }
    for (int i = 0; i < 10_000 && s.hasWork(); i++) {
      s.step();
    }
    assertThat(batched.done.get(1, TimeUnit.SECONDS)).isEqualTo(FinishReason.STOP);
    assertThat(batched.ids).isEqualTo(java.util.Arrays.stream(alone.tokenIds()).boxed().toList());
  }

  @Test
  void everyBeamSearchHypothesisIsASentenceOfTheGrammar() {
    var hypotheses =
        new dev.modelforge.engine.generate.BeamSearch(loaded.model(), threads)
            .search(new int[] {5, 6, 7}, 4, 58, 1.0, false, Set.of(EOS), constraint);

    assertThat(hypotheses).hasSize(4);
    for (var h : hypotheses) {
      StringBuilder text = new StringBuilder();
      for (int id : h.tokens()) {
        text.append(new String(bytes[id], StandardCharsets.UTF_8));
      }
      assertThat(h.stopped()).as(text.toString()).isTrue();
      assertThat(grammar.matches(text.toString())).as(text.toString()).isTrue();
    }
    assertThat(hypotheses.stream().map(h -> java.util.Arrays.toString(h.tokens())).distinct())
        .as("four different hypotheses")
        .hasSize(4);
  }
}
