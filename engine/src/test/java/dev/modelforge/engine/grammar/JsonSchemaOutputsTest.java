package dev.modelforge.engine.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.modelforge.engine.config.Architecture;
import dev.modelforge.engine.config.ModelConfig;
import dev.modelforge.engine.config.RopeConfig;
import dev.modelforge.engine.generate.FinishReason;
import dev.modelforge.engine.generate.GeneratedToken;
import dev.modelforge.engine.generate.SamplingParams;
import dev.modelforge.engine.init.RandomModelWriter;
import dev.modelforge.engine.kvcache.BlockPool;
import dev.modelforge.engine.model.LoadedModel;
import dev.modelforge.engine.scheduler.Request;
import dev.modelforge.engine.scheduler.Scheduler;
import dev.modelforge.engine.scheduler.SchedulerConfig;
import dev.modelforge.engine.scheduler.SequenceListener;
import dev.modelforge.engine.tensor.DType;
import dev.modelforge.engine.tensor.Parallel;
import dev.modelforge.engine.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON schemas through the whole path: schema to grammar, grammar to token masks over GPT-2's real
 * vocabulary, masks under the batching scheduler with a random-weight model sampling at temperature
 * 1. Every output must validate against its schema with an independent validator.
 */
class JsonSchemaOutputsTest {

  static final List<String> SCHEMAS =
      List.of(
          """
          {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10},
           "age": {"type": "integer"}}, "required": ["name", "age"], "additionalProperties": false}
          """,
          """
          {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 4}
          """,
          """
          {"enum": ["red", "green", "blue", 42, null, true]}
          """,
          """
          {"type": "object", "properties": {
             "id": {"type": "string", "format": "uuid"},
             "when": {"type": "string", "format": "date"},
             "ok": {"type": "boolean"}},
           "required": ["id", "when", "ok"], "additionalProperties": false}
          """,
          """
          {"type": "object", "properties": {
             "point": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
                       "required": ["x", "y"], "additionalProperties": false},
             "label": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}},
           "required": ["point"], "additionalProperties": false}
          """,
          """
          {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{3}$"}
          """,
          """
          {"$defs": {"node": {"type": "object", "properties": {
              "v": {"type": "integer"},
              "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
             "required": ["v"], "additionalProperties": false}},
           "$ref": "#/$defs/node"}
          """,
          """
          {"type": "object", "properties": {"tags": {"type": "array",
             "items": {"type": "string", "minLength": 1, "maxLength": 4}, "maxItems": 3}},
           "required": ["tags"], "additionalProperties": false}
          """,
          """
          {"type": ["integer", "boolean"]}
          """,
          """
          {"type": "object", "properties": {"a": {"const": "fixed"}, "b": {"type": "integer"}},
           "required": ["a"], "additionalProperties": false}
          """);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry VALIDATORS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  @TempDir static Path dir;
  static Parallel threads;
  static LoadedModel loaded;
  static Tokenizer tokenizer;
  static TokenVocabulary vocabulary;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = GrammarConstraintTest.tokenizer("gpt2");
    ModelConfig config =
        new ModelConfig(
            Architecture.LLAMA,
            32,
            1,
            2,
            1,
            16,
            64,
            tokenizer.vocabSize(),
            512,
            1e-5f,
            new RopeConfig(10000, "default", 1, 1, 1, 0),
            true,
            false,
            "f32");
    Path model = dir.resolve("model");
    new RandomModelWriter(config, 5, DType.F32).perturbNorms().initStd(0.15).write(model);
    threads = new Parallel(2);
    loaded = LoadedModel.open(model, null);
    vocabulary = TokenVocabulary.of(tokenizer);
  }

  @AfterAll
  static void close() {
    loaded.close();
    threads.close();
  }

  /** One sequence's output bytes. */
  static final class Output implements SequenceListener {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Integer> ids = new ArrayList<>();
    final CompletableFuture<FinishReason> done = new CompletableFuture<>();

    @Override
    public void onToken(GeneratedToken token) {
      bytes.writeBytes(tokenizer.tokenBytes(token.id()));
      ids.add(token.id());
    }

    @Override
    public void onFinish(FinishReason reason, int prompt, int generated, Exception error) {
      if (error != null) {
        done.completeExceptionally(error);
      } else {
        done.complete(reason);
      }
    }
  }

  @Test
  void everySampledOutputValidatesAgainstItsSchema() throws Exception {
    var config = loaded.model().config();
    Scheduler s =
        new Scheduler(
            loaded.model(),
            new BlockPool(config, 512, 16, true),
            new SchedulerConfig(256, 16, 512, 256, 16, true),
            threads);
    int perSchema = 4;
    List<Output> outs = new ArrayList<>();
    int eos = tokenizer.eosTokenIds().length > 0 ? tokenizer.eosTokenIds()[0] : 50256;
    for (int k = 0; k < SCHEMAS.size(); k++) {
      var constraint =
          new GrammarConstraint(
              Grammar.parse(JsonSchemaGrammar.fromSchema(JSON.readTree(SCHEMAS.get(k)))),
              vocabulary);
      for (int i = 0; i < perSchema; i++) {
        Output o = new Output();
        outs.add(o);
        var params =
            new SamplingParams(
                400,
                1.0,
                0,
                1,
                0,
                1,
                0,
                0,
                (long) (k * 100 + i),
                List.of(),
                List.of(),
                0,
                false,
                Map.of(),
                false);
        s.submit(
            new Request(new int[] {11, 12, 13}, params, Set.of(eos), null, null, o, constraint));
      }
    }
    for (int i = 0; i < 100_000 && s.hasWork(); i++) {
      s.step();
    }
    for (int k = 0; k < SCHEMAS.size(); k++) {
      var validator = VALIDATORS.getSchema(SCHEMAS.get(k));
      for (int i = 0; i < perSchema; i++) {
        Output o = outs.get(k * perSchema + i);
        String text = o.bytes.toString(StandardCharsets.UTF_8);
        assertThat(o.done.get(1, TimeUnit.SECONDS))
            .as("schema %d: %s", k, text)
            .isEqualTo(FinishReason.STOP);
        JsonNode value;
        try {
          value = JSON.readTree(text);
        } catch (java.io.IOException e) {
          throw new AssertionError("schema " + k + ": not JSON: " + text + ", ids " + o.ids, e);
        }
        assertThat(validator.validate(value)).as("schema %d: %s", k, text).isEmpty();
      }
    }
  }
}
