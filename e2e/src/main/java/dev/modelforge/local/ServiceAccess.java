package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * How this machine reaches a Service of the cluster the demo runs on: the local cluster publishes
 * each Service on a localhost port, a real cluster is reached through a port-forward.
 */
@FunctionalInterface
public interface ServiceAccess {

  /** A base URL ({@code http://host:port}) that reaches the Service's first port. */
  String url(KubernetesClient client, String namespace, String service);

  /**
   * The local cluster's runner publishes a Service's localhost port as {@code
   * status.loadBalancer.ingress[0]}; waits a minute for it.
   */
  static ServiceAccess loadBalancerIngress() {
    return (client, namespace, service) -> {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (System.nanoTime() < deadline) {
        Service s = client.services().inNamespace(namespace).withName(service).get();
        if (s != null
            && s.getStatus() != null
            && s.getStatus().getLoadBalancer() != null
            && s.getStatus().getLoadBalancer().getIngress() != null
            && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
          var ingress = s.getStatus().getLoadBalancer().getIngress().getFirst();
          if (ingress.getPorts() != null && !ingress.getPorts().isEmpty()) {
            return "http://" + ingress.getIp() + ":" + ingress.getPorts().getFirst().getPort();
          }
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        }
      }
      throw new IllegalStateException(
          "Service " + namespace + "/" + service + " got no load balancer ingress within a minute");
    };
  }
}
