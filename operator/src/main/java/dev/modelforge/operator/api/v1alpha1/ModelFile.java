package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One fetched file and the checksum it was verified against. */
public class ModelFile {

  @JsonPropertyDescription("Path relative to the model directory.")
  private String path;

  @JsonPropertyDescription("Size in bytes.")
  private Long size;

  @JsonPropertyDescription("Hex SHA-256 of the file as written to the volume.")
  private String sha256;

  public ModelFile() {}

  public ModelFile(String path, Long size, String sha256) {
    this.path = path;
    this.size = size;
    this.sha256 = sha256;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Long getSize() {
    return size;
  }

  public void setSize(Long size) {
    this.size = size;
  }

  public String getSha256() {
    return sha256;
  }

  public void setSha256(String sha256) {
    this.sha256 = sha256;
  }
}
