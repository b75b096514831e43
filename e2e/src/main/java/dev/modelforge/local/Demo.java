package dev.modelforge.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelforge.examples.ArithmeticTask;
import dev.modelforge.examples.ArithmeticTask.Problem;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The lifecycle, told through the API as a user would with kubectl, on the local cluster or a real
 * one: two Jobs of the runtime image make a tiny random model in a claim; a Model fetches it; a
 * full FineTuningJob pretrains it a little on arithmetic (the base); a LoRA FineTuningJob teaches
 * the base arithmetic properly; an InferenceService serves the base with the adapter; then both
 * answer held-out problems through the OpenAI endpoint.
 */
public final class Demo {

  public static final String NAMESPACE = "default";
  static final String BASE = "tiny-base";
  static final String ADAPTER = "tiny-sums";
  public static final String SERVICE = "arith";

  /**
   * The image the seed Jobs run: the operator's default runtime image (modelforge.runtime.image),
   * so a cluster that has it for the operator's pods has it for these.
   */
  public static final String RUNTIME_IMAGE = "ghcr.io/modelforge/runtime:0.1.0";

  private static final String SEED_CLAIM = "demo-seed";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ResourceDefinitionContext MODELS = crd("Model", "models");
  private static final ResourceDefinitionContext JOBS = crd("FineTuningJob", "finetuningjobs");
  private static final ResourceDefinitionContext SERVICES =
      crd("InferenceService", "inferenceservices");

  /**
   * The training recipe: model shape, data and both configs. Measured to finish well within the
   * demo's budget on two cores and to separate base and adapter clearly.
   */
  record Recipe(
      int dim,
      int layers,
      int heads,
      int context,
      int maxOperand,
      int problems,
      String pretrainMethod,
      String pretrainHyperparameters,
      String fineTuneMethod,
      String fineTuneHyperparameters,
      int questions) {}

  /**
   * Measured with --threads 1 on this project's 2-core machine: pretraining (6 epochs) about 20 s
   * and the base answers 8% of 50 held-out problems exactly; the LoRA adapter (30 epochs) about 75
   * s and 100%. Both jobs train on the same 4000 problems: the base is the adapter's starting
   * point, stopped early.
   */
  static final Recipe RECIPE =
      new Recipe(
          128,
          2,
          4,
          32,
          50,
          4000,
          """
          {"type": "full"}""",
          """
          {"epochs": 6, "learningRate": 2.0e-3, "batchSize": 64, "lrScheduler": "cosine",
           "warmupRatio": 0.03, "seed": 1}""",
          """
          {"type": "lora", "lora": {"rank": 16, "alpha": 32, "dropout": 0.0,
            "targetModules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}}""",
          """
          {"epochs": 30, "learningRate": 5.0e-3, "batchSize": 64, "lrScheduler": "cosine",
           "warmupRatio": 0.03, "seed": 1}""",
          30);

  private final KubernetesClient client;
  private final PrintStream out;
  private final ServiceAccess access;
  private final Recipe recipe;

  /** What the demo measured: the share of held-out problems each model answered exactly. */
  public record Result(double baseAccuracy, double adapterAccuracy, String url, int questions) {}

  /**
   * @param access how this machine reaches the InferenceService's Service
   */
  public Demo(KubernetesClient client, PrintStream out, ServiceAccess access) {
    this(client, out, access, RECIPE);
  }

  Demo(KubernetesClient client, PrintStream out, ServiceAccess access, Recipe recipe) {
    this.client = client;
    this.out = out;
    this.access = access;
    this.recipe = recipe;
  }

  public Result run() throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    step("1/6", "Making a tiny random Llama model and arithmetic data");
    List<Problem> training = ArithmeticTask.problems(recipe.problems(), 9, recipe.maxOperand());
    List<Problem> heldOut = heldOut(training);
    claim(SEED_CLAIM);
    seedJob(
        "demo-seed-tokenizer",
        "data",
        "arithmetic",
        "--count",
        "1",
        "--out",
        "/seed/sample.jsonl",
        "--tokenizer",
        "/seed/tokenizer");
    seedJob(
        "demo-seed-model",
        "init",
        "--preset",
        "tiny",
        "--dim",
        Integer.toString(recipe.dim()),
        "--layers",
        Integer.toString(recipe.layers()),
        "--heads",
        Integer.toString(recipe.heads()),
        "--context",
        Integer.toString(recipe.context()),
        "--tokenizer",
        "/seed/tokenizer",
        "--out",
        "/seed/random");
    out.println(
        "   a random model in the claim " + SEED_CLAIM + " (Jobs of " + RUNTIME_IMAGE + ")");
    dataset("arith-sums", training);
    out.printf(
        "   %d training problems in the ConfigMap arith-sums; %d held-out questions%n",
        training.size(), heldOut.size());

