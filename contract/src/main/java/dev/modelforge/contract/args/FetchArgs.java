package dev.modelforge.contract.args;

import java.util.List;
import java.util.Objects;

/**
 * {@code modelforge fetch}: copies a model from {@code source} (hf://, s3://, https://, pvc://,
 * ...) into {@code dest}, reporting progress to {@code progressFile}. Credentials come from the
 * environment, never from here.
 */
public record FetchArgs(String source, String dest, String progressFile) {

  public static final String COMMAND = "fetch";

  public FetchArgs {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(dest, "dest");
  }

  public List<String> toArgs() {
    Args a = new Args(COMMAND).add("--source", source).add("--dest", dest);
    return a.addIfSet("--progress-file", progressFile).list();
  }
}
