package dev.modelforge.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.local.ResourceType.PrinterColumn;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceTablesTest {
  static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
  static final ObjectMapper JSON = new ObjectMapper();

  final ResourceTables tables = new ResourceTables(JSON, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void listBecomesOneRowPerItemWithNameThenPrinterColumns() throws Exception {
    String list =
        """
        {"kind": "List", "metadata": {"resourceVersion": "7"}, "items": [
          {"metadata": {"name": "tiny", "namespace": "default",
                        "creationTimestamp": "2026-01-02T03:03:55Z"},
           "status": {"phase": "Ready", "parameters": 1234}},
          {"metadata": {"name": "pending", "creationTimestamp": "2026-01-02T03:04:05Z"}}
        ]}
        """;
    List<PrinterColumn> columns =
        List.of(
            PrinterColumn.AGE,
            new PrinterColumn("Params", "integer", "", "", 0, ".status.parameters"),
            new PrinterColumn("Phase", "string", "", "", 0, ".status.phase"));

    JsonNode table = JSON.readTree(tables.render(list, columns));

    assertThat(table.get("kind").asText()).isEqualTo("Table");
    assertThat(table.at("/metadata/resourceVersion").asText()).isEqualTo("7");
    assertThat(table.get("columnDefinitions").findValuesAsText("name"))
        .containsExactly("Name", "Age", "Params", "Phase");
    assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"tiny\",\"10s\",1234,\"Ready\"]");
    assertThat(table.at("/rows/1/cells").toString()).isEqualTo("[\"pending\",\"0s\",null,null]");
    assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(table.at("/rows/0/object/metadata/namespace").asText()).isEqualTo("default");
  }

  @Test
  void singleObjectBecomesOneRow() throws Exception {
    String object = "{\"metadata\": {\"name\": \"tiny\"}, \"spec\": {\"items\": [\"a\", \"b\"]}}";

    JsonNode table =
        JSON.readTree(
            tables.render(
                object,
                List.of(new PrinterColumn("Second", "string", "", "", 0, ".spec.items[1]"))));

    assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"tiny\",\"b\"]");
  }

  @Test
  void jsonPathsBeyondFieldsAndIndexesLeaveTheCellBlank() {
    assertThat(ResourceTables.pointer(".status.phase"))
        .hasValueSatisfying(p -> assertThat(p.toString()).isEqualTo("/status/phase"));
    assertThat(ResourceTables.pointer("{$.spec.replicas.min}"))
        .hasValueSatisfying(p -> assertThat(p.toString()).isEqualTo("/spec/replicas/min"));
    assertThat(ResourceTables.pointer(".status.conditions[?(@.type==\"Ready\")].status")).isEmpty();
    assertThat(ResourceTables.pointer(".metadata.labels.*")).isEmpty();
  }

  @Test
  void agesPrintLikeKubectl() {
    assertThat(ResourceTables.humanAge(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
    assertThat(ResourceTables.humanAge(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(ResourceTables.humanAge(Duration.ofSeconds(250))).isEqualTo("4m10s");
    assertThat(ResourceTables.humanAge(Duration.ofMinutes(25))).isEqualTo("25m");
    assertThat(ResourceTables.humanAge(Duration.ofMinutes(185))).isEqualTo("3h5m");
    assertThat(ResourceTables.humanAge(Duration.ofHours(20))).isEqualTo("20h");
    assertThat(ResourceTables.humanAge(Duration.ofHours(52))).isEqualTo("2d4h");
    assertThat(ResourceTables.humanAge(Duration.ofDays(45))).isEqualTo("45d");
    assertThat(ResourceTables.humanAge(Duration.ofDays(365 * 3 + 10))).isEqualTo("3y10d");
    assertThat(ResourceTables.humanAge(Duration.ofDays(365 * 9))).isEqualTo("9y");
  }
}
