package dev.modelforge.operator.common;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Decides whether a freshly built status differs from the stored one. */
public final class StatusChange {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusChange() {}

  /**
   * Compares the JSON the API server would store, so a field that is null on one side and absent on
   * the other does not count as a change, and no hand-written equals can miss one.
   */
  public static boolean differs(Object stored, Object built) {
    return !JSON.valueToTree(stored).equals(JSON.valueToTree(built));
  }
}
