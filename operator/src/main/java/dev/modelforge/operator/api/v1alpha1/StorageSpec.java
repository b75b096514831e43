package dev.modelforge.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The PersistentVolumeClaim that holds a model's files. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {

  @Required
  @Pattern(Quantities.PATTERN)
  @JsonPropertyDescription(
      "Size of the volume, as a Kubernetes quantity (4Gi). Leave room for the files plus"
          + " about 10% for partial downloads.")
  private String size;

  @JsonPropertyDescription("StorageClass of the volume; the cluster default when omitted.")
  private String storageClassName;

  @Default("ReadWriteOnce")
  @ValidationRule(
      value = "self == oldSelf",
      message = "accessMode is immutable: the volume keeps the mode it was created with")
  @JsonPropertyDescription(
      "Access mode of the volume. ReadWriteOnce (the default) lets only pods on one node mount it:"
          + " InferenceServices with more than one replica, and FineTuningJobs, then share that"
          + " node. ReadWriteMany (a StorageClass that supports it) lets them spread.")
  private VolumeAccessMode accessMode = VolumeAccessMode.ReadWriteOnce;

  public StorageSpec() {}

  public StorageSpec(String size) {
    this.size = size;
  }

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public VolumeAccessMode getAccessMode() {
    return accessMode;
  }

  public void setAccessMode(VolumeAccessMode accessMode) {
    this.accessMode = accessMode;
  }
}
