package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jboss.logging.Logger;

/** Emits core/v1 Events about ModelForge resources. Best effort: a lost Event is only logged. */
@ApplicationScoped
public class EventRecorder {
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  static final String COMPONENT = "modelforge-operator";

  private final KubernetesClient client;
  private final Clock clock;

  @Inject
  public EventRecorder(KubernetesClient client) {
    this(client, Clock.systemUTC());
  }

  EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(HasMetadata about, EventReason reason, String message) {
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    var metadata = about.getMetadata();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(metadata.getName() + ".")
            .withNamespace(metadata.getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(about.getApiVersion())
            .withKind(about.getKind())
            .withName(metadata.getName())
            .withNamespace(metadata.getNamespace())
            .withUid(metadata.getUid())
            .withResourceVersion(metadata.getResourceVersion())
            .endInvolvedObject()
            .withReason(reason.name())
            .withType(reason.type().name())
            .withMessage(message)
            .withCount(1)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    try {
      client.v1().events().inNamespace(metadata.getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      LOG.warnf(
          "Could not record event %s on %s/%s: %s",
          reason, metadata.getNamespace(), metadata.getName(), e.getMessage());
    }
  }
}
