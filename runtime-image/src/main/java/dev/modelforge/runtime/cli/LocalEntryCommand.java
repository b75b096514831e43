package dev.modelforge.runtime.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code modelforge local}: listed here so that {@code --help} names it; the launcher runs it from
 * the e2e module's jar, which holds the local cluster.
 */
@Command(
    name = "local",
    description = {
      "The local cluster on this machine: up, demo [--keep], status, down.",
      "An in-process Kubernetes API, the operator and a local kubelet for ModelForge's pods."
    })
public final class LocalEntryCommand implements Callable<Integer> {

  @Parameters(arity = "0..*", hidden = true)
  String[] args;

  @Override
  public Integer call() {
    throw new IllegalStateException(
        "local runs from the e2e module: use bin/modelforge local ... (after ./mvnw package)");
  }
}
