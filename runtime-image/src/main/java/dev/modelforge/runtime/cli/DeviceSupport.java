package dev.modelforge.runtime.cli;

import dev.modelforge.contract.args.Device;

/** Which {@code --device} this runtime runs on; the others are refused by name, never ignored. */
public final class DeviceSupport {

  private DeviceSupport() {}

  /** The device named {@code value} (null: the CPU), if this runtime has its backend. */
  public static Device require(String value) {
    Device device = value == null ? Device.CPU : Device.parse(value);
    if (device != Device.CPU) {
      throw new IllegalArgumentException(
          Device.FLAG
              + " "
              + device.flagValue()
              + ": this runtime has no "
              + device.name()
              + " backend yet and runs on CPUs only; use "
              + Device.FLAG
              + " cpu (on a cluster: spec.resources.gpus 0)");
    }
    return device;
  }
}
