package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PrinterColumn;
import java.util.List;

/** Observed state of a Model: fetch progress, verified files and what config.json says. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelStatus extends CommonStatus {

  @PrinterColumn(name = "Phase")
  @JsonPropertyDescription("Pending, Fetching, Ready or Failed.")
  private ModelPhase phase;

  @PrinterColumn(name = "Progress")
  @JsonPropertyDescription("Human-readable download progress, such as 512MB/988MB.")
  private String progress;

  @JsonPropertyDescription("Bytes written to the volume so far.")
  private Long bytesDone;

  @JsonPropertyDescription("Total bytes to fetch, when the source reports it.")
  private Long totalBytes;

  @JsonPropertyDescription("Current download rate in bytes per second.")
  private Long bytesPerSecond;

  @JsonPropertyDescription("Estimated seconds until the fetch completes.")
  private Long etaSeconds;

  @JsonPropertyDescription("Fetched files with their verified SHA-256.")
  private List<ModelFile> files;

  @JsonPropertyDescription("Volume claim that holds the files.")
  private String claimName;

  @JsonPropertyDescription("Directory of the files inside the volume's mount.")
  private String path;

  @PrinterColumn(name = "Arch")
  @JsonPropertyDescription("model_type from config.json, such as llama or qwen2.")
  private String architecture;

  @PrinterColumn(name = "Params")
  @JsonPropertyDescription("Number of parameters, counted from the weight shapes.")
  private Long parameters;

  @JsonPropertyDescription("Data type of the weights (torch_dtype), such as bfloat16.")
  private String dtype;

  @JsonPropertyDescription("Maximum context length (max_position_embeddings).")
  private Long contextLength;

  @JsonPropertyDescription("Vocabulary size.")
  private Long vocabSize;

  public ModelPhase getPhase() {
    return phase;
  }

  public void setPhase(ModelPhase phase) {
    this.phase = phase;
  }

  public String getProgress() {
    return progress;
  }

  public void setProgress(String progress) {
    this.progress = progress;
  }

  public Long getBytesDone() {
    return bytesDone;
  }

  public void setBytesDone(Long bytesDone) {
    this.bytesDone = bytesDone;
  }

  public Long getTotalBytes() {
    return totalBytes;
  }

  public void setTotalBytes(Long totalBytes) {
    this.totalBytes = totalBytes;
  }

  public Long getBytesPerSecond() {
    return bytesPerSecond;
  }

  public void setBytesPerSecond(Long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  public Long getEtaSeconds() {
    return etaSeconds;
  }

  public void setEtaSeconds(Long etaSeconds) {
    this.etaSeconds = etaSeconds;
  }

  public List<ModelFile> getFiles() {
    return files;
  }

  public void setFiles(List<ModelFile> files) {
    this.files = files;
  }

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public String getArchitecture() {
    return architecture;
  }

  public void setArchitecture(String architecture) {
    this.architecture = architecture;
  }

  public Long getParameters() {
    return parameters;
  }

  public void setParameters(Long parameters) {
    this.parameters = parameters;
  }

  public String getDtype() {
    return dtype;
  }

  public void setDtype(String dtype) {
    this.dtype = dtype;
  }

  public Long getContextLength() {
    return contextLength;
  }

  public void setContextLength(Long contextLength) {
    this.contextLength = contextLength;
  }

  public Long getVocabSize() {
    return vocabSize;
  }

  public void setVocabSize(Long vocabSize) {
    this.vocabSize = vocabSize;
  }
}
