package dev.modelforge.contract.args;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code modelforge export}: writes {@code model} (with {@code adapter} folded in when {@code
 * merge}) to {@code out} as a Hugging Face directory or one llama.cpp GGUF file. Optional settings
 * are null to leave the runtime's default.
 *
 * @param adapter a PEFT adapter directory, or null
 * @param dtype GGUF only: f32, f16, bf16, q8_0 or q4_0; null keeps the source's type
 */
public record ExportArgs(
    String model, String adapter, boolean merge, Format format, String dtype, String out) {

  public static final String COMMAND = "export";

  /** The file layouts {@code export} writes. */
  public enum Format {
    SAFETENSORS,
    GGUF;

    public String flagValue() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The format named {@code value} ({@code --format}); others are refused by name. */
    public static Format parse(String value) {
      for (Format f : values()) {
        if (f.flagValue().equalsIgnoreCase(value)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "--format must be " + Args.oneOf(values()) + ", got '" + value + "'");
    }
  }

  public ExportArgs {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(out, "out");
    if (merge && adapter == null) {
      throw new IllegalArgumentException("merge needs an adapter to fold in");
    }
  }

  public List<String> toArgs() {
    Args a = new Args(COMMAND).add("--model", model).addIfSet("--adapter", adapter);
    if (merge) {
      a.flag("--merge");
    }
    return a.add("--format", format.flagValue())
        .addIfSet("--dtype", dtype)
        .add("--out", out)
        .list();
  }
}
