package dev.modelforge.runtime.fetch;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.ChecksumType;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A model in an S3 bucket or an S3-compatible store: {@code s3://BUCKET/PREFIX} names a folder of
 * model files (or one object), listed with ListObjectsV2 and read with ranged GETs through the AWS
 * SDK. Who asks is the SDK's default credential chain (environment keys, web identity for EKS's
 * IRSA, profiles, EKS pod identity and ECS container credentials, the instance profile); with none
 * of them the requests go unsigned (public buckets). {@code AWS_ENDPOINT_URL_S3} or {@code
 * AWS_ENDPOINT_URL} point it at a compatible store, addressed path-style. An object's SHA-256
 * checksum, where the store keeps one, is the digest a download is verified against.
 *
 * <p>The SDK's own retries are off: a failure that may pass is a {@link RetryableFetchException}
 * for the fetcher's one retry policy, which also resumes the file where it stopped.
 */
public final class S3Source implements ModelSource {

  /**
   * Where the store is and who asks.
   *
   * @param endpoint a compatible store's endpoint, or empty for AWS's regional one
   * @param credentials the chain that signs the requests (anonymous at its end)
   */
  public record Settings(
      Optional<URI> endpoint, String region, AwsCredentialsProvider credentials) {

    /**
     * From the AWS CLI's environment variables in {@code env}: keys given there come first (as the
     * SDK's environment provider reads them from the process), then the rest of the default chain,
     * then anonymous.
     */
    public static Settings fromEnvironment(Map<String, String> env) {
      String region =
          env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
      Optional<URI> endpoint =
          Optional.ofNullable(env.getOrDefault("AWS_ENDPOINT_URL_S3", env.get("AWS_ENDPOINT_URL")))
              .filter(e -> !e.isBlank())
              .map(e -> URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e));
      List<AwsCredentialsProvider> chain = new ArrayList<>();
      String key = env.get("AWS_ACCESS_KEY_ID");
      String secret = env.get("AWS_SECRET_ACCESS_KEY");
      if (key != null && !key.isBlank() && secret != null && !secret.isBlank()) {
        String session = env.get("AWS_SESSION_TOKEN");
        AwsCredentials given =
            session == null || session.isBlank()
                ? AwsBasicCredentials.create(key, secret)
                : AwsSessionCredentials.create(key, secret, session);
        chain.add(StaticCredentialsProvider.create(given));
      }
      chain.add(DefaultCredentialsProvider.builder().build());
      chain.add(AnonymousCredentialsProvider.create());
      return new Settings(
          endpoint,
          region,
          AwsCredentialsProviderChain.builder()
              .credentialsProviders(chain)
              .reuseLastProviderEnabled(true)
              .build());
    }
  }

  private final String uri;
  private final String bucket;
  private final String prefix;
  private final Settings settings;
  private final S3Client s3;

  S3Source(String uri, Settings settings) {
    this.uri = uri;
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    this.bucket = slash < 0 ? rest : rest.substring(0, slash);
    String p = slash < 0 ? "" : rest.substring(slash + 1);
    this.prefix = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new FetchException(
          "source " + uri + " must be s3://BUCKET/PREFIX with a valid bucket name");
    }
    this.settings = settings;
    var client =
        S3Client.builder()
            .region(Region.of(settings.region()))
            .credentialsProvider(settings.credentials())
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(30))
                    .socketTimeout(Duration.ofMinutes(5)))
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    settings.endpoint().ifPresent(e -> client.endpointOverride(e).forcePathStyle(true));
    this.s3 = client.build();
  }

  @Override
  public String describe() {
    return uri;
  }

  @Override
  public List<RemoteFile> list() {
    String folder = prefix.isEmpty() ? "" : prefix + "/";
    List<RemoteFile> all = new ArrayList<>();
    call(
        "listing",
        () -> {
          ListObjectsV2Request request =
              ListObjectsV2Request.builder().bucket(bucket).prefix(folder).build();
          for (S3Object o : s3.listObjectsV2Paginator(request).contents()) {
            if (!o.key().endsWith("/")) {
              all.add(new RemoteFile(o.key().substring(folder.length()), o.size(), null));
            }
          }
          return null;
        });
    if (all.isEmpty() && !prefix.isEmpty()) {
      // Not a folder: one object, e.g. s3://bucket/models/tiny.gguf.
      HeadObjectResponse head = head(prefix);
      String name = prefix.substring(prefix.lastIndexOf('/') + 1);
      return List.of(new RemoteFile(name, head.contentLength(), sha256(head)));
    }
    if (all.isEmpty()) {
      throw new FetchException(uri + " holds no objects");
    }
    return ModelFiles.select(all).stream()
        .map(f -> new RemoteFile(f.path(), f.size(), sha256(head(folder + f.path()))))
        .toList();
  }

  private HeadObjectResponse head(String key) {
    return call(
        key,
        () -> s3.headObject(b -> b.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED)));
  }

  /**
   * The object's SHA-256 in hex when the store keeps one of the whole object (uploaded with {@code
   * --checksum-algorithm SHA256}), so a resumed download is verified as a hub's is; null for a
   * multipart upload's checksum of part checksums, or none.
   */
  static String sha256(HeadObjectResponse head) {
    String b64 = head.checksumSHA256();
    if (b64 == null || b64.contains("-") || head.checksumType() == ChecksumType.COMPOSITE) {
      return null;
    }
    byte[] digest = Base64.getDecoder().decode(b64);
    return digest.length == 32 ? HexFormat.of().formatHex(digest) : null;
  }

  @Override
  public boolean ranges() {
    return true;
  }

  @Override
  public Opened open(RemoteFile file, long offset, long end) {
    String key =
        prefix.isEmpty() ? file.path() : isSingleObject(file) ? prefix : prefix + "/" + file.path();
    GetObjectRequest.Builder get =
        GetObjectRequest.builder().bucket(bucket).key(key).range(HttpRange.header(offset, end));
    ResponseInputStream<GetObjectResponse> body = call(key, () -> s3.getObject(get.build()));
    String range = body.response().contentRange();
    if (range == null) {
      return new Opened(body, 0);
    }
    if (range.startsWith("bytes " + offset + "-")) {
      return new Opened(body, offset);
    }
    body.abort();
    throw new RetryableFetchException(
        uri + " (" + key + "): asked for bytes from " + offset + ", got the range '" + range + "'",
        null,
        null);
  }

  private boolean isSingleObject(RemoteFile file) {
    return prefix.endsWith("/" + file.path()) || prefix.equals(file.path());
  }

  /**
   * One SDK call, its failures as the fetcher's: an answer that may pass (408, 429, 5xx) and no
   * answer at all are retryable; 403 and 404 are final, with what to check.
   */
  private <T> T call(String what, SdkCall<T> request) {
    try {
      return request.get();
    } catch (AwsServiceException e) {
      int status = e.statusCode();
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      String answer =
          "HTTP " + status + (code == null || code.isBlank() ? "" : " " + code) + " for " + what;
      if (RetryableFetchException.isTransient(status)) {
        throw RetryableFetchException.forStatus(
            uri + " answered " + answer,
            e.awsErrorDetails() == null || e.awsErrorDetails().sdkHttpResponse() == null
                ? Optional.empty()
                : e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After"));
      }
      throw new FetchException(
          switch (status) {
            case 403 ->
                uri
                    + " refused access ("
                    + answer
                    + "): "
                    + (anonymous()
                        ? "no AWS credentials were found (environment, web identity, profile,"
                            + " pod identity or instance profile), so the request went unsigned;"
                            + " give the Model a credentialsSecretRef or the pod an IAM role"
                        : "check the credentials (the Model's credentialsSecretRef or the pod's"
                            + " IAM role) and the bucket policy");
            case 404 ->
                uri
                    + " was not found at "
                    + settings.endpoint().map(URI::toString).orElse("S3 in " + settings.region())
                    + " ("
                    + answer
                    + ")";
            default -> uri + " answered " + answer;
          });
    } catch (SdkClientException e) {
      throw new RetryableFetchException(
          "no answer from "
              + settings.endpoint().map(URI::toString).orElse("S3 in " + settings.region())
              + " for "
              + uri
              + " ("
              + what
              + "): "
              + FetchException.describe(e),
          e,
          null);
    } catch (SdkException e) {
      throw new FetchException(uri + " (" + what + "): " + FetchException.describe(e), e);
    }
  }

  private boolean anonymous() {
    try {
      return settings.credentials().resolveCredentials().accessKeyId() == null;
    } catch (SdkException e) {
      return true;
    }
  }

  @FunctionalInterface
  private interface SdkCall<T> {
    T get();
  }
}
