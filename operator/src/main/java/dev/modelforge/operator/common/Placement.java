package dev.modelforge.operator.common;

import dev.modelforge.operator.api.v1alpha1.Scheduling;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.LinkedHashMap;
import java.util.List;

/** Copies a spec's scheduling fields onto a pod spec, unchanged. */
public final class Placement {
  private Placement() {}

  public static void apply(Scheduling scheduling, PodSpec pod) {
    if (scheduling == null) {
      return;
    }
    if (scheduling.getNodeSelector() != null && !scheduling.getNodeSelector().isEmpty()) {
      pod.setNodeSelector(new LinkedHashMap<>(scheduling.getNodeSelector()));
    }
    if (scheduling.getTolerations() != null && !scheduling.getTolerations().isEmpty()) {
      pod.setTolerations(List.copyOf(scheduling.getTolerations()));
    }
    pod.setAffinity(scheduling.getAffinity());
    pod.setRuntimeClassName(scheduling.getRuntimeClassName());
    pod.setPriorityClassName(scheduling.getPriorityClassName());
  }
}
