package dev.modelforge.operator.serving;

import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.Model;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.VolumeAccessMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Whether the Models an InferenceService serves are there, Ready, and fit together. */
public final class ServedModels {
  private ServedModels() {}

  /** Why serving cannot (re)start yet; empty when every Model is Ready. */
  public static List<String> notReady(InferenceService service, Map<String, Model> models) {
    var reasons = new ArrayList<String>();
    var spec = service.getSpec();
    check(spec.getModel().getName(), models, reasons);
    for (ModelReference adapter : adapters(service)) {
      check(adapter.getName(), models, reasons);
    }
    return reasons;
  }

  /**
   * Why the replicas cannot all mount a served Model's volume: a ReadWriteOnce volume when more
   * than one replica may run (those on other nodes stay ContainerCreating with a Multi-Attach
   * error), a ReadWriteOncePod volume always (a rolling update's new pod waits for the old one).
   * Empty when every volume can be shared.
   */
  public static List<String> unshareableVolumes(
      InferenceService service, Map<String, Model> models) {
    int most = ServingWorkload.maxReplicas(service);
    var problems = new ArrayList<String>();
    for (String name : ServingWorkload.servedModels(service)) {
      Model model = models.get(name);
      if (model == null || model.getSpec() == null || model.getSpec().getStorage() == null) {
        continue;
      }
      VolumeAccessMode mode = model.getSpec().getStorage().getAccessMode();
      if (mode == VolumeAccessMode.ReadWriteOncePod) {
        problems.add(
            "Model "
                + name
                + "'s volume is ReadWriteOncePod: one pod at a time, so a rollout's new replica"
                + " waits for the old one to go");
      } else if (mode == VolumeAccessMode.ReadWriteOnce && most > 1) {
        problems.add(
            "Model "
                + name
                + "'s volume is ReadWriteOnce: of up to "
                + most
                + " replicas, those scheduled to another node cannot mount it (Multi-Attach) and"
                + " stay ContainerCreating");
      }
    }
    return problems;
  }

  /** Adapters that are not adapters of the served base: a user error, not a wait. */
  public static List<String> mismatches(InferenceService service, Map<String, Model> models) {
    var problems = new ArrayList<String>();
    String base = service.getSpec().getModel().getName();
    for (ModelReference adapter : adapters(service)) {
      Model model = models.get(adapter.getName());
      if (model == null || model.getSpec() == null) {
        continue;
      }
      var adapterOf = model.getSpec().getAdapterOf();
      if (adapterOf == null) {
        problems.add("Model " + adapter.getName() + " is not an adapter (no spec.adapterOf)");
      } else if (!base.equals(adapterOf.getName())) {
        problems.add(
            "Model "
                + adapter.getName()
                + " is an adapter of "
                + adapterOf.getName()
                + ", not of "
                + base);
      }
    }
    return problems;
  }

  private static void check(String name, Map<String, Model> models, List<String> reasons) {
    Model model = models.get(name);
    if (model == null) {
      reasons.add("Model " + name + " does not exist");
      return;
    }
    var status = model.getStatus();
    if (status == null || !status.isReadyConditionTrue()) {
      String phase = status == null || status.getPhase() == null ? "new" : status.getPhase().name();
      String progress =
          status == null || status.getProgress() == null ? "" : " (" + status.getProgress() + ")";
      reasons.add("Model " + name + " is " + phase + progress);
    }
  }

  private static List<ModelReference> adapters(InferenceService service) {
    return service.getSpec().getAdapters() == null ? List.of() : service.getSpec().getAdapters();
  }
}
