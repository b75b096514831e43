package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a status's conditions from what a reconcile observed. A condition keeps its previous
 * lastTransitionTime while its status stays the same, so an unchanged world yields an equal status
 * and no patch.
 */
public final class Conditions {
  private final List<Condition> previous;
  private final long generation;
  private final Clock clock;
  private final List<Condition> built = new ArrayList<>();

  public Conditions(List<Condition> previous, Long generation, Clock clock) {
    this.previous = previous == null ? List.of() : previous;
    this.generation = generation == null ? 0L : generation;
    this.clock = clock;
  }

  public Conditions set(String type, boolean value, ConditionReason reason, String message) {
    String status = value ? "True" : "False";
    String since =
        previous.stream()
            .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .findFirst()
            .orElseGet(() -> Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
    built.removeIf(c -> type.equals(c.getType()));
    built.add(new Condition(type, status, reason.name(), message, since, generation));
    return this;
  }

  /**
   * A spec the operator refuses: not ready, not progressing until it is fixed, degraded, each with
   * reason InvalidSpec and {@code problems} as the message.
   */
  public Conditions invalidSpec(String problems) {
    return set(Condition.READY, false, ConditionReason.InvalidSpec, problems)
        .set(Condition.PROGRESSING, false, ConditionReason.InvalidSpec, "Fix the spec to continue.")
        .set(Condition.DEGRADED, true, ConditionReason.InvalidSpec, problems);
  }

  public List<Condition> build() {
    return List.copyOf(built);
  }
}
