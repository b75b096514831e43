package dev.modelforge.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * charts/modelforge lints, renders what the values say, and stays in step with crds/ and config/.
 */
class HelmChartTest {
  static final Path CHART = Path.of("..", "charts", "modelforge");
  static final KubernetesSerialization YAML = new KubernetesSerialization();

  @Test
  void chartLintsClean() {
    var result = new Helm(CHART).lint().strict().call();

    assertThat(result.isFailed()).as("helm lint: %s", result.getMessages()).isFalse();
  }

  @Test
  void defaultsRenderTheOperatorWithItsSettingsAndNoOptionalParts() {
    var objects =
        render(new Helm(CHART).template().withName("mf").withNamespace("modelforge-system"));

    var deployment = find(objects, Deployment.class, "modelforge-operator");
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("ghcr.io/modelforge/operator:0.1.0");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    var settings = find(objects, ConfigMap.class, "modelforge-operator-config");
    assertThat(settings.getData())
        .containsEntry("MODELFORGE_RUNTIME_IMAGE", "ghcr.io/modelforge/runtime:0.1.0")
        .containsEntry("MODELFORGE_RUNTIME_FS_GROUP", "10001")
        .doesNotContainKey("MODELFORGE_WATCH_NAMESPACES");
    assertThat(objects).noneMatch(o -> o.getKind().equals("ServiceMonitor"));
    assertThat(objects).noneMatch(o -> o.getMetadata().getName().endsWith("-dashboard"));
  }

  @Test
  void valuesTurnOnNamespacesMetricsAndDashboard(@TempDir Path dir) throws IOException {
    // A values file: helm-java's set() passes lists through as plain strings.
    Path values = dir.resolve("values.yaml");
    Files.writeString(
        values,
        """
        watchNamespaces: [team-a, team-b]
        workloadNamespaces: [team-a]
        runtime: {image: "registry.local/runtime:dev", fsGroup: none}
        metrics: {serviceMonitor: {enabled: true}, podMonitor: {enabled: true}}
        grafana: {dashboard: {enabled: true}}
        """);
    var objects =
        render(
            new Helm(CHART).template().withName("mf").withNamespace("ops").withValuesFile(values));

    var settings = find(objects, ConfigMap.class, "modelforge-operator-config");
    assertThat(settings.getData())
        .containsEntry("MODELFORGE_WATCH_NAMESPACES", "team-a,team-b")
        .containsEntry("MODELFORGE_RUNTIME_IMAGE", "registry.local/runtime:dev")
        .containsEntry("MODELFORGE_RUNTIME_FS_GROUP", "none");
    assertThat(objects)
        .anySatisfy(
            o -> {
              assertThat(o.getKind()).isEqualTo("ServiceMonitor");
              assertThat(o.getMetadata().getNamespace()).isEqualTo("ops");
            });
    assertThat(find(objects, ConfigMap.class, "modelforge-operator-dashboard").getData())
        .containsKeys("modelforge-operator-dashboard.json", "modelforge-serving-dashboard.json");
    assertThat(objects)
        .anySatisfy(
            o -> {
              assertThat(o.getKind()).isEqualTo("PodMonitor");
              assertThat(o.getMetadata().getName()).isEqualTo("modelforge-operator-serving");
            });
    assertThat(objects)
        .anySatisfy(
            o -> {
              assertThat(o.getKind()).isEqualTo("ServiceAccount");
              assertThat(o.getMetadata().getName()).isEqualTo("modelforge-workload");
              assertThat(o.getMetadata().getNamespace()).isEqualTo("team-a");
            });
  }

  @Test
  void chartAndKustomizeGrantTheSameOperatorPermissions() throws IOException {
    var chartRole =
        find(render(new Helm(CHART).template().withName("mf")), ClusterRole.class, "mf-operator");
    var kustomizeRole =
        YAML.unmarshal(
            Files.readString(Path.of("..", "config", "rbac", "cluster_role.yaml"))
                .split("\n---\n")[0],
            ClusterRole.class);

    assertThat(chartRole.getRules()).isEqualTo(kustomizeRole.getRules());
  }

