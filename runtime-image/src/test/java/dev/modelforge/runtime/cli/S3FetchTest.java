package dev.modelforge.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelforge.examples.ArithmeticTask;
import dev.modelforge.runtime.fetch.Fetcher;
import dev.modelforge.runtime.fetch.ModelSource;
import dev.modelforge.runtime.fetch.RemoteFile;
import dev.modelforge.runtime.fetch.Sources;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * s3:// sources against a real S3-compatible server (MinIO, see {@link MinioServer}): listing,
 * SigV4-signed and anonymous reads, ranged GETs that resume a cut download, the store's SHA-256
 * checksums, refusals that say what to check and never the secret, and the SDK's default credential
 * chain in a fetch process of its own.
 */
class S3FetchTest {

  private static final Fetcher.Retry FAST =
      new Fetcher.Retry(2, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(30));

  @TempDir static Path shared;
  private static MinioServer minio;
  private static Path model;

  @TempDir Path dir;
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startStore() throws Exception {
    // nothing of this machine's own AWS set-up may answer for the chain
    System.setProperty("aws.disableEc2Metadata", "true");
    System.setProperty("aws.sharedCredentialsFile", shared.resolve("no-credentials").toString());
    System.setProperty("aws.configFile", shared.resolve("no-config").toString());
    minio = MinioServer.start(shared.resolve("minio"), Map.of());
    Path tok = shared.resolve("tok");
    ArithmeticTask.writeTokenizer(tok);
    model = shared.resolve("model");
    CliRun run =
        CliRun.of(
            "init", "--preset", "tiny", "--tokenizer", tok.toString(), "--out", model.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    stock(minio);
  }

  /** The buckets every store in this test holds: a private model folder and a public copy. */
  private static void stock(MinioServer store) throws IOException {
    try (S3Client admin = store.admin()) {
      admin.createBucket(b -> b.bucket("weights"));
      try (Stream<Path> files = Files.list(model)) {
        for (Path f : files.sorted().toList()) {
          admin.putObject(
              b ->
                  b.bucket("weights")
                      .key("models/tiny/" + f.getFileName())
                      .checksumAlgorithm(ChecksumAlgorithm.SHA256),
              RequestBody.fromFile(f));
        }
      }
      // what a repository also holds and a served model does not need, and a neighbour
      admin.putObject(
          b -> b.bucket("weights").key("models/tiny/pytorch_model.bin"),
          RequestBody.fromBytes(new byte[] {1, 2, 3}));
      admin.putObject(
          b -> b.bucket("weights").key("models/tinyish/config.json"), RequestBody.fromString("{}"));

      admin.createBucket(b -> b.bucket("public-weights"));
      admin.putObject(
          b -> b.bucket("public-weights").key("models/tiny/model.safetensors"),
          RequestBody.fromFile(model.resolve("model.safetensors")));
      admin.putBucketPolicy(
          b ->
              b.bucket("public-weights")
                  .policy(
                      """
                      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject", "s3:ListBucket"],
                        "Resource": ["arn:aws:s3:::public-weights", "arn:aws:s3:::public-weights/*"]}]}
                      """));
    }
  }

  @AfterAll
  static void stopStore() throws Exception {
    if (minio != null) {
      minio.close();
    }
  }

  private static Map<String, String> env(String secret) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ENDPOINT_URL_S3", minio.endpoint.toString());
    env.put("AWS_REGION", MinioServer.REGION);
    if (secret != null) {
      env.put("AWS_ACCESS_KEY_ID", MinioServer.ROOT_USER);
      env.put("AWS_SECRET_ACCESS_KEY", secret);
    }
    return env;
  }

  private ModelSource source(String uri, String secret) {
    return Sources.of(uri, dir, URI.create("http://unused"), null, env(secret));
  }

