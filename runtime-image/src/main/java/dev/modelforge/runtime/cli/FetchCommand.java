package dev.modelforge.runtime.cli;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.runtime.fetch.Fetcher;
import dev.modelforge.runtime.fetch.ModelSource;
import dev.modelforge.runtime.fetch.Sources;
import dev.modelforge.runtime.progress.ProgressPublisher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code modelforge fetch}: what a Model's fetch Job runs. */
@Command(
    name = "fetch",
    mixinStandardHelpOptions = true,
    description = {
      "Copy a model into --dest from hf://ORG/NAME[@REV][/FILE], an https:// file URL,",
      "s3://BUCKET/PREFIX (the AWS default credential chain; AWS_ENDPOINT_URL_S3 for S3-compatible",
      "stores),",
      "pvc://CLAIM/PATH or configmap://NAME[/KEY] (under MODELFORGE_SOURCE_ROOT) or a local path;",
      "verify sizes and SHA-256 digests, check that the result loads, and write progress JSON.",
      "A rerun resumes: files already verified are kept, a file cut short continues from its",
      ".part. Dropped, stalled, 5xx and 429 answers are retried with backoff (Retry-After honoured)."
    })
public final class FetchCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--source", required = true, description = "Where the model comes from.")
  String source;

  @Option(names = "--dest", required = true, description = "Folder to fill.")
  Path dest;

  @Option(
      names = "--progress-file",
      description = "Progress JSON to keep current (default: $MODELFORGE_PROGRESS_FILE, or none).")
  Path progressFile;

  @Option(
      names = "--hf-endpoint",
      description = "Hugging Face Hub or mirror (default: $HF_ENDPOINT or https://huggingface.co).")
  URI hfEndpoint;

  @Option(
      names = "--source-root",
      description =
          "Where pvc:// and configmap:// sources are mounted (default: $"
              + "MODELFORGE_SOURCE_ROOT or /mnt/sources).")
  Path sourceRoot;

  @Option(
      names = "--retries",
      defaultValue = "8",
      description =
          "Tries after the first for each file and the listing (default: ${DEFAULT-VALUE}).")
  int retries;

  @Option(
      names = "--stall-timeout",
      defaultValue = "120",
      description =
          "Seconds a download may go without a byte before it is dropped and resumed (default:"
              + " ${DEFAULT-VALUE}).")
  long stallSeconds;

  @Option(
      names = "--connections",
      defaultValue = "4",
      description =
          "Connections a file of 64 MiB or more is fetched over at once, in ranges, where the"
              + " source answers range requests (hf://, https://, s3://); 1 fetches every file"
              + " over one (default: ${DEFAULT-VALUE}).")
  int connections;

  @Override
  public Integer call() throws IOException {
    Map<String, String> env = System.getenv();
    Path progress =
        progressFile != null
            ? progressFile
            : Optional.ofNullable(env.get(RuntimeEnv.PROGRESS_FILE)).map(Path::of).orElse(null);
    URI endpoint =
        hfEndpoint != null
            ? hfEndpoint
            : URI.create(env.getOrDefault("HF_ENDPOINT", "https://huggingface.co"));
    Path root =
        sourceRoot != null
            ? sourceRoot
            : Path.of(env.getOrDefault(RuntimeEnv.SOURCE_ROOT, Mounts.SOURCES));
    String token = env.getOrDefault("HF_TOKEN", env.get("HUGGING_FACE_HUB_TOKEN"));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<ProgressPublisher> publisher =
        progress == null
            ? Optional.empty()
            : ProgressPublisher.fromEnvironment(env, progress, err::println)
                .map(p -> p.start(Duration.ofSeconds(2)));
    try {
      ModelSource from = Sources.of(source, root, endpoint, token);
      Fetcher.Result result =
          new Fetcher(
                  from,
                  dest,
                  progress,
                  line -> {
                    out.println(line);
                    out.flush();
                  },
                  new Fetcher.Retry(
                      retries,
                      Fetcher.Retry.DEFAULT.firstBackoff(),
                      Fetcher.Retry.DEFAULT.maxBackoff(),
                      Duration.ofSeconds(stallSeconds)),
                  new Fetcher.Parallel(connections, Fetcher.Parallel.DEFAULT.minSize()))
              .run();
      out.printf(
          "fetched %d files (%d bytes) into %s: %s%n",
          result.files().size(), result.bytes(), dest, result.config());
      return 0;
    } finally {
      publisher.ifPresent(ProgressPublisher::close);
    }
  }
}
