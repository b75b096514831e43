package dev.modelforge.operator.config;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * {@code modelforge.watch-namespaces} reaches the controllers through {@code
 * quarkus.operator-sdk.namespaces} in application.properties, which applies before any informer
 * starts (changing namespaces from here would start them first in every namespace). This check
 * fails the start when that wiring is lost, instead of silently watching the whole cluster.
 */
@ApplicationScoped
public class WatchedNamespaces {
  private static final Logger LOG = Logger.getLogger(WatchedNamespaces.class);

  void verify(@Observes StartupEvent started, Operator operator, ModelForgeConfig config) {
    var wanted = config.watchNamespaces().filter(n -> !n.isEmpty());
    for (var controller : operator.getRegisteredControllers()) {
      Set<String> actual = controller.getConfiguration().getEffectiveNamespaces();
      if (wanted.isPresent() && !wanted.get().equals(actual)) {
        throw new IllegalStateException(
            "Controller "
                + controller.getConfiguration().getName()
                + " watches "
                + actual
                + " but modelforge.watch-namespaces is "
                + wanted.get()
                + "; keep quarkus.operator-sdk.namespaces=${modelforge.watch-namespaces} in"
                + " application.properties");
      }
    }
    LOG.infof("Watching %s", wanted.map(n -> "namespaces " + n).orElse("all namespaces"));
  }
}
