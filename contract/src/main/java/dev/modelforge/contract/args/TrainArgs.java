package dev.modelforge.contract.args;

import java.util.List;
import java.util.Objects;

/**
 * {@code modelforge train}: fine-tunes {@code base} on {@code dataset} with the settings in {@code
 * config}, writing the model to {@code output}; with {@code resume}, a replacement pod continues
 * from the last complete checkpoint there.
 *
 * @param threads kernel threads, from the pod's CPU request
 * @param device where the kernels run, from the pod's GPU request
 */
public record TrainArgs(
    String base,
    String dataset,
    String config,
    String output,
    int threads,
    Device device,
    boolean resume) {

  public static final String COMMAND = "train";

  public TrainArgs {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(device, "device");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
  }

  public List<String> toArgs() {
    Args a =
        new Args(COMMAND)
            .add("--base", base)
            .add("--dataset", dataset)
            .add("--config", config)
            .add("--output", output)
            .add("--threads", Integer.toString(threads))
            .add(Device.FLAG, device.flagValue());
    return (resume ? a.flag("--resume") : a).list();
  }
}
