package dev.modelforge.engine.generate;

import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.lora.LoraAdapter;
import dev.modelforge.engine.model.ContiguousKvCache;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.InferenceState;
import dev.modelforge.engine.tensor.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Beam search as Hugging Face Transformers 5 does it, token for token (the conformance suite holds
 * it to {@code generate(num_beams=...)}): keep {@code numBeams} running hypotheses, take the best
 * {@code max(2, 1 + end tokens) * numBeams} expansions over all of them, let those among the best
 * {@code numBeams} that end (an end token, or the last step) join a finished list scored by {@code
 * sum of logprobs / generated^lengthPenalty}, continue the best {@code numBeams} others, and stop
 * when the list is full and either {@code earlyStopping} or no running beam can still beat it.
 * Under an {@link OutputConstraint} each hypothesis follows the grammar on its own (the forbidden
 * tokens' log-probabilities become minus infinity after the softmax, as Hugging Face's logits
 * processors do), and one that completes the grammar is finished.
 */
public final class BeamSearch {

  /**
   * A finished hypothesis.
   *
   * @param tokens generated ids, without the EOS that ended it
   * @param sumLogprobs total log-probability, EOS included
   * @param score sumLogprobs / generated^lengthPenalty, where generated counts the EOS too (as
   *     Transformers 5 scores a finished beam: by the tokens appended to the prompt)
   * @param stopped whether an end token (left out of tokens) or a complete grammar ended it; else
   *     max tokens or the context did
   */
  public record Hypothesis(int[] tokens, double sumLogprobs, double score, boolean stopped) {}

  private record Beam(
      int[] tokens, double sumLogprobs, int cacheSlot, OutputConstraint.Matcher matcher) {}

  private record Candidate(int beam, int token, double sumLogprobs) {}

  private final DecoderModel model;
  private final Parallel pool;

  public BeamSearch(DecoderModel model, Parallel pool) {
    this.model = model;
    this.pool = pool;
  }

  /**
   * The memory a search holds in KV caches: two contiguous caches per beam (the one it reads and
   * the one the next step forks into), each of the prompt plus {@code maxTokens} positions.
   */
  public static long cacheBytes(ModelConfig config, int numBeams, int promptLength, int maxTokens) {
    long positions = Math.min(config.maxPositions(), (long) promptLength + maxTokens);
    return 2L * numBeams * 2L * config.layers() * positions * config.kvDim() * Float.BYTES;
  }

  /** Returns the finished hypotheses, best first (at most {@code numBeams}). */
  public List<Hypothesis> search(
      int[] prompt,
      int numBeams,
      int maxTokens,
      double lengthPenalty,
      boolean earlyStopping,
      Set<Integer> eosIds) {
    return search(prompt, numBeams, maxTokens, lengthPenalty, earlyStopping, eosIds, null);
  }

  /** As above, every hypothesis following {@code constraint} (null for none). */
  public List<Hypothesis> search(
      int[] prompt,
      int numBeams,
      int maxTokens,
      double lengthPenalty,
      boolean earlyStopping,
      Set<Integer> eosIds,
      OutputConstraint constraint) {
    Search run =
        start(prompt, numBeams, maxTokens, lengthPenalty, earlyStopping, eosIds, constraint, null);
    while (run.advance()) {
      // one step per call
    }
    return run.result();
  }

  /**
   * Starts a search through LoRA {@code adapter} (null: the base model) and reads the prompt; each
   * {@link Search#advance} then runs one step, so a server can interleave a search with its other
   * work (the model serves one caller at a time).
   */
  public Search start(
      int[] prompt,
      int numBeams,
      int maxTokens,
      double lengthPenalty,
      boolean earlyStopping,
      Set<Integer> eosIds,
      OutputConstraint constraint,
      LoraAdapter adapter) {
    if (numBeams < 1) {
      throw new IllegalArgumentException("num_beams must be >= 1, got " + numBeams);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("beam search needs max_tokens >= 1");
    }
    return new Search(
        prompt, numBeams, maxTokens, lengthPenalty, earlyStopping, eosIds, constraint, adapter);
  }

