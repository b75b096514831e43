package dev.modelforge.local;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * kube-proxy's part on this machine: each Service's first port gets a localhost port that forwards
 * to the ready endpoints of its EndpointSlices (written by the controller manager's EndpointSlice
 * controller from the Pods' readiness). The address is published on the Service as the annotation
 * {@value #URL_ANNOTATION}, so clients outside the cluster's network (the demo, a test) find it.
 */
final class ServiceProxies implements AutoCloseable {
  static final String URL_ANNOTATION = "local.modelforge.dev/url";

  private final KubernetesClient client;
  private final Consumer<String> log;
  private final Map<String, ServiceProxy> proxies = new ConcurrentHashMap<>();

  /** By "namespace/name"; proxies are by Service uid, so a recreated Service gets a new port. */
  private final Map<String, String> urls = new ConcurrentHashMap<>();

  private final Map<String, String> keys = new ConcurrentHashMap<>();

  ServiceProxies(KubernetesClient client, Consumer<String> log) {
    this.client = client;
    this.log = log;
  }

  Optional<String> url(String namespace, String name) {
    return Optional.ofNullable(urls.get(namespace + "/" + name));
  }

  void sync() {
    Set<String> seen = new HashSet<>();
    for (Service s : client.services().inAnyNamespace().list().getItems()) {
      List<ServicePort> ports = s.getSpec().getPorts();
      if (ports == null || ports.isEmpty() || "None".equals(s.getSpec().getClusterIP())) {
        continue;
      }
      String ns = s.getMetadata().getNamespace();
      String key = ns + "/" + s.getMetadata().getName();
      String uid = s.getMetadata().getUid();
      seen.add(uid);
      ServiceProxy proxy;
      try {
        proxy = proxies.get(uid);
        if (proxy == null) {
          proxy = new ServiceProxy(key);
          proxies.put(uid, proxy);
          keys.put(uid, key);
        }
      } catch (IOException e) {
        log.accept("service " + key + ": cannot open a local port: " + e.getMessage());
        continue;
      }
      proxy.backends(endpoints(ns, s.getMetadata().getName(), ports.getFirst()));
      String url = "http://127.0.0.1:" + proxy.port();
      urls.put(key, url);
      Map<String, String> annotations = s.getMetadata().getAnnotations();
      if (annotations == null || !url.equals(annotations.get(URL_ANNOTATION))) {
        try {
          client
              .services()
              .inNamespace(ns)
              .withName(s.getMetadata().getName())
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE),
                  "{\"metadata\":{\"annotations\":{\"" + URL_ANNOTATION + "\":\"" + url + "\"}}}");
          log.accept("service " + key + ": " + url);
        } catch (KubernetesClientException e) {
          log.accept("service " + key + ": cannot publish its address: " + e.getMessage());
        }
      }
    }
    for (var it = proxies.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!seen.contains(e.getKey())) {
        e.getValue().close();
        // Only this proxy's URL: a Service recreated under the same name already has a new one.
        urls.remove(keys.remove(e.getKey()), "http://127.0.0.1:" + e.getValue().port());
        it.remove();
      }
    }
  }

  /** Ready endpoints of the service port, by the port's name as EndpointSlices carry it. */
  private List<InetSocketAddress> endpoints(String namespace, String service, ServicePort port) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (EndpointSlice slice :
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(namespace)
            .withLabel("kubernetes.io/service-name", service)
            .list()
            .getItems()) {
      Integer number = null;
      for (EndpointPort p : slice.getPorts() == null ? List.<EndpointPort>of() : slice.getPorts()) {
        if (Objects.equals(p.getName(), port.getName()) || slice.getPorts().size() == 1) {
          number = p.getPort();
        }
      }
      if (number == null || slice.getEndpoints() == null) {
        continue;
      }
      for (Endpoint endpoint : slice.getEndpoints()) {
        boolean ready =
            endpoint.getConditions() == null
                || !Boolean.FALSE.equals(endpoint.getConditions().getReady());
        if (ready) {
          for (String address : endpoint.getAddresses()) {
            out.add(new InetSocketAddress(PodNetwork.reachable(address), number));
          }
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    proxies.values().forEach(ServiceProxy::close);
    proxies.clear();
  }
}
