package dev.modelforge.operator.serving;

import dev.modelforge.contract.Mounts;
import dev.modelforge.contract.RuntimeEnv;
import dev.modelforge.contract.args.ServeArgs;
import dev.modelforge.operator.api.v1alpha1.EngineSpec;
import dev.modelforge.operator.api.v1alpha1.InferenceService;
import dev.modelforge.operator.api.v1alpha1.InferenceServiceSpec;
import dev.modelforge.operator.api.v1alpha1.ModelReference;
import dev.modelforge.operator.api.v1alpha1.SecretKeyReference;
import dev.modelforge.operator.common.Compute;
import dev.modelforge.operator.common.Labels;
import dev.modelforge.operator.common.Ownership;
import dev.modelforge.operator.common.Placement;
import dev.modelforge.operator.common.PodTemplateHash;
import dev.modelforge.operator.common.RuntimePod;
import dev.modelforge.operator.config.ModelForgeConfig;
import dev.modelforge.operator.model.ModelWorkload;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Kubernetes objects that serve one InferenceService, generated from its spec and the
 * operator's configuration only: the server Deployment and the Service in front of it.
 */
public final class ServingWorkload {
  static final String SERVE_COMPONENT = "serve";
  public static final int PORT = 8000;
  static final String PORT_NAME = "http";

  /** Where `modelforge serve` reads its API key from (ServeConfig's api-key, by environment). */

  /**
   * How long a server told to stop (a rollout, a scale-down) lets its requests in flight finish
   * before it aborts the rest.
   */
  static final int DRAIN_SECONDS = 30;

  /**
   * The kubelet kills the pod this long after SIGTERM: the drain, the aborted streams' last step
   * and the server's own shutdown, so a draining pod is never killed mid-response.
   */
  static final long TERMINATION_GRACE_SECONDS = DRAIN_SECONDS + 15;

  /** On the pod template: which model ids the pods serve, so a model change rolls them. */
  public static final String SERVED_MODELS_ANNOTATION = "modelforge.dev/served-models";

  private final InferenceService service;
  private final InferenceServiceSpec spec;
  private final ModelForgeConfig config;

  private ServingWorkload(InferenceService service, ModelForgeConfig config) {
    this.service = service;
    this.spec = service.getSpec();
    this.config = config;
  }

  public static ServingWorkload fromCrd(InferenceService service, ModelForgeConfig config) {
    return new ServingWorkload(service, config);
  }

  private String name() {
    return service.getMetadata().getName();
  }

  /** The base model first, then the adapters: the ids {@code /v1/models} lists. */
  public static List<String> servedModels(InferenceService service) {
    var names = new ArrayList<String>();
    names.add(service.getSpec().getModel().getName());
    adapters(service).forEach(a -> names.add(a.getName()));
    return names;
  }

  private static List<ModelReference> adapters(InferenceService service) {
    var adapters = service.getSpec().getAdapters();
    return adapters == null ? List.of() : adapters;
  }

  public static String url(InferenceService service) {
    var metadata = service.getMetadata();
    return "http://" + metadata.getName() + "." + metadata.getNamespace() + ".svc:" + PORT + "/v1";
  }