  /** One search in progress: {@link #advance} until it returns false, then {@link #result}. */
  public final class Search {
    private final int numBeams;
    private final int maxTokens;
    private final double lengthPenalty;
    private final boolean earlyStopping;
    private final Set<Integer> eosIds;
    private final LoraAdapter adapter;
    private final int vocab;
    private final int promptLength;
    private final int capacity;
    private final InferenceState state;
    private ContiguousKvCache[] caches;
    private ContiguousKvCache[] spare;
    private final float[][] logprobs;
    private final int[] one = new int[1];

    /** Hugging Face keeps enough expansions that numBeams go on even if all end tokens are in. */
    private final int keep;

    private List<Beam> running;
    private final List<Hypothesis> finished = new ArrayList<>();
    private int step;
    private boolean done;

    private Search(
        int[] prompt,
        int numBeams,
        int maxTokens,
        double lengthPenalty,
        boolean earlyStopping,
        Set<Integer> eosIds,
        OutputConstraint constraint,
        LoraAdapter adapter) {
      this.numBeams = numBeams;
      this.maxTokens = maxTokens;
      this.lengthPenalty = lengthPenalty;
      this.earlyStopping = earlyStopping;
      this.eosIds = eosIds;
      this.adapter = adapter;
      this.vocab = model.config().vocabSize();
      this.promptLength = prompt.length;
      this.capacity = Math.min(model.maxPositions(), prompt.length + maxTokens);
      if (prompt.length >= capacity) {
        throw new IllegalArgumentException("the prompt fills the model's context");
      }
      this.state = model.newState(Math.min(64, prompt.length), pool);
      this.caches = new ContiguousKvCache[numBeams];
      this.spare = new ContiguousKvCache[numBeams];
      for (int i = 0; i < numBeams; i++) {
        caches[i] = model.newCache(capacity);
        spare[i] = model.newCache(capacity);
      }
      this.logprobs = new float[numBeams][vocab];
      float[] logits = model.forward(state, caches[0], prompt, 0, prompt.length, 0, false, adapter);
      toLogprobs(logits, logprobs[0], vocab);
      OutputConstraint.Matcher first = constraint == null ? null : constraint.newMatcher();
      constrain(first, logprobs[0], vocab, eosIds);
      this.running = List.of(new Beam(new int[0], 0, 0, first));
      this.keep = Math.max(2, 1 + eosIds.size()) * numBeams;
    }

    /** Runs one step (one token for every running beam); false once the search has ended. */
    public boolean advance() {
      if (done) {
        return false;
      }
      int pos = promptLength + step;
      // the best `keep` expansions over all running beams
      List<Candidate> candidates = new ArrayList<>();
      for (int b = 0; b < running.size(); b++) {
        Beam beam = running.get(b);
        for (int t = 0; t < vocab; t++) {
          float lp = logprobs[beam.cacheSlot()][t];
          if (lp != Float.NEGATIVE_INFINITY) {
            candidates.add(new Candidate(b, t, beam.sumLogprobs() + lp));
          }
        }
      }
      candidates.sort(
          Comparator.comparingDouble(Candidate::sumLogprobs)
              .reversed()
              .thenComparingInt(Candidate::beam)
              .thenComparingInt(Candidate::token));
      List<Beam> next = new ArrayList<>();
      boolean lastStep = step + 1 >= maxTokens || pos + 1 >= capacity;
      for (int rank = 0; rank < Math.min(keep, candidates.size()); rank++) {
        Candidate c = candidates.get(rank);
        Beam parent = running.get(c.beam());
        boolean eos = eosIds.contains(c.token());
        int[] tokens = parent.tokens();
        OutputConstraint.Matcher matcher = null;
        boolean complete = false;
        if (!eos) {
          tokens = Arrays.copyOf(parent.tokens(), parent.tokens().length + 1);
          tokens[tokens.length - 1] = c.token();
          if (parent.matcher() != null) {
            matcher = parent.matcher().copy();
            matcher.accept(c.token());
            // the grammar allows nothing more: this hypothesis ends as if with EOS
            complete = matcher.isComplete();
          }
        }
        if (eos || complete || lastStep) {
          // as in Hugging Face, only the best numBeams expansions may finish; the rest are spares
          // that keep numBeams running when the best ones end
          if (rank < numBeams) {
            addFinished(
                finished,
                tokens,
                c.sumLogprobs(),
                step + 1,
                lengthPenalty,
                numBeams,
                eos || complete);
          }
          continue;
        }
        if (next.size() < numBeams) {
          next.add(new Beam(tokens, c.sumLogprobs(), parent.cacheSlot(), matcher));
        }
      }
      step++;
      if (lastStep
          || next.isEmpty()
          || isDone(finished, next, numBeams, lengthPenalty, earlyStopping)) {
        done = true;
        return false;
      }
      // fork caches: beam i continues from its parent's cache
      for (int i = 0; i < next.size(); i++) {
        spare[i].copyFrom(caches[next.get(i).cacheSlot()], pos);
      }
      ContiguousKvCache[] swap = caches;
      caches = spare;
      spare = swap;
      List<Beam> advanced = new ArrayList<>();
      for (int i = 0; i < next.size(); i++) {
        Beam b = next.get(i);
        one[0] = b.tokens()[b.tokens().length - 1];
        float[] l = model.forward(state, caches[i], one, 0, 1, pos, false, adapter);
        toLogprobs(l, logprobs[i], vocab);
        constrain(b.matcher(), logprobs[i], vocab, eosIds);
        advanced.add(new Beam(b.tokens(), b.sumLogprobs(), i, b.matcher()));
      }
      running = advanced;
      return true;
    }

