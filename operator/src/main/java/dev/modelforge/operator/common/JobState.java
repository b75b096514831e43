package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.Optional;

/** Where a batch Job stands, read from its status the way kubectl does. */
public record JobState(Phase phase, String message) {

  public enum Phase {
    ABSENT,
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  public static JobState of(Optional<Job> job) {
    if (job.isEmpty()) {
      return new JobState(Phase.ABSENT, null);
    }
    var status = job.get().getStatus();
    if (status == null) {
      return new JobState(Phase.PENDING, null);
    }
    if (status.getConditions() != null) {
      for (JobCondition condition : status.getConditions()) {
        if (!"True".equals(condition.getStatus())) {
          continue;
        }
        switch (condition.getType()) {
          case "Complete", "SuccessCriteriaMet" -> {
            return new JobState(Phase.SUCCEEDED, condition.getMessage());
          }
          case "Failed", "FailureTarget" -> {
            return new JobState(Phase.FAILED, describe(condition));
          }
          default -> {}
        }
      }
    }
    if (status.getSucceeded() != null && status.getSucceeded() > 0) {
      return new JobState(Phase.SUCCEEDED, null);
    }
    if (status.getActive() != null && status.getActive() > 0) {
      return new JobState(Phase.RUNNING, null);
    }
    return new JobState(Phase.PENDING, null);
  }

  private static String describe(JobCondition condition) {
    if (condition.getMessage() != null && !condition.getMessage().isBlank()) {
      return condition.getReason() == null
          ? condition.getMessage()
          : condition.getReason() + ": " + condition.getMessage();
    }
    return condition.getReason();
  }
}
