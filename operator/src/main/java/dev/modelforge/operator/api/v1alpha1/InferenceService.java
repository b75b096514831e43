package dev.modelforge.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Serves a Model (and its adapters) behind an OpenAI-compatible endpoint. */
@Group(Model.GROUP)
@Version(Model.VERSION)
@ShortNames({"mfis"})
@AdditionalPrinterColumn(name = "Model", jsonPath = ".spec.model.name")
// kubectl shows AGE only when the CRD lists it (the generator sorts columns by name).
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value = ResourceNames.INFERENCE_SERVICE_RULE,
    message = ResourceNames.INFERENCE_SERVICE_MESSAGE)
public class InferenceService extends CustomResource<InferenceServiceSpec, InferenceServiceStatus>
    implements Namespaced {}
