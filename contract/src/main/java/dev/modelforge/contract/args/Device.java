package dev.modelforge.contract.args;

import java.util.Locale;

/**
 * Where a runtime pod runs its kernels ({@code --device}): the CPUs, or the CUDA GPUs a pod that
 * requests {@code nvidia.com/gpu} is given.
 */
public enum Device {
  CPU,
  CUDA;

  public static final String FLAG = "--device";

  /** The name on the command line: {@code cpu}, {@code cuda}. */
  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The device named {@code value}; an unknown name is refused with the names there are. */
  public static Device parse(String value) {
    String name = value == null ? "" : value.trim();
    for (Device d : values()) {
      if (d.flagValue().equalsIgnoreCase(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        FLAG + " takes " + Args.oneOf(values()) + ", got '" + value + "'");
  }

  /** The device for a pod given {@code gpus} GPUs. */
  public static Device forGpus(int gpus) {
    return gpus > 0 ? CUDA : CPU;
  }
}
