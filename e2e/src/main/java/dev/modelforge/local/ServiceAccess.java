package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * How this machine reaches a Service of the cluster the demo runs on: the local cluster proxies
 * each Service on a localhost port, a real cluster is reached through a port-forward.
 */
@FunctionalInterface
public interface ServiceAccess {

  /** A base URL ({@code http://host:port}) that reaches the Service's first port. */
  String url(KubernetesClient client, String namespace, String service);

  /**
   * The local cluster's node agent proxies each Service on a localhost port and writes the URL on
   * the Service as the annotation {@value ServiceProxies#URL_ANNOTATION}; waits a minute for it.
   */
  static ServiceAccess localProxy() {
    return (client, namespace, service) -> {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (System.nanoTime() < deadline) {
        Service s = client.services().inNamespace(namespace).withName(service).get();
        if (s != null
            && s.getMetadata().getAnnotations() != null
            && s.getMetadata().getAnnotations().get(ServiceProxies.URL_ANNOTATION) != null) {
          return s.getMetadata().getAnnotations().get(ServiceProxies.URL_ANNOTATION);
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      throw new IllegalStateException(
          "Service "
              + namespace
              + "/"
              + service
              + " got no local address within a minute (annotation "
              + ServiceProxies.URL_ANNOTATION
              + ")");
    };
  }
}