  /** The serving pods' selector as the /scale subresource reports it. */
  public static String selector(InferenceService service) {
    return Labels.selector(service, SERVE_COMPONENT).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** The replica count the Deployment should run: min, which /scale moves, capped at max. */
  /** The most replicas the spec allows (spec.replicas.max, at least min). */
  public static int maxReplicas(InferenceService service) {
    var replicas = service.getSpec().getReplicas();
    int min = replicas == null || replicas.getMin() == null ? 1 : replicas.getMin();
    return replicas == null || replicas.getMax() == null ? min : Math.max(min, replicas.getMax());
  }

  public static int desiredReplicas(InferenceService service) {
    var replicas = service.getSpec().getReplicas();
    int min = replicas == null || replicas.getMin() == null ? 1 : replicas.getMin();
    int max = replicas == null || replicas.getMax() == null ? min : replicas.getMax();
    return Math.min(min, max);
  }

  public Deployment generateDeployment() {
    var selector = Labels.selector(service, SERVE_COMPONENT);
    var deployment =
        new DeploymentBuilder()
            .withMetadata(metadata())
            .withNewSpec()
            .withReplicas(desiredReplicas(service))
            .withNewSelector()
            .withMatchLabels(selector)
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(Labels.of(service, SERVE_COMPONENT))
            .withAnnotations(
                Map.of(SERVED_MODELS_ANNOTATION, String.join(",", servedModels(service))))
            .endMetadata()
            .withSpec(serverPod())
            .endTemplate()
            .endSpec()
            .build();
    PodTemplateHash.stamp(deployment.getSpec().getTemplate());
    return deployment;
  }

  public Service generateService() {
    return new ServiceBuilder()
        .withMetadata(metadata())
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(service, SERVE_COMPONENT))
        .addNewPort()
        .withName(PORT_NAME)
        .withPort(PORT)
        .withTargetPort(new IntOrString(PORT_NAME))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  private ObjectMeta metadata() {
    return new ObjectMetaBuilder()
        .withName(name())
        .withNamespace(service.getMetadata().getNamespace())
        .withLabels(Labels.of(service, SERVE_COMPONENT))
        .withOwnerReferences(Ownership.controlledBy(service))
        .build();
  }

  private PodSpec serverPod() {
    var runtime = new RuntimePod(config);
    for (String model : servedModels(service)) {
      runtime.claim("model-" + model, ModelWorkload.claimName(model), Mounts.model(model), true);
    }
    runtime.emptyDir("tmp", Mounts.TMP);
    var pod =
        runtime
            .pod(serverContainer(runtime))
            // The server never calls the Kubernetes API.
            .withAutomountServiceAccountToken(false)
            .withTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS)
            .build();
    Placement.apply(spec.getScheduling(), pod);
    return pod;
  }

  List<String> serverArgs() {
    var adapters = new LinkedHashMap<String, String>();
    for (ModelReference adapter : adapters(service)) {
      adapters.put(adapter.getName(), Mounts.model(adapter.getName()));
    }
    var engine = spec.getEngine() == null ? new EngineSpec() : spec.getEngine();
    return new ServeArgs(
            Mounts.model(spec.getModel().getName()),
            adapters,
            PORT,
            DRAIN_SECONDS,
            Compute.threads(spec.getResources(), config.defaults()),
            Compute.device(spec.getResources()),
            // the KV cache takes what the memory limit leaves once the model is loaded
            "auto",
            engine.getMaxBatchSize(),
            engine.getMaxSequenceLength(),
            engine.getPrefixCaching(),
            engine.getDtype() == null ? null : engine.getDtype().name().toLowerCase(Locale.ROOT))
        .toArgs();
  }

  private Container serverContainer(RuntimePod runtime) {
    return runtime
        .container("server", serverArgs())
        .addNewPort()
        .withName(PORT_NAME)
        .withContainerPort(PORT)
        .withProtocol("TCP")
        .endPort()
        // Loading weights can take minutes; the startup probe holds the others off until then.
        .withStartupProbe(probe("/health/live", 60))
        .withReadinessProbe(probe("/health/ready", 3))
        .withLivenessProbe(probe("/health/live", 3))
        .withResources(Compute.requirements(spec.getResources(), config.defaults()))
        .withEnv(apiKeyEnv())
        .build();
  }

  /** The server's API key from the Secret the spec names (the server reads this variable). */
  private List<EnvVar> apiKeyEnv() {
    SecretKeyReference ref = spec.getApiKeySecretRef();
    if (ref == null) {
      return List.of();
    }
    return List.of(
        new EnvVarBuilder()
            .withName(RuntimeEnv.SERVE_API_KEY)
            .withNewValueFrom()
            .withNewSecretKeyRef()
            .withName(ref.getName())
            .withKey(ref.getKey())
            .withOptional(false)
            .endSecretKeyRef()
            .endValueFrom()
            .build());
  }

  private static Probe probe(String path, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withPort(new IntOrString(PORT_NAME))
        .endHttpGet()
        .withPeriodSeconds(10)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failureThreshold)
        .build();
  }
}
