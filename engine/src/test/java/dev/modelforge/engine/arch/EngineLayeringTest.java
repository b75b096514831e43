package dev.modelforge.engine.arch;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The engine's package rules, checked on its compiled main classes. */
class EngineLayeringTest {

  private static final JavaClasses ENGINE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.modelforge.engine");

  /** Every package, sub-packages counted apart (format.gguf is not format), is free of cycles. */
  @Test
  void noPackageCycles() {
    slices().matching("dev.modelforge.engine.(**)").should().beFreeOfCycles().check(ENGINE);
  }
}