  private Fetcher fetcher(ModelSource source, Path dest) {
    return new Fetcher(source, dest, null, log::add, FAST);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void aFolderIsListedAndFetchedWithSignedRequestsAndTheStoresChecksums() throws Exception {
    ModelSource s3 = source("s3://weights/models/tiny", MinioServer.ROOT_PASSWORD);

    List<RemoteFile> files = s3.list();

    assertThat(files)
        .extracting(RemoteFile::path)
        .contains("config.json", "model.safetensors", "tokenizer.json")
        .doesNotContain("pytorch_model.bin");
    RemoteFile weights =
        files.stream().filter(f -> f.path().equals("model.safetensors")).findFirst().orElseThrow();
    assertThat(weights.size()).isEqualTo(Files.size(model.resolve("model.safetensors")));
    assertThat(weights.sha256()).isEqualTo(sha256(model.resolve("model.safetensors")));

    Path dest = dir.resolve("out");
    Fetcher.Result result = fetcher(s3, dest).run();

    assertThat(dest.resolve("model.safetensors"))
        .hasSameBinaryContentAs(model.resolve("model.safetensors"));
    assertThat(dest.resolve("pytorch_model.bin")).doesNotExist();
    assertThat(result.config()).containsEntry("architecture", "LlamaForCausalLM");
  }

  @Test
  void aCutDownloadResumesWithARangedGetAndIsVerifiedWhole() throws Exception {
    Path dest = dir.resolve("out");
    Files.createDirectories(dest);
    byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
    int cut = weights.length / 3;
    Files.write(dest.resolve("model.safetensors.part"), Arrays.copyOf(weights, cut));

    fetcher(source("s3://weights/models/tiny", MinioServer.ROOT_PASSWORD), dest).run();

    assertThat(log).anyMatch(l -> l.contains("resuming model.safetensors from byte " + cut));
    assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
    assertThat(dest.resolve("model.safetensors.part")).doesNotExist();
  }

  @Test
  void aLargeObjectIsFetchedInRangesOverSeveralConnections() throws Exception {
    byte[] big = new byte[3 << 20];
    new java.util.Random(3).nextBytes(big);
    try (S3Client admin = minio.admin()) {
      admin.putObject(
          b ->
              b.bucket("weights")
                  .key("blobs/big/weights.gguf")
                  .checksumAlgorithm(ChecksumAlgorithm.SHA256),
          RequestBody.fromBytes(big));
    }
    Path dest = dir.resolve("out");
    Fetcher ranged =
        new Fetcher(
            source("s3://weights/blobs/big/weights.gguf", MinioServer.ROOT_PASSWORD),
            dest,
            null,
            log::add,
            FAST,
            new Fetcher.Parallel(3, 1 << 20));

    // random bytes are no GGUF: every byte arrives, then the model check refuses
    assertThatThrownBy(ranged::run).hasMessageContaining("weights.gguf");

    assertThat(log).anyMatch(l -> l.contains("fetching weights.gguf over 3 connections"));
    assertThat(dest.resolve("weights.gguf")).hasBinaryContent(big);
  }

  @Test
  void aPartFromAnotherVersionFailsTheStoresChecksumAndIsFetchedWholeAgain() throws Exception {
    Path dest = dir.resolve("out");
    Files.createDirectories(dest);
    byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
    byte[] other = Arrays.copyOf(weights, weights.length / 2);
    other[other.length - 1] ^= 0x5a; // the same length so far, one byte different
    Files.write(dest.resolve("model.safetensors.part"), other);

    fetcher(source("s3://weights/models/tiny", MinioServer.ROOT_PASSWORD), dest).run();

    assertThat(log).anyMatch(l -> l.contains("failed its SHA-256 check after a resume"));
    assertThat(dest.resolve("model.safetensors")).hasBinaryContent(weights);
  }

  @Test
  void aPublicBucketIsReadUnsignedWhenNoCredentialsAreFound() throws Exception {
    ModelSource s3 = source("s3://public-weights/models/tiny/model.safetensors", null);

    List<RemoteFile> files = s3.list();

    assertThat(files).extracting(RemoteFile::path).containsExactly("model.safetensors");
    try (var in = s3.open(files.getFirst(), 100).body()) {
      byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(weights, 100, weights.length));
    }
    // the private bucket, unsigned: refused, saying no credentials were found
    assertThatThrownBy(() -> source("s3://weights/models/tiny", null).list())
        .hasMessageContaining("refused access")
        .hasMessageContaining("no AWS credentials were found");
  }

  @Test
  void refusalsSayWhatToCheckAndNeverTheSecret() {
    String wrong = "not-the-secret-9d2e7b";
    assertThatThrownBy(() -> source("s3://weights/models/tiny", wrong).list())
        .hasMessageContaining("refused access")
        .hasMessageContaining("403")
        .hasMessageContaining("credentialsSecretRef")
        .satisfies(e -> assertThat(e.toString()).doesNotContain(wrong));
    assertThatThrownBy(() -> source("s3://weights/models/none", MinioServer.ROOT_PASSWORD).list())
        .hasMessageContaining("was not found");
    assertThatThrownBy(() -> source("s3://no-such-bucket/m", MinioServer.ROOT_PASSWORD).list())
        .hasMessageContaining("no-such-bucket");
    assertThatThrownBy(() -> source("s3://Bad_Bucket/x", MinioServer.ROOT_PASSWORD))
        .hasMessageContaining("valid bucket name");
  }

