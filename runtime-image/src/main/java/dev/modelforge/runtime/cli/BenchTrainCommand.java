package dev.modelforge.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.tensor.Gemm;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.Activations;
import dev.modelforge.engine.train.Lora;
import dev.modelforge.engine.train.ModelParameters;
import dev.modelforge.engine.train.TrainableModel;
import dev.modelforge.engine.train.data.MicroBatch;
import dev.modelforge.engine.train.layers.Linear;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.engine.train.optim.AdamW;
import dev.modelforge.engine.train.optim.GradientClipping;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelforge bench train}: the time of one optimizer step (forward, backward, clipping,
 * AdamW) on random tokens, with the FLOP rate it achieves and, for scale, the rate of the GEMM
 * kernel alone on a large square product in the same run.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Time training steps of --batch sequences of --seq random tokens: full fine-tuning, or",
      "LoRA of rank --lora on every linear layer. FLOPs count 2 per multiply-add: 6·N·P for full",
      "fine-tuning (4·N·P with a frozen base) over the N tokens and P matrix weights, plus",
      "attention."
    })
public final class BenchTrainCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model directory.")
  Path model;

  @Option(
      names = "--batch",
      defaultValue = "4",
      description = "Sequences B (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seq",
      defaultValue = "64",
      description = "Tokens per sequence T (default ${DEFAULT-VALUE}).")
  int seq;

  @Option(
      names = "--steps",
      defaultValue = "5",
      description = "Timed steps (default ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Untimed steps first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--lora", defaultValue = "0", description = "LoRA rank; 0 trains every weight.")
  int lora;

  @Option(names = "--threads", description = "Kernel threads (default: all cores).")
  Integer threads;

  @Option(names = "--json", description = "Print the results as one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    if (batch < 1 || seq < 2 || steps < 1 || warmup < 0 || lora < 0) {
      throw new IllegalArgumentException(
          "--batch and --steps must be >= 1, --seq >= 2, --warmup and --lora >= 0");
    }
    int n = threads == null ? Parallel.defaultThreads() : threads;
    ModelParameters params = ModelParameters.load(model);
    ModelConfig config = params.config();
    if (lora > 0) {
      List<String> targets =
          config.architecture().isGpt2() ? LoraSettings.GPT2_MODULES : LoraSettings.LLAMA_MODULES;
      Lora.apply(params, new LoraSettings(lora, 2.0 * lora, 0, targets), new SplittableRandom(1));
    } else {
      params.parameters().forEach(p -> p.setTrainable(true));
    }
    MicroBatch mb = randomBatch(config.vocabSize());
    try (Parallel pool = new Parallel(n)) {
      TrainableModel trainable = new TrainableModel(params, pool);
      Activations acts = trainable.newActivations(batch, seq);
      List<Parameter> trained = params.trainableParameters();
      AdamW adam = new AdamW(trained, 0.9, 0.999, 1e-8, 0.0);
      float scale = 1f / mb.targetCount();
      double[] phases = new double[3];
      for (int i = 0; i < warmup + steps; i++) {
        long t0 = System.nanoTime();
        trained.forEach(Parameter::zeroGrad);
        trainable.forward(mb, acts, -1);
        long t1 = System.nanoTime();
        trainable.backward(mb, acts, scale);
        long t2 = System.nanoTime();
        GradientClipping.clip(trained, 1.0);
        adam.step(1e-5, pool);
        long t3 = System.nanoTime();
        if (i >= warmup) {
          phases[0] += (t1 - t0) / 1e9;
          phases[1] += (t2 - t1) / 1e9;
          phases[2] += (t3 - t2) / 1e9;
        }
      }
      double seconds = (phases[0] + phases[1] + phases[2]) / steps;
      double flops = flopsPerStep(params, config);
      double gemm = gemmFlopRate(pool);
      report(pool.threads(), params, trained, seconds, phases, flops, gemm);
    }
    return 0;
  }

  private MicroBatch randomBatch(int vocab) {
    Random rng = new Random(1234);
    int[] inputs = new int[batch * seq];
    int[] targets = new int[batch * seq];
    int[] lengths = new int[batch];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = rng.nextInt(vocab);
      targets[i] = rng.nextInt(vocab);
    }
    java.util.Arrays.fill(lengths, seq);
    return new MicroBatch(batch, seq, inputs, targets, lengths);
  }

  /** Matrix FLOPs of the linear layers and the head, plus causal attention. */
  private double flopsPerStep(ModelParameters params, ModelConfig c) {
    double tokens = (double) batch * seq;
    double matrixWeights = (double) c.vocabSize() * c.dim();
    double loraWeights = 0;
    for (Linear l : params.linears()) {
      matrixWeights += (double) l.in() * l.out();
      if (l.lora() != null) {
        loraWeights += (double) l.lora().rank() * (l.in() + l.out());
      }
    }
    // forward 2·N·P; backward 2·N·P for input gradients, 2·N·P more for weight gradients
    double perWeight = lora > 0 ? 4 : 6;
    // QKᵀ and A·V over the causal half: 2 products · 2 FLOPs · B·NH·HS·T(T+1)/2; backward twice
    double attentionForward = 2.0 * batch * c.heads() * c.headDim() * seq * (seq + 1.0);
    return perWeight * tokens * matrixWeights + 6 * tokens * loraWeights + 3 * attentionForward;
  }

  /** The GEMM kernel alone: a 512 x 1024 x 1024 forward product, best of three. */
  private static double gemmFlopRate(Parallel pool) {
    int m = 512;
    int k = 1024;
    int nOut = 1024;
    float[] x = new float[m * k];
    float[] wT = new float[k * nOut];
    float[] y = new float[m * nOut];
    java.util.Arrays.fill(x, 0.5f);
    java.util.Arrays.fill(wT, 0.25f);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      long t0 = System.nanoTime();
      Gemm.forward(x, wT, y, m, k, nOut, pool);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return 2.0 * m * k * nOut / best;
  }

  private void report(
      int threadCount,
      ModelParameters params,
      List<Parameter> trained,
      double seconds,
      double[] phases,
      double flops,
      double gemm) {
    PrintWriter out = spec.commandLine().getOut();
    long trainedCount = trained.stream().mapToLong(Parameter::size).sum();
    ObjectNode r = new ObjectMapper().createObjectNode();
    r.put("model", model.toString());
    r.put("architecture", params.config().architecture().hfClass());
    r.put("parameters", params.parameterCount());
    r.put("trainable_parameters", trainedCount);
    r.put("method", lora > 0 ? "lora" : "full");
    r.put("lora_rank", lora);
    r.put("threads", threadCount);
    r.put("batch", batch);
    r.put("seq", seq);
    r.put("steps", steps);
    r.put("ms_per_step", round(seconds * 1000));
    r.put("forward_ms", round(phases[0] / steps * 1000));
    r.put("backward_ms", round(phases[1] / steps * 1000));
    r.put("optimizer_ms", round(phases[2] / steps * 1000));
    r.put("tokens_per_s", round(batch * seq / seconds));
    r.put("gflop_per_step", round(flops / 1e9));
    r.put("achieved_gflop_s", round(flops / seconds / 1e9));
    r.put("gemm_kernel_gflop_s", round(gemm / 1e9));
    if (json) {
      out.println(r);
    } else {
      out.printf(
          "%s (%s, %,d parameters), %s, %d threads, B %d x T %d%n",
          model,
          r.get("architecture").asText(),
          params.parameterCount(),
          lora > 0
              ? "LoRA rank " + lora + " (" + String.format("%,d", trainedCount) + " trained)"
              : "full fine-tuning",
          threadCount,
          batch,
          seq);
      out.printf(
          "%.1f ms/step (forward %.1f, backward %.1f, clip + AdamW %.1f), %.0f tokens/s%n",
          seconds * 1000,
          phases[0] / steps * 1000,
          phases[1] / steps * 1000,
          phases[2] / steps * 1000,
          batch * seq / seconds);
      out.printf(
          "%.2f GFLOP/step -> %.1f GFLOP/s achieved; the GEMM kernel alone reaches %.1f GFLOP/s%n",
          flops / 1e9, flops / seconds / 1e9, gemm / 1e9);
    }
    out.flush();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
