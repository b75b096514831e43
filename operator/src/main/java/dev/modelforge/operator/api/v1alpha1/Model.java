package dev.modelforge.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A language model's files on a volume: fetched, verified and described. */
@Group(Model.GROUP)
@Version(Model.VERSION)
@ShortNames({"mdl", "mfm"})
// kubectl shows AGE only when the CRD lists it (the generator sorts columns by name).
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = ResourceNames.MODEL_RULE, message = ResourceNames.MODEL_MESSAGE)
public class Model extends CustomResource<ModelSpec, ModelStatus> implements Namespaced {
  public static final String GROUP = "modelforge.dev";
  public static final String VERSION = "v1alpha1";
}
