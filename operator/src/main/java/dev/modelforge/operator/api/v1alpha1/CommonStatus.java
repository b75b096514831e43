package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The part of the status contract every ModelForge kind shares. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class CommonStatus {

  @JsonPropertyDescription("metadata.generation of the spec this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready (usable), Progressing (work under way) and Degraded (failed; the reason says"
          + " whether it is terminal or retried).")
  private List<Condition> conditions = new ArrayList<>();

  @JsonIgnore
  public Optional<Condition> condition(String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Whether the Ready condition is True. */
  @JsonIgnore
  public boolean isReadyConditionTrue() {
    return condition(Condition.READY).map(Condition::isTrue).orElse(false);
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
