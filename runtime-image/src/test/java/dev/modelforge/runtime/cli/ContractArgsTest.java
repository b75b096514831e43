package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.contract.args.Device;
import dev.modelforge.contract.args.ExportArgs;
import dev.modelforge.contract.args.FetchArgs;
import dev.modelforge.contract.args.ServeArgs;
import dev.modelforge.contract.args.TrainArgs;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command lines the operator builds (the contract's argument builders) parsed by the runtime's
 * real commands: every option exists, and each value lands where the builder meant it to.
 */
class ContractArgsTest {

  private static <T> T parse(List<String> args, Class<T> command) {
    CommandLine.ParseResult result =
        ModelForgeCommand.commandLine().parseArgs(args.toArray(String[]::new));
    Object parsed = result.subcommand().commandSpec().userObject();
    assertThat(parsed).isInstanceOf(command);
    return command.cast(parsed);
  }

  @Test
  void fetch() {
    FetchCommand c =
        parse(
            new FetchArgs("hf://org/model", "/models/m", "/var/run/modelforge/progress.json")
                .toArgs(),
            FetchCommand.class);
    assertThat(c.source).isEqualTo("hf://org/model");
    assertThat(c.dest).isEqualTo(Path.of("/models/m"));
    assertThat(c.progressFile).isEqualTo(Path.of("/var/run/modelforge/progress.json"));
  }

  @Test
  void train() {
    TrainCommand c =
        parse(
            new TrainArgs(
                    "/models/base",
                    "pvc://data/train.jsonl",
                    "/etc/c.json",
                    "/output/m",
                    3,
                    Device.CUDA,
                    true)
                .toArgs(),
            TrainCommand.class);
    assertThat(c.base).isEqualTo(Path.of("/models/base"));
    assertThat(c.dataset).isEqualTo("pvc://data/train.jsonl");
    assertThat(c.config).isEqualTo(Path.of("/etc/c.json"));
    assertThat(c.output).isEqualTo(Path.of("/output/m"));
    assertThat(c.threads).isEqualTo(3);
    assertThat(Device.parse(c.device)).isEqualTo(Device.CUDA);
    assertThat(c.resume).isTrue();
    TrainCommand fresh =
        parse(
            new TrainArgs("/b", "/d", "/c", "/o", 1, Device.CPU, false).toArgs(),
            TrainCommand.class);
    assertThat(fresh.resume).isFalse();
    assertThat(DeviceSupport.require(fresh.device)).isEqualTo(Device.CPU);
  }

  @Test
  void serveWithEverySetting() {
    Map<String, String> adapters = new LinkedHashMap<>();
    adapters.put("sql", "/models/sql");
    adapters.put("chat", "/models/chat");
    ServeCommand c =
        parse(
            new ServeArgs(
                    "/models/base",
                    adapters,
                    8000,
                    30,
                    4,
                    Device.CPU,
                    "auto",
                    16,
                    2048,
                    false,
                    "bfloat16")
                .toArgs(),
            ServeCommand.class);
    assertThat(c.model).isEqualTo(Path.of("/models/base"));
    assertThat(c.adapters).containsExactly("sql=/models/sql", "chat=/models/chat");
    assertThat(c.port).isEqualTo(8000);
    assertThat(c.drainTimeout).isEqualTo("30s");
    assertThat(c.threads).isEqualTo(4);
    assertThat(c.toProperties()).containsEntry("modelforge.serve.device", "cpu");
    assertThat(c.kvCacheMemory).isEqualTo("auto");
    assertThat(c.maxBatch).isEqualTo(16);
    assertThat(c.maxModelLen).isEqualTo(2048);
    assertThat(c.prefixCaching).isFalse();
    assertThat(c.dtype).isEqualTo("bfloat16");
  }

  @Test
  void serveLeavesUnsetSettingsToTheRuntimesDefaults() {
    ServeCommand c =
        parse(
            new ServeArgs(
                    "/models/base", Map.of(), 8000, 30, 1, Device.CPU, null, null, null, null, null)
                .toArgs(),
            ServeCommand.class);
    assertThat(c.kvCacheMemory).isNull();
    assertThat(c.maxBatch).isNull();
    assertThat(c.maxModelLen).isNull();
    assertThat(c.prefixCaching).isTrue();
    assertThat(c.dtype).isNull();
    assertThat(c.adapters).isEmpty();
  }

  @Test
  void export() {
    ExportCommand c =
        parse(
            new ExportArgs(
                    "/models/base", "/models/sql", true, ExportArgs.Format.GGUF, "q8_0", "/out")
                .toArgs(),
            ExportCommand.class);
    assertThat(c.model).isEqualTo(Path.of("/models/base"));
    assertThat(c.adapter).isEqualTo(Path.of("/models/sql"));
    assertThat(c.merge).isTrue();
    assertThat(ExportArgs.Format.parse(c.format)).isEqualTo(ExportArgs.Format.GGUF);
    assertThat(c.dtype).isEqualTo("q8_0");
    assertThat(c.out).isEqualTo(Path.of("/out"));
    ExportCommand plain =
        parse(
            new ExportArgs("/m", null, false, ExportArgs.Format.SAFETENSORS, null, "/o").toArgs(),
            ExportCommand.class);
    assertThat(plain.adapter).isNull();
    assertThat(plain.merge).isFalse();
    assertThat(plain.dtype).isNull();
  }

  @Test
  void aDeviceThisRuntimeHasNoBackendForIsRefusedByName() {
    assertThatThrownBy(() -> DeviceSupport.require("cuda"))
        .hasMessageContaining("--device cuda: this runtime has no CUDA backend yet")
        .hasMessageContaining("--device cpu");
    assertThatThrownBy(() -> DeviceSupport.require("tpu"))
        .hasMessage("--device takes cpu or cuda, got 'tpu'");
    assertThat(DeviceSupport.require(null)).isEqualTo(Device.CPU);
  }
}
