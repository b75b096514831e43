package dev.modelforge.contract.progress;

import java.util.Optional;
import java.util.stream.Stream;

final class Reports {

  private Reports() {}

  /** The first of {@code texts} that says something. */
  static Optional<String> firstSaid(String... texts) {
    return Stream.of(texts).filter(t -> t != null && !t.isBlank()).findFirst();
  }
}
