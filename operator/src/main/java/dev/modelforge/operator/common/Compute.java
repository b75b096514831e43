package dev.modelforge.operator.common;

import dev.modelforge.contract.args.Device;
import dev.modelforge.operator.api.v1alpha1.WorkloadResources;
import dev.modelforge.operator.config.ModelForgeConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.LinkedHashMap;

/** Turns a spec's resources (with the operator's defaults) into container requirements. */
public final class Compute {
  public static final String GPU = "nvidia.com/gpu";

  private Compute() {}

  /**
   * The kernel threads a runtime pod should run: its CPU request, rounded down, at least one. CPU
   * is not limited (see below), so the JVM would otherwise see every core of the node and run one
   * thread per core beside other pods.
   */
  public static int threads(WorkloadResources resources, ModelForgeConfig.Defaults defaults) {
    var spec = resources == null ? new WorkloadResources() : resources;
    var cpu = new Quantity(spec.getCpu() != null ? spec.getCpu() : defaults.cpu());
    return Math.max(1, Quantity.getAmountInBytes(cpu).intValue());
  }

  /** Where a runtime pod runs its kernels: on the GPUs it requests, or its CPUs. */
  public static Device device(WorkloadResources resources) {
    Integer gpus = resources == null ? null : resources.getGpus();
    return Device.forGpus(gpus == null ? 0 : gpus);
  }

  public static ResourceRequirements requirements(
      WorkloadResources resources, ModelForgeConfig.Defaults defaults) {
    var spec = resources == null ? new WorkloadResources() : resources;
    var cpu = new Quantity(spec.getCpu() != null ? spec.getCpu() : defaults.cpu());
    var memory = new Quantity(spec.getMemory() != null ? spec.getMemory() : defaults.memory());
    var requests = new LinkedHashMap<String, Quantity>();
    requests.put("cpu", cpu);
    requests.put("memory", memory);
    // Memory limit = request: the server sizes its KV cache from the heap it leaves
    // (--kv-cache-memory auto), and an eviction is clearer than an OOM kill. CPU is not limited so
    // threads are not throttled.
    var limits = new LinkedHashMap<String, Quantity>();
    limits.put("memory", memory);
    int gpus = spec.getGpus() == null ? 0 : spec.getGpus();
    if (gpus > 0) {
      // Extended resources must have requests equal to limits.
      requests.put(GPU, new Quantity(Integer.toString(gpus)));
      limits.put(GPU, new Quantity(Integer.toString(gpus)));
    }
    return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build();
  }
}