    step("2/6", "Model tiny-random: fetched from the claim demo-seed");
    apply(
        MODELS,
        """
        apiVersion: modelforge.dev/v1alpha1
        kind: Model
        metadata: {name: tiny-random}
        spec:
          source: {uri: "pvc://demo-seed/random"}
          storage: {size: 1Gi}
        """);
    await(MODELS, "tiny-random", "Ready", Duration.ofMinutes(3));

    step("3/6", "FineTuningJob " + BASE + ": full training pretrains the base a little");
    apply(
        JOBS,
        fineTuningJob(
            BASE,
            "tiny-random",
            "arith-sums",
            recipe.pretrainMethod(),
            recipe.pretrainHyperparameters()));
    await(JOBS, BASE, "Succeeded", Duration.ofMinutes(6));
    await(MODELS, BASE, "Ready", Duration.ofMinutes(3));

    step("4/6", "FineTuningJob " + ADAPTER + ": a LoRA adapter on the base");
    apply(
        JOBS,
        fineTuningJob(
            ADAPTER,
            BASE,
            "arith-sums",
            recipe.fineTuneMethod(),
            recipe.fineTuneHyperparameters()));
    await(JOBS, ADAPTER, "Succeeded", Duration.ofMinutes(6));
    await(MODELS, ADAPTER, "Ready", Duration.ofMinutes(3));

    step("5/6", "InferenceService " + SERVICE + ": the base and its adapter behind one endpoint");
    apply(
        SERVICES,
        """
        apiVersion: modelforge.dev/v1alpha1
        kind: InferenceService
        metadata: {name: %s}
        spec:
          model: {name: %s}
          adapters: [{name: %s}]
          replicas: {min: 1, max: 1}
          engine: {maxBatchSize: 8, prefixCaching: true}
        """
            .formatted(SERVICE, BASE, ADAPTER));
    await(SERVICES, SERVICE, "Ready", Duration.ofMinutes(3));
    String url = access.url(client, NAMESPACE, SERVICE);
    out.println("   OpenAI endpoint: " + url + "/v1");

