package dev.modelforge.operator.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The ModelForge objects this operator version could not read, and why.
 *
 * <p>A real API server refuses a spec its CRD's schema does not allow, but an object stored under
 * another version of the CRD (an upgrade or a rollback of the operator without its CRDs, or the
 * reverse) can hold a field the typed model cannot read. With strict reading one such object fails
 * the informer's list and stops its kind's controller for good. Instead, {@code
 * config.TolerantDeserialization} reads such an object without its spec and status and records the
 * failure here, keyed by UID and resourceVersion, so it survives JOSDK's clones (which reread a
 * spec-less copy) and is forgotten when a readable version of the object arrives. Reconcilers
 * {@link #report report} it once per version and leave the object alone.
 */
@Singleton
public class UnreadableResources {
  private static final Logger LOG = Logger.getLogger(UnreadableResources.class);

  /** Bounds the memory unreadable objects can take; the oldest record goes first. */
  static final int CAPACITY = 4096;

  private record Failure(String resourceVersion, String reason, boolean reported) {}

  private final Map<String, Failure> failures =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failure> eldest) {
          return size() > CAPACITY;
        }
      };

  /** Called by the reader when an object could not be read: {@code reason} says where and why. */
  public synchronized void failed(String uid, String resourceVersion, String reason) {
    if (uid == null) {
      return;
    }
    Failure known = failures.get(uid);
    boolean reported =
        known != null && known.reported() && known.resourceVersion().equals(resourceVersion);
    failures.put(uid, new Failure(String.valueOf(resourceVersion), reason, reported));
  }

  /**
   * Called by the reader for every object read whole: a newer version of a recorded object is
   * readable again, while a copy of the same version (a clone of the spec-less object) is not.
   */
  public synchronized void read(String uid, String resourceVersion) {
    if (uid == null) {
      return;
    }
    Failure known = failures.get(uid);
    if (known != null && !known.resourceVersion().equals(String.valueOf(resourceVersion))) {
      failures.remove(uid);
    }
  }

  /** Why this object could not be read, when it could not. */
  public synchronized Optional<String> reason(HasMetadata resource) {
    var metadata = resource.getMetadata();
    Failure known = metadata == null ? null : failures.get(metadata.getUid());
    if (known == null
        || !known.resourceVersion().equals(String.valueOf(metadata.getResourceVersion()))) {
      return Optional.empty();
    }
    return Optional.of(known.reason());
  }

  /**
   * True when the object could not be read; the first time for each of its versions, a warning
   * naming it goes to the log and an {@link EventReason#Unreadable} Event to the object.
   */
  public boolean report(HasMetadata resource, EventRecorder events) {
    Optional<String> reason = reason(resource);
    if (reason.isEmpty()) {
      return false;
    }
    if (firstReport(resource)) {
      var metadata = resource.getMetadata();
      String message =
          "This operator cannot read the object, so it is not reconciled until it is fixed: "
              + reason.get()
              + ". It was probably written under another version of the "
              + resource.getKind()
              + " CRD; apply the CRDs that ship with this operator and correct the field.";
      LOG.warnf(
          "%s %s/%s (resourceVersion %s): %s",
          resource.getKind(),
          metadata.getNamespace(),
          metadata.getName(),
          metadata.getResourceVersion(),
          message);
      events.record(resource, EventReason.Unreadable, message);
    }
    return true;
  }

  private synchronized boolean firstReport(HasMetadata resource) {
    var uid = resource.getMetadata().getUid();
    Failure known = failures.get(uid);
    if (known == null || known.reported()) {
      return false;
    }
    failures.put(uid, new Failure(known.resourceVersion(), known.reason(), true));
    return true;
  }
}
