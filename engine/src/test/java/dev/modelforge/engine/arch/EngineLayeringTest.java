package dev.modelforge.engine.arch;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The engine's package rules (docs/architecture.md, "Engine layers"), checked on its compiled main
 * classes: no package cycles, and each layer reaches only the layers below it.
 */
class EngineLayeringTest {

  private static final String E = "dev.modelforge.engine.";
  private static final JavaClasses ENGINE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.modelforge.engine");

  /** Every package, sub-packages counted apart (format.gguf is not format), is free of cycles. */
  @Test
  void noPackageCycles() {
    slices().matching("dev.modelforge.engine.(**)").should().beFreeOfCycles().check(ENGINE);
  }

  @Test
  void eachLayerReachesOnlyTheLayersBelowIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("kernels")
        .definedBy(E + "tensor..")
        .layer("tokenizers")
        .definedBy(E + "tokenizer..")
        .layer("tensor records")
        .definedBy(E + "format")
        .layer("configuration")
        .definedBy(E + "config..")
        .layer("file formats")
        .definedBy(E + "format.gguf..", E + "format.safetensors..")
        .layer("adapters")
        .definedBy(E + "lora..")
        .layer("model")
        .definedBy(E + "model..", E + "kvcache..")
        .layer("generation")
        .definedBy(E + "generate..", E + "grammar..")
        .layer("runner")
        .definedBy(E + "runner..")
        .layer("serving")
        .definedBy(E + "scheduler..")
        .layer("training data")
        .definedBy(E + "train.data..")
        .layer("training layers")
        .definedBy(E + "train.layers..", E + "train.optim..")
        .layer("training")
        .definedBy(E + "train")
        .layer("tools")
        .definedBy(E + "embed..", E + "init..")
        .whereLayer("kernels")
        .mayNotAccessAnyLayer()
        .whereLayer("tokenizers")
        .mayNotAccessAnyLayer()
        .whereLayer("tensor records")
        .mayOnlyAccessLayers("kernels")
        .whereLayer("configuration")
        .mayOnlyAccessLayers("kernels", "tensor records")
        .whereLayer("file formats")
        .mayOnlyAccessLayers("kernels", "tokenizers", "tensor records", "configuration")
        .whereLayer("adapters")
        .mayOnlyAccessLayers("kernels", "tensor records", "configuration", "file formats")
        .whereLayer("model")
        .mayOnlyAccessLayers(
            "kernels", "tokenizers", "tensor records", "configuration", "file formats", "adapters")
        .whereLayer("generation")
        .mayOnlyAccessLayers(
            "kernels", "tokenizers", "tensor records", "configuration", "adapters", "model")
        .whereLayer("runner")
        .mayOnlyAccessLayers("kernels", "configuration", "adapters", "model", "generation")
        .whereLayer("serving")
        .mayOnlyAccessLayers(
            "kernels", "configuration", "adapters", "model", "generation", "runner")
        .whereLayer("training data")
        .mayOnlyAccessLayers("tokenizers")
        .whereLayer("training layers")
        .mayOnlyAccessLayers("kernels", "adapters", "training data")
        .whereLayer("tools")
        .mayOnlyAccessLayers("kernels", "tensor records", "configuration", "file formats", "model")
        .check(ENGINE);
  }
}
