package dev.modelforge.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Fine-tunes a Model on a dataset and produces a new Model. */
@Group(Model.GROUP)
@Version(Model.VERSION)
@ShortNames({"ftj", "ft"})
@AdditionalPrinterColumn(name = "Base", jsonPath = ".spec.baseModel.name")
// kubectl shows AGE only when the CRD lists it (the generator sorts columns by name).
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = ResourceNames.FINE_TUNING_JOB_RULE,
    message = ResourceNames.FINE_TUNING_JOB_MESSAGE)
public class FineTuningJob extends CustomResource<FineTuningJobSpec, FineTuningJobStatus>
    implements Namespaced {}
