package dev.modelforge.runtime.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signatures of the worked examples in Amazon S3's SigV4 documentation (header auth). */
class AwsSigV4Test {

  private static final String ACCESS = "AKIAIOSFODNN7EXAMPLE";
  private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  private static final String DATE = "20130524T000000Z";

  @Test
  void getObjectWithARange() {
    String auth =
        AwsSigV4.authorization(
            "GET",
            "/test.txt",
            Map.of(),
            Map.of(
                "Host",
                "examplebucket.s3.amazonaws.com",
                "Range",
                "bytes=0-9",
                "x-amz-content-sha256",
                AwsSigV4.EMPTY_SHA256,
                "x-amz-date",
                DATE),
            ACCESS,
            SECRET,
            "us-east-1",
            "s3",
            DATE);

    assertThat(auth)
        .isEqualTo(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }

  @Test
  void listObjectsWithQueryParameters() {
    String auth =
        AwsSigV4.authorization(
            "GET",
            "/",
            Map.of("max-keys", "2", "prefix", "J"),
            Map.of(
                "Host",
                "examplebucket.s3.amazonaws.com",
                "x-amz-content-sha256",
                AwsSigV4.EMPTY_SHA256,
                "x-amz-date",
                DATE),
            ACCESS,
            SECRET,
            "us-east-1",
            "s3",
            DATE);

    assertThat(auth)
        .endsWith("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  }
}