  /** With watchNamespaces the operator gets a Role per namespace and nothing cluster-wide. */
  @Test
  void watchedNamespacesGetRolesInsteadOfAClusterRole(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("values.yaml");
    Files.writeString(values, "watchNamespaces: [team-a, team-b]\n");
    var objects =
        render(
            new Helm(CHART).template().withName("mf").withNamespace("ops").withValuesFile(values));
    var kustomizeRole =
        YAML.unmarshal(
            Files.readString(Path.of("..", "config", "rbac", "cluster_role.yaml"))
                .split("\n---\n")[0],
            ClusterRole.class);

    assertThat(objects)
        .noneMatch(
            o ->
                o.getMetadata().getName().equals("mf-operator")
                    && (o.getKind().equals("ClusterRole")
                        || o.getKind().equals("ClusterRoleBinding")));
    for (String ns : List.of("team-a", "team-b")) {
      var role =
          objects.stream()
              .filter(o -> o.getKind().equals("Role") && ns.equals(o.getMetadata().getNamespace()))
              .filter(o -> o.getMetadata().getName().equals("mf-operator"))
              .map(o -> YAML.convertValue(o, io.fabric8.kubernetes.api.model.rbac.Role.class))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no Role mf-operator in " + ns));
      assertThat(role.getRules()).isEqualTo(kustomizeRole.getRules());
      assertThat(objects)
          .anySatisfy(
              o -> {
                assertThat(o.getKind()).isEqualTo("RoleBinding");
                assertThat(o.getMetadata().getName()).isEqualTo("mf-operator");
                assertThat(o.getMetadata().getNamespace()).isEqualTo(ns);
              });
    }
  }

  /** The sample's RoleBinding names the reporter role the chart installs, whatever the release. */
  @Test
  void theSampleWorkloadBindingFindsTheChartsReporterRole() throws IOException {
    var objects = render(new Helm(CHART).template().withName("anything").withNamespace("ops"));
    String sample =
        Files.readString(Path.of("..", "config", "samples", "workload-serviceaccount.yaml"));
    var binding =
        YAML.unmarshal(
            sample.substring(sample.indexOf("apiVersion: rbac")),
            io.fabric8.kubernetes.api.model.rbac.RoleBinding.class);

    assertThat(objects)
        .anySatisfy(
            o -> {
              assertThat(o.getKind()).isEqualTo("ClusterRole");
              assertThat(o.getMetadata().getName()).isEqualTo(binding.getRoleRef().getName());
            });
  }

  @Test
  void pullSecretsReachTheOperatorPodAndTheWorkloadSettings(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("values.yaml");
    Files.writeString(
        values,
        "imagePullSecrets: [{name: operator-cred}]\nruntime: {imagePullSecrets: [a-cred, b-cred]}\n");
    var objects =
        render(
            new Helm(CHART).template().withName("mf").withNamespace("ops").withValuesFile(values));

    var pod =
        find(objects, Deployment.class, "modelforge-operator").getSpec().getTemplate().getSpec();
    assertThat(pod.getImagePullSecrets())
        .extracting(io.fabric8.kubernetes.api.model.LocalObjectReference::getName)
        .containsExactly("operator-cred");
    assertThat(find(objects, ConfigMap.class, "modelforge-operator-config").getData())
        .containsEntry("MODELFORGE_RUNTIME_IMAGE_PULL_SECRETS", "a-cred,b-cred");
  }

  /** values.schema.json refuses what the chart cannot use, at install time. */
  @Test
  void theValuesSchemaRefusesAMisspeltKeyAndAWrongType(@TempDir Path dir) throws IOException {
    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, "watchNamespace: [team-a]\n");
    Path wrongType = dir.resolve("wrong.yaml");
    Files.writeString(wrongType, "replicas: two\n");

    for (Path values : List.of(typo, wrongType)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> new Helm(CHART).template().withName("mf").withValuesFile(values).call())
          .as(values.getFileName().toString())
          .hasMessageContaining("schema");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "crds/models.modelforge.dev-v1.yml",
        "crds/finetuningjobs.modelforge.dev-v1.yml",
        "crds/inferenceservices.modelforge.dev-v1.yml",
        "files/modelforge-operator-dashboard.json",
        "files/modelforge-serving-dashboard.json"
      })
  void chartCopiesMatchTheirSources(String file) throws IOException {
    Path source =
        file.startsWith("crds/")
            ? Path.of("..").resolve(file)
            : Path.of("..", "config", "grafana", Path.of(file).getFileName().toString());

    assertThat(Files.readString(CHART.resolve(file)))
        .as("charts/modelforge/%s drifted from %s; copy it over", file, source)
        .isEqualTo(Files.readString(source));
  }

  private static List<HasMetadata> render(com.marcnuri.helm.TemplateCommand template) {
    String rendered = template.call();
    return Arrays.stream(rendered.split("(?m)^---\\s*$"))
        .filter(doc -> doc.lines().anyMatch(l -> l.startsWith("kind:")))
        .map(doc -> (HasMetadata) YAML.unmarshal(doc))
        .toList();
  }

  private static <T extends HasMetadata> T find(
      List<HasMetadata> objects, Class<T> type, String name) {
    return objects.stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .filter(o -> type.isInstance(o) || o instanceof GenericKubernetesResource)
        .map(o -> type.isInstance(o) ? type.cast(o) : YAML.convertValue(o, type))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
  }
}