  /**
   * A fetch process with no keys in its environment, only a profile in a shared credentials file:
   * found by the SDK's default chain (the old hand-written signer read only the environment).
   */
  @Test
  void aFetchProcessFindsAProfileThroughTheDefaultChain() throws Exception {
    Path credentials = dir.resolve("aws/credentials");
    Files.createDirectories(credentials.getParent());
    Files.writeString(
        credentials,
        "[modelforge]\naws_access_key_id = "
            + MinioServer.ROOT_USER
            + "\naws_secret_access_key = "
            + MinioServer.ROOT_PASSWORD
            + "\n");
    Path dest = dir.resolve("models/tiny");

    String output =
        fetchProcess(
            minio,
            dest,
            Map.of(
                "AWS_SHARED_CREDENTIALS_FILE",
                credentials.toString(),
                "AWS_PROFILE",
                "modelforge"));

    assertThat(dest.resolve("model.safetensors"))
        .hasSameBinaryContentAs(model.resolve("model.safetensors"));
    assertThat(output).doesNotContain(MinioServer.ROOT_PASSWORD);
  }

  /**
   * EKS's IRSA as a pod meets it: a projected service-account token in {@code
   * AWS_WEB_IDENTITY_TOKEN_FILE} and a role in {@code AWS_ROLE_ARN}; the SDK's chain trades the
   * token for temporary keys with STS AssumeRoleWithWebIdentity (MinIO's STS, trusting this test's
   * OpenID issuer, grants the policy the token's claim names) and signs with those.
   */
  @Test
  void aFetchProcessTradesAWebIdentityTokenForKeysAsIrsaDoes() throws Exception {
    try (OidcIssuer issuer = new OidcIssuer();
        MinioServer store =
            MinioServer.start(
                dir.resolve("minio"),
                Map.of(
                    "MINIO_IDENTITY_OPENID_CONFIG_URL", issuer.configUrl(),
                    "MINIO_IDENTITY_OPENID_CLIENT_ID", "sts.amazonaws.com",
                    "MINIO_IDENTITY_OPENID_CLAIM_NAME", "policy"))) {
      stock(store);
      Path token = dir.resolve("token");
      Files.writeString(
          token,
          issuer.token(
              "system:serviceaccount:models:modelforge-fetch",
              "sts.amazonaws.com",
              Map.of("policy", "readwrite"))); // MinIO's readonly cannot list
      Path dest = dir.resolve("models/tiny");

      String output =
          fetchProcess(
              store,
              dest,
              Map.of(
                  "AWS_WEB_IDENTITY_TOKEN_FILE",
                  token.toString(),
                  "AWS_ROLE_ARN",
                  "arn:aws:iam::123456789012:role/modelforge-fetch",
                  "AWS_ROLE_SESSION_NAME",
                  "fetch",
                  "AWS_ENDPOINT_URL_STS",
                  store.endpoint.toString()));

      assertThat(dest.resolve("model.safetensors"))
          .hasSameBinaryContentAs(model.resolve("model.safetensors"));
      assertThat(output).doesNotContain(Files.readString(token));
    }
  }

  /**
   * Runs {@code modelforge fetch} of s3://weights/models/tiny from {@code store} as a process of
   * its own, with no AWS setting of this machine's and {@code env} added; its output, once it
   * succeeded.
   */
  private String fetchProcess(MinioServer store, Path dest, Map<String, String> env)
      throws Exception {
    Path out = Files.createTempFile(dir, "fetch", ".log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-modules=jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            ModelForgeCommand.class.getName(),
            "fetch",
            "--source",
            "s3://weights/models/tiny",
            "--dest",
            dest.toString());
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
    pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("none").toString());
    pb.environment().put("AWS_CONFIG_FILE", dir.resolve("none").toString());
    pb.environment().put("AWS_ENDPOINT_URL_S3", store.endpoint.toString());
    pb.environment().put("AWS_REGION", MinioServer.REGION);
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    pb.environment().putAll(env);
    Process p = pb.start();
    boolean done = p.waitFor(3, TimeUnit.MINUTES);
    if (!done) {
      p.destroyForcibly();
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(done).as(output).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    return output;
  }

  @Test
  void aStoreThatIsDownIsRetriedAndThenNamed() throws IOException {
    Map<String, String> env = env(MinioServer.ROOT_PASSWORD);
    env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9"); // nothing listens on discard
    ModelSource s3 = Sources.of("s3://weights/models/tiny", dir, URI.create("http://u"), null, env);

    assertThatThrownBy(() -> fetcher(s3, dir.resolve("out")).run())
        .hasMessageContaining("no answer from http://127.0.0.1:9")
        .hasMessageContaining("s3://weights/models/tiny");
    assertThat(log).anyMatch(l -> l.contains("try 2 of 3"));
  }
}