    /** The finished hypotheses, best first (at most numBeams); call once advance is false. */
    public List<Hypothesis> result() {
      if (!done) {
        throw new IllegalStateException("the search has not ended");
      }
      List<Hypothesis> out = new ArrayList<>(finished);
      out.sort(Comparator.comparingDouble(Hypothesis::score).reversed());
      return out;
    }
  }

  /** The grammar's mask on a beam's log-probabilities; EOS only where the output may end. */
  private static void constrain(
      OutputConstraint.Matcher m, float[] logprobs, int vocab, Set<Integer> eosIds) {
    if (m == null) {
      return;
    }
    boolean mayEnd = m.canEnd();
    float[] eos = new float[eosIds.size()];
    int k = 0;
    for (int id : eosIds) {
      eos[k++] = id < vocab ? logprobs[id] : Float.NEGATIVE_INFINITY;
    }
    m.mask(logprobs, vocab);
    k = 0;
    for (int id : eosIds) {
      if (id < vocab) {
        logprobs[id] = mayEnd ? eos[k] : Float.NEGATIVE_INFINITY;
      }
      k++;
    }
  }

  private static void toLogprobs(float[] logits, float[] out, int vocab) {
    double lse = Logprobs.logSumExp(logits, vocab);
    for (int i = 0; i < vocab; i++) {
      out[i] = (float) (logits[i] - lse);
    }
  }

  private static double score(double sum, int length, double lengthPenalty) {
    return sum / Math.pow(Math.max(1, length), lengthPenalty);
  }

  private static void addFinished(
      List<Hypothesis> finished,
      int[] tokens,
      double sum,
      int generated,
      double lengthPenalty,
      int numBeams,
      boolean stopped) {
    double score = score(sum, generated, lengthPenalty);
    if (finished.size() < numBeams || score > worst(finished)) {
      finished.add(new Hypothesis(tokens, sum, score, stopped));
      if (finished.size() > numBeams) {
        finished.sort(Comparator.comparingDouble(Hypothesis::score).reversed());
        finished.removeLast();
      }
    }
  }

  private static double worst(List<Hypothesis> finished) {
    double w = Double.POSITIVE_INFINITY;
    for (Hypothesis h : finished) {
      w = Math.min(w, h.score());
    }
    return w;
  }

  private static boolean isDone(
      List<Hypothesis> finished,
      List<Beam> running,
      int numBeams,
      double lengthPenalty,
      boolean earlyStopping) {
    if (finished.size() < numBeams) {
      return false;
    }
    if (earlyStopping) {
      return true;
    }
    double best = Double.NEGATIVE_INFINITY;
    for (Beam b : running) {
      best = Math.max(best, score(b.sumLogprobs(), b.tokens().length, lengthPenalty));
    }
    return best <= worst(finished);
  }
}
