package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.modelforge.engine.format.gguf.GgufStore;
import dev.modelforge.engine.format.gguf.GgufTensorInfo;
import dev.modelforge.engine.format.gguf.GgufValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported file as an independent parser reads it: src/test/node/describe-gguf-export.mjs ran
 * Hugging Face's {@code @huggingface/gguf} on this test's export and committed what it found (keys,
 * GGUF types, values, tensor dims and types) in src/test/resources/gguf/tiny-export.json.
 */
class ExportCommandGgufReaderTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int HEAD = 8;

  /** Where describe-gguf-export.mjs looks for the file, relative to the module. */
  private static final Path EXPORTED = Path.of("target", "gguf-conformance");

  @TempDir Path dir;

  @Test
  void huggingFacesGgufParserReadsTheExportAsWritten() throws IOException {
    Path tokenizer = TinyTokenizer.writeTo(Files.createDirectories(dir.resolve("tok")));
    Path model = dir.resolve("tiny");
    CliRun init =
        CliRun.of(
            "init",
            "--preset",
            "tiny",
            "--seed",
            "1",
            "--dim",
            "32",
            "--layers",
            "1",
            "--heads",
            "4",
            "--ffn",
            "64",
            "--context",
            "32",
            "--tokenizer",
            tokenizer.toString(),
            "--out",
            model.toString());
    assertThat(init.exitCode()).as(init.err()).isZero();
    CliRun export =
        CliRun.of(
            "export",
            "--model",
            model.toString(),
            "--format",
            "gguf",
            "--dtype",
            "q8_0",
            "--out",
            EXPORTED.toString());
    assertThat(export.exitCode()).as(export.err()).isZero();

    JsonNode expected;
    try (InputStream in = getClass().getResourceAsStream("/gguf/tiny-export.json")) {
      expected = JSON.readTree(in);
    }
    try (GgufStore gguf = GgufStore.open(EXPORTED.resolve("tiny.gguf"))) {
      assertSameJson(describeMetadata(gguf), expected.get("metadata"), "metadata");
      assertSameJson(
          describeTensors(gguf.file().tensorInfos()), expected.get("tensors"), "tensors");
      assertThat(expected.get("header").get("version").asInt()).isEqualTo(gguf.file().version());
      assertThat(expected.get("header").get("tensor_count").asInt())
          .isEqualTo(gguf.file().tensorInfos().size());
    }
  }

  /** Equal as JSON values: 10000 and 10000.0 are the same number, as in JavaScript. */
  private static void assertSameJson(JsonNode actual, JsonNode expected, String what) {
    Comparator<JsonNode> byValue =
        (a, b) ->
            a.equals(b) || (a.isNumber() && b.isNumber() && a.doubleValue() == b.doubleValue())
                ? 0
                : 1;
    assertThat(actual.equals(byValue, expected))
        .withFailMessage("%s differ:%n ours    %s%n parser  %s", what, actual, expected)
        .isTrue();
  }

  /** The keys in file order as the script writes them: GGUF type ids, values, array heads. */
  private static ObjectNode describeMetadata(GgufStore gguf) {
    ObjectNode out = JSON.createObjectNode();
    for (Map.Entry<String, GgufValue> e : gguf.metadata().asMap().entrySet()) {
      ObjectNode entry = out.putObject(e.getKey()).put("type", e.getValue().type().id());
      if (e.getValue() instanceof GgufValue.ArrayValue(var elementType, List<GgufValue> elements)) {
        entry.put("subType", elementType.id()).put("length", elements.size());
        ArrayNode head = entry.putArray("head");
        elements.stream().limit(HEAD).forEach(v -> head.add(JSON.valueToTree(plain(v))));
      } else {
        entry.set("value", JSON.valueToTree(plain(e.getValue())));
      }
    }
    return out;
  }

  private static Object plain(GgufValue v) {
    return switch (v) {
      case GgufValue.IntValue i -> i.value();
      case GgufValue.FloatValue f -> f.value();
      case GgufValue.BoolValue b -> b.value();
      case GgufValue.StringValue s -> s.value();
      case GgufValue.ArrayValue a -> throw new IllegalArgumentException("nested array");
    };
  }

  private static ArrayNode describeTensors(List<GgufTensorInfo> infos) {
    ArrayNode out = JSON.createArrayNode();
    for (GgufTensorInfo t : infos) {
      ObjectNode o = out.addObject().put("name", t.name());
      ArrayNode dims = o.putArray("dims");
      for (long d : t.dims()) {
        dims.add(d);
      }
      o.put("ggmlType", t.ggmlType());
    }
    return out;
  }
}
