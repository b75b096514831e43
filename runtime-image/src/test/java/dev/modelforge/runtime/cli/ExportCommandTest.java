package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelforge.engine.lora.LoraSettings;
import dev.modelforge.engine.model.DecoderModel;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.train.Lora;
import dev.modelforge.engine.train.ModelParameters;
import dev.modelforge.engine.train.PeftAdapter;
import dev.modelforge.engine.train.layers.Parameter;
import dev.modelforge.examples.ArithmeticTask;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code modelforge export --format gguf}: one file that runs as the model directory did. */
class ExportCommandTest {

  private static final int[] PROMPT = {1, 7, 7, 8, 3, 9, 10, 11, 4, 5};

  private static Parallel pool;
  @TempDir Path dir;

  @BeforeAll
  static void startPool() {
    pool = new Parallel(2);
  }

  @AfterAll
  static void stopPool() {
    pool.close();
  }

  private static CliRun ok(String... args) {
    CliRun run = CliRun.of(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    return run;
  }

  /** Runs {@code export ARGS}, which must fail with one line naming the problem, and returns it. */
  private static String failingExport(String... args) {
    CliRun run = CliRun.of(concat(new String[] {"export"}, args));
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().lines()).singleElement().asString().startsWith("modelforge export: ");
    return run.err();
  }

  /** A random tiny Llama with the Llama 2 style tokenizer of {@link TinyTokenizer}. */
  private Path tinyModel(String name, int dim) throws IOException {
    Path tokenizer = TinyTokenizer.writeTo(Files.createDirectories(dir.resolve(name + "-tok")));
    Path model = dir.resolve(name);
    ok(
        "init",
        "--preset",
        "tiny",
        "--dim",
        Integer.toString(dim),
        "--layers",
        "2",
        "--heads",
        "4",
        "--ffn",
        "128",
        "--context",
        "64",
        "--tokenizer",
        tokenizer.toString(),
        "--out",
        model.toString());
    return model;
  }

  private static float[] logits(Path model, int[] tokens) {
    try (LoadedModel loaded = LoadedModel.open(model)) {
      DecoderModel m = loaded.model();
      return m.forward(
              m.newScoringState(tokens.length, pool),
              m.newCache(tokens.length),
              tokens,
              0,
              tokens.length,
              0,
              true)
          .clone();
    }
  }