    step(
        "6/6", "Asking both models " + heldOut.size() + " problems the training data did not hold");
    int baseRight = 0;
    int adapterRight = 0;
    out.printf("   %-10s %-8s %-12s %-12s%n", "problem", "answer", BASE, ADAPTER);
    for (Problem p : heldOut) {
      String base = complete(url, BASE, p.prompt());
      String tuned = complete(url, ADAPTER, p.prompt());
      boolean b = base.equals(p.completion());
      boolean a = tuned.equals(p.completion());
      baseRight += b ? 1 : 0;
      adapterRight += a ? 1 : 0;
      out.printf(
          "   %-10s %-8s %-12s %-12s%n", p.prompt(), p.completion(), mark(base, b), mark(tuned, a));
    }
    Result result =
        new Result(
            (double) baseRight / heldOut.size(),
            (double) adapterRight / heldOut.size(),
            url,
            heldOut.size());
    out.printf(
        "%nExact match on %d held-out problems: %s %.0f%%, %s (LoRA) %.0f%%  (%.0f s in all)%n",
        heldOut.size(),
        BASE,
        100 * result.baseAccuracy(),
        ADAPTER,
        100 * result.adapterAccuracy(),
        (System.nanoTime() - t0) / 1e9);
    return result;
  }

  private List<Problem> heldOut(List<Problem> training) {
    Set<String> seen = new HashSet<>();
    training.forEach(p -> seen.add(p.prompt()));
    List<Problem> out = new ArrayList<>();
    for (Problem p : ArithmeticTask.problems(20 * recipe.questions(), 13, recipe.maxOperand())) {
      if (seen.add(p.prompt())) {
        out.add(p);
        if (out.size() == recipe.questions()) {
          break;
        }
      }
    }
    return out;
  }

  private static String mark(String answer, boolean right) {
    String shown = answer.isEmpty() ? "(nothing)" : answer;
    return (right ? "✓ " : "✗ ") + shown;
  }

  private String fineTuningJob(
      String name, String base, String dataset, String method, String hyperparameters) {
    return """
        apiVersion: modelforge.dev/v1alpha1
        kind: FineTuningJob
        metadata: {name: %s}
        spec:
          baseModel: {name: %s}
          dataset: {uri: "configmap://%s/train.jsonl", format: prompt-completion, validationSplit: 0.05}
          method: %s
          hyperparameters: %s
          output: {modelName: %s}
        """
        .formatted(name, base, dataset, oneLine(method), oneLine(hyperparameters), name);
  }

  private static String oneLine(String json) {
    return json.replace("\n", " ").trim();
  }

  /**
   * Runs the runtime image's command with the seed claim at /seed as a Job, and waits for it; the
   * same on any cluster, as nothing is written from this machine into the claim.
   */
  private void seedJob(String name, String... args) {
    Job job =
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .withBackoffLimit(1)
            .withNewTemplate()
            .withNewSpec()
            .withRestartPolicy("Never")
            // What Pod Security's restricted level asks of a pod, as any cluster may enforce it.
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .addNewContainer()
            .withName("modelforge")
            .withImage(RUNTIME_IMAGE)
            .withImagePullPolicy("IfNotPresent")
            .withCommand(LocalCluster.RUNTIME_COMMAND)
            .withArgs(args)
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .endSecurityContext()
            .addNewVolumeMount()
            .withName("seed")
            .withMountPath("/seed")
            .endVolumeMount()
            .endContainer()
            .addNewVolume()
            .withName("seed")
            .withNewPersistentVolumeClaim()
            .withClaimName(SEED_CLAIM)
            .endPersistentVolumeClaim()
            .endVolume()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    var jobs = client.batch().v1().jobs().inNamespace(NAMESPACE);
    if (jobs.withName(name).get() != null) {
      jobs.withName(name).withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
      long deadline = System.currentTimeMillis() + 60_000;
      while (jobs.withName(name).get() != null && System.currentTimeMillis() < deadline) {
        sleep(200);
      }
    }
    jobs.resource(job).create();
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      Job now = jobs.withName(name).get();
      if (now != null && now.getStatus() != null && now.getStatus().getConditions() != null) {
        for (JobCondition c : now.getStatus().getConditions()) {
          if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
            return;
          }
          if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
            throw new IllegalStateException(
                "Job " + name + " failed: " + c.getMessage() + "; its pod's log tells why");
          }
        }
      }
      sleep(500);
    }
    throw new IllegalStateException("Job " + name + " did not complete within 3 minutes");
  }

  /** Creates the claim unless it exists: a bound claim's spec cannot change. */
  private void claim(String name) {
    if (client.persistentVolumeClaims().inNamespace(NAMESPACE).withName(name).get() != null) {
      return;
    }
    client
        .persistentVolumeClaims()
        .inNamespace(NAMESPACE)
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withNewResources()
                .addToRequests("storage", new Quantity("1Gi"))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  private void dataset(String name, List<Problem> problems) throws IOException {
    StringBuilder jsonl = new StringBuilder();
    for (Problem p : problems) {
      jsonl
          .append(
              JSON.writeValueAsString(Map.of("prompt", p.prompt(), "completion", p.completion())))
          .append('\n');
    }
    client
        .configMaps()
        .inNamespace(NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .addToData("train.jsonl", jsonl.toString())
                .build())
        .createOr(c -> c.update());
  }

  private void apply(ResourceDefinitionContext kind, String yaml) {
    GenericKubernetesResource r = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    var existing =
        client
            .genericKubernetesResources(kind)
            .inNamespace(NAMESPACE)
            .withName(r.getMetadata().getName());
    if (existing.get() != null) {
      existing.delete();
      long deadline = System.currentTimeMillis() + 30_000;
      while (existing.get() != null && System.currentTimeMillis() < deadline) {
        sleep(200);
      }
    }
    client.genericKubernetesResources(kind).inNamespace(NAMESPACE).resource(r).create();
  }

  /** Polls a resource until {@code status.phase} is {@code phase}, printing what changes. */
  private void await(ResourceDefinitionContext kind, String name, String phase, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      GenericKubernetesResource r =
          client.genericKubernetesResources(kind).inNamespace(NAMESPACE).withName(name).get();
      JsonNode status =
          r == null ? null : JSON.valueToTree(r.getAdditionalProperties()).path("status");
      String now = describe(status);
      if (!now.equals(last)) {
        out.println("   " + kind.getKind() + " " + name + ": " + now);
        last = now;
      }
      String current = status == null ? "" : status.path("phase").asText("");
      if (current.equals(phase)) {
        return;
      }
      if (current.equals("Failed")) {
        throw new IllegalStateException(kind.getKind() + " " + name + " failed: " + now);
      }
      sleep(1000);
    }
    throw new IllegalStateException(
        kind.getKind()
            + " "
            + name
            + " did not reach "
            + phase
            + " within "
            + timeout
            + "; last: "
            + last);
  }

  private static String describe(JsonNode status) {
    if (status == null || status.isMissingNode() || status.isNull()) {
      return "(no status yet)";
    }
    StringJoiner j = new StringJoiner(": ");
    j.add(status.path("phase").asText("?"));
    for (JsonNode c : status.path("conditions")) {
      if (c.path("type").asText().equals("Ready") && c.hasNonNull("message")) {
        j.add(c.get("message").asText());
      }
    }
    return j.toString();
  }

  private String complete(String url, String model, String prompt)
      throws IOException, InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put("prompt", prompt);
    body.put("max_tokens", 8);
    body.put("temperature", 0);
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          "the server answered " + r.statusCode() + " for model " + model + ": " + r.body());
    }
    return JSON.readTree(r.body()).path("choices").path(0).path("text").asText("").trim();
  }

  private void step(String number, String what) {
    out.println();
    out.println("[" + number + "] " + what);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static ResourceDefinitionContext crd(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("modelforge.dev")
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }
}
