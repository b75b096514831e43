package dev.modelforge.contract.args;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code modelforge serve}: the OpenAI-compatible server on {@code model}, with LoRA adapters by
 * name. Optional settings are null to leave the runtime's default.
 *
 * @param adapters adapter name (the {@code model} field clients send) to its directory, in order
 * @param drainSeconds how long shutdown waits for requests in flight
 * @param threads kernel threads, from the pod's CPU request
 * @param device where the kernels run, from the pod's GPU request
 * @param kvCacheMemory the paged KV cache's size ({@code 512M}) or {@code auto}: what the memory
 *     limit leaves once the model is loaded
 * @param dtype weight type: auto, float32, bfloat16, float16
 */
public record ServeArgs(
    String model,
    Map<String, String> adapters,
    int port,
    long drainSeconds,
    int threads,
    Device device,
    String kvCacheMemory,
    Integer maxBatchSize,
    Integer maxSequenceLength,
    Boolean prefixCaching,
    String dtype) {

  public static final String COMMAND = "serve";

  public ServeArgs {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(device, "device");
    adapters = adapters == null ? Map.of() : new LinkedHashMap<>(adapters);
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  public List<String> toArgs() {
    Args a = new Args(COMMAND).add("--model", model);
    adapters.forEach((name, dir) -> a.add("--adapter", name + "=" + dir));
    a.add("--port", Integer.toString(port))
        .add("--drain-timeout", drainSeconds + "s")
        .add("--threads", Integer.toString(threads))
        .add(Device.FLAG, device.flagValue())
        .addIfSet("--kv-cache-memory", kvCacheMemory)
        .addIfSet("--max-batch-size", maxBatchSize)
        .addIfSet("--max-sequence-length", maxSequenceLength);
    if (prefixCaching != null) {
      a.flag(prefixCaching ? "--prefix-caching" : "--no-prefix-caching");
    }
    return a.addIfSet("--dtype", dtype).list();
  }
}