  /** The largest |a - e| / max(1, |e|). */
  private static double worstDifference(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      worst =
          Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
    }
    return worst;
  }

  @ParameterizedTest
  @CsvSource({"'', 1e-6", "f32, 1e-6", "f16, 1e-2", "q8_0, 5e-2", "q4_0, 2e-1"})
  void ggufOfAnInitModelRunsAsTheDirectoryWithItsOwnTokenizer(String dtype, double tolerance)
      throws IOException {
    Path model = tinyModel("tiny", 64);
    Path out = dir.resolve("out");

    CliRun export =
        dtype.isEmpty()
            ? ok("export", "--model", model.toString(), "--format", "gguf", "--out", out.toString())
            : ok(
                "export",
                "--model",
                model.toString(),
                "--format",
                "gguf",
                "--dtype",
                dtype,
                "--out",
                out.toString());

    Path gguf = out.resolve("tiny.gguf");
    assertThat(export.out()).contains("wrote the model to " + gguf).contains("tokenizer llama");
    assertThat(gguf).isRegularFile();
    assertThat(worstDifference(logits(gguf, PROMPT), logits(model, PROMPT)))
        .isLessThanOrEqualTo(tolerance);
    String text = "hi hi! é\"\nhi</s>hi";
    assertThat(ok("tokenize", "--model", gguf.toString(), "--text", text).out())
        .isEqualTo(ok("tokenize", "--model", model.toString(), "--text", text).out());
  }

  @Test
  void generateFromTheGgufFileAloneMatchesTheDirectory() throws IOException {
    Path model = tinyModel("tiny", 64);
    Path out = dir.resolve("out");
    ok("export", "--model", model.toString(), "--format", "gguf", "--out", out.toString());
    Path alone = Files.createDirectories(dir.resolve("elsewhere")).resolve("model.gguf");
    Files.move(out.resolve("tiny.gguf"), alone);
    String[] args = {"--prompt", "hi hi!", "--max-tokens", "4", "--temperature", "0", "--json"};

    CliRun fromGguf = ok(concat(new String[] {"generate", "--model", alone.toString()}, args));
    CliRun fromDir = ok(concat(new String[] {"generate", "--model", model.toString()}, args));

    assertThat(fromGguf.out()).contains("\"prompt_ids\":[1,7,7,8]").isEqualTo(fromDir.out());
  }

  @Test
  void mergedAdapterGgufGivesTheLogitsOfTheMergedModel() throws IOException {
    Path base = tinyModel("base", 64);
    Path adapter = randomAdapter(base, dir.resolve("adapter"), 3);
    Path merged = dir.resolve("merged");
    ok(
        "export",
        "--model",
        base.toString(),
        "--adapter",
        adapter.toString(),
        "--merge",
        "--out",
        merged.toString());

    CliRun export =
        ok(
            "export",
            "--model",
            base.toString(),
            "--adapter",
            adapter.toString(),
            "--merge",
            "--format",
            "gguf",
            "--out",
            dir.resolve("gguf").toString());

    Path gguf = dir.resolve("gguf/base.gguf");
    assertThat(export.out()).contains("with the rank-4 adapter merged");
    float[] fromGguf = logits(gguf, PROMPT);
    assertThat(worstDifference(fromGguf, logits(merged, PROMPT))).isLessThanOrEqualTo(1e-5);
    assertThat(worstDifference(fromGguf, logits(base, PROMPT)))
        .as("the adapter changes the model")
        .isGreaterThan(1e-3);
  }

  @Test
  void fineTunedArithmeticModelExportsWithTheDemoTokenizer() throws IOException {
    Path tok = dir.resolve("tok");
    ArithmeticTask.writeTokenizer(tok);
    Path model = dir.resolve("sums");
    ok(
        "init",
        "--preset",
        "tiny",
        "--dim",
        "32",
        "--layers",
        "2",
        "--heads",
        "4",
        "--context",
        "32",
        "--tokenizer",
        tok.toString(),
        "--out",
        model.toString());

    ok("export", "--model", model.toString(), "--format", "gguf", "--out", dir.toString());

    Path gguf = dir.resolve("sums.gguf");
    assertThat(ok("tokenize", "--model", gguf.toString(), "--text", "12 + 7=").out())
        .isEqualTo(ok("tokenize", "--model", model.toString(), "--text", "12 + 7=").out());
    assertThat(ok("detokenize", "--model", gguf.toString(), "--ids", "4,5,16,13,16,2").out())
        .contains("12 + </s>")
        .isEqualTo(ok("detokenize", "--model", model.toString(), "--ids", "4,5,16,13,16,2").out());
  }

  @Test
  void modelWithoutTokenizerExportsWeightsOnlyAndSaysSo() {
    Path model = dir.resolve("gpt2");
    ok(
        "init",
        "--preset",
        "gpt2-small",
        "--layers",
        "1",
        "--dim",
        "64",
        "--heads",
        "2",
        "--out",
        model.toString());

    CliRun export =
        ok("export", "--model", model.toString(), "--format", "gguf", "--out", dir.toString());

    assertThat(export.out()).contains("no tokenizer");
    assertThat(worstDifference(logits(dir.resolve("gpt2.gguf"), PROMPT), logits(model, PROMPT)))
        .isLessThanOrEqualTo(1e-6);
    CliRun generate =
        CliRun.of("generate", "--model", dir.resolve("gpt2.gguf").toString(), "--prompt", "hi");
    assertThat(generate.exitCode()).isEqualTo(1);
    assertThat(generate.err()).contains("has no tokenizer metadata").contains("--prompt-ids");
  }

  @Test
  void unknownFormatIsRefused() throws IOException {
    String error =
        failingExport(
            "--model",
            tinyModel("tiny", 32).toString(),
            "--format",
            "onnx",
            "--out",
            dir.toString());

    assertThat(error)
        .isEqualTo("modelforge export: --format must be safetensors or gguf, got 'onnx'\n");
  }

  @Test
  void missingModelDirectoryIsNamed() {
    Path missing = dir.resolve("no-such-model");

    String error =
        failingExport("--model", missing.toString(), "--format", "gguf", "--out", dir.toString());

    assertThat(error).contains(missing + " does not exist");
  }

  @Test
  void adapterOfAnotherBaseIsRefused() throws IOException {
    Path base = tinyModel("base", 64);
    Path other = tinyModel("other", 32);
    Path adapter = randomAdapter(other, dir.resolve("other-adapter"), 5);

    String error =
        failingExport(
            "--model",
            base.toString(),
            "--adapter",
            adapter.toString(),
            "--merge",
            "--format",
            "gguf",
            "--out",
            dir.resolve("out").toString());

    assertThat(error).contains("adapter");
    assertThat(dir.resolve("out/base.gguf")).doesNotExist();
  }

  @Test
  void ggufNeedsMergeToUseAnAdapter() throws IOException {
    Path base = tinyModel("base", 32);
    Path adapter = randomAdapter(base, dir.resolve("adapter"), 1);

    String error =
        failingExport(
            "--model",
            base.toString(),
            "--adapter",
            adapter.toString(),
            "--format",
            "gguf",
            "--out",
            dir.toString());

    assertThat(error).contains("add --merge");
  }

  @Test
  void tokenizerLlamaCppCannotRunIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path model = tinyModel("tiny", 32);
    String json = Files.readString(model.resolve("tokenizer.json"));
    Files.writeString(
        model.resolve("tokenizer.json"),
        json.replace(
            "\"pre_tokenizer\": null",
            "\"pre_tokenizer\": {\"type\": \"Metaspace\","
                + " \"replacement\": \"▁\", \"prepend_scheme\": \"always\", \"split\": true}"));

    String error =
        failingExport(
            "--model",
            model.toString(),
            "--format",
            "gguf",
            "--out",
            dir.resolve("out").toString());

    assertThat(error)
        .contains("tokenizer.json")
        .contains("no pipeline llama.cpp implements")
        .contains("export it as safetensors");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void dtypeIsAGgufOption() throws IOException {
    String error =
        failingExport(
            "--model",
            tinyModel("tiny", 32).toString(),
            "--dtype",
            "f16",
            "--out",
            dir.resolve("out").toString());

    assertThat(error).contains("--dtype applies to --format gguf");
  }

  /** A rank-4 adapter on q and v whose B is random, so merging it changes the model. */
  private static Path randomAdapter(Path base, Path out, long seed) throws IOException {
    ModelParameters params = ModelParameters.load(base);
    LoraSettings settings = new LoraSettings(4, 8, 0, List.of("q_proj", "v_proj"));
    SplittableRandom rng = new SplittableRandom(seed);
    Lora.apply(params, settings, rng);
    for (Parameter p : params.loraParameters()) {
      float[] v = p.value();
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (rng.nextGaussian() * 0.2);
      }
    }
    PeftAdapter.save(params, settings, base.toString(), out);
    return out;
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
