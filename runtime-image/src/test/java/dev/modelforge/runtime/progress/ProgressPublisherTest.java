package dev.modelforge.runtime.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pod side of the progress transport, against Fabric8's API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ProgressPublisherTest {

  KubernetesClient client;
  @TempDir Path dir;

  @Test
  void copiesTheFileIntoALabelledConfigMapOwnedByTheJobAndOnlyWhenItChanges() throws IOException {
    Job job =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace("ml")
            .resource(
                new JobBuilder()
                    .withNewMetadata()
                    .withName("tiny-fetch")
                    .withNamespace("ml")
                    .endMetadata()
                    .withNewSpec()
                    .withNewTemplate()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("fetch")
                    .withImage("modelforge")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    Path file = dir.resolve("progress.json");
    List<String> warnings = new ArrayList<>();
    ProgressPublisher publisher =
        new ProgressPublisher(
            client,
            "ml",
            "tiny-progress",
            "modelforge.dev/progress=fetch",
            "tiny-fetch",
            file,
            warnings::add);

    assertThat(publisher.publish()).as("no file yet").isFalse();
    Files.writeString(file, "{\"bytesDone\":10,\"totalBytes\":100}");
    assertThat(publisher.publish()).isTrue();
    assertThat(publisher.publish()).as("unchanged").isFalse();

    ConfigMap cm = client.configMaps().inNamespace("ml").withName("tiny-progress").get();
    assertThat(cm.getData())
        .containsEntry("progress.json", "{\"bytesDone\":10,\"totalBytes\":100}");
    assertThat(cm.getMetadata().getLabels()).containsEntry("modelforge.dev/progress", "fetch");
    assertThat(cm.getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(cm.getMetadata().getOwnerReferences().getFirst().getUid())
        .isEqualTo(job.getMetadata().getUid());
    assertThat(cm.getMetadata().getOwnerReferences().getFirst().getKind()).isEqualTo("Job");

    Files.writeString(file, "{\"bytesDone\":100,\"totalBytes\":100}");
    publisher.close();
    assertThat(client.configMaps().inNamespace("ml").withName("tiny-progress").get().getData())
        .containsEntry("progress.json", "{\"bytesDone\":100,\"totalBytes\":100}");
    assertThat(warnings).isEmpty();
  }

  @Test
  void aFailingApiServerIsReportedOnceAndNeverThrowsFromClose() throws IOException {
    Path file = dir.resolve("progress.json");
    Files.writeString(file, "{}");
    List<String> warnings = new ArrayList<>();
    // An API server that is not there: nothing listens on port 1.
    try (KubernetesClient gone =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:1")
                    .withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(2000)
                    .build())
            .build()) {
      ProgressPublisher publisher =
          new ProgressPublisher(gone, "ml", "tiny-progress", null, null, file, warnings::add);
      publisher.close();
      publisher.close();
    }

    assertThat(warnings).hasSize(1);
    assertThat(warnings.getFirst()).contains("cannot publish progress");
  }
}
