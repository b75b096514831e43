package dev.modelforge.engine.generate;

import java.util.List;

/**
 * The generated text checked against stop strings. Text that could still be the start of a stop
 * string is held back from streaming until it is clear; when a stop string appears, the text ends
 * right before it (or right after it, when the caller wants the stop string in the output).
 */
public final class StopText {

  private final List<String> stops;
  private final boolean keepStop;
  private final StringBuilder text = new StringBuilder();
  private int released;
  private int stopAt = -1;
  private String matched;

  public StopText(List<String> stops) {
    this(stops, false);
  }

  /**
   * @param keepStop keep the stop string that ended the text (vLLM's include_stop_str_in_output)
   */
  public StopText(List<String> stops, boolean keepStop) {
    this.stops = stops;
    this.keepStop = keepStop;
  }

  public void append(String piece) {
    if (stopAt >= 0) {
      return;
    }
    int searchFrom = Math.max(0, text.length() - longest() + 1);
    text.append(piece);
    for (String s : stops) {
      int i = text.indexOf(s, searchFrom);
      if (i >= 0 && (stopAt < 0 || i < stopAt)) {
        stopAt = i;
        matched = s;
      }
    }
    if (stopAt >= 0) {
      text.setLength(stopAt + (keepStop ? matched.length() : 0));
    }
  }

  /** The stop string that ended the text, or null. */
  public String matched() {
    return matched;
  }

  public boolean stopped() {
    return stopAt >= 0;
  }

  /** The text that is now safe to show; everything when {@code all}. */
  public String release(boolean all) {
    int safe = all || stopped() ? text.length() : text.length() - heldBack();
    if (safe <= released) {
      return "";
    }
    String piece = text.substring(released, safe);
    released = safe;
    return piece;
  }

  public String text() {
    return text.toString();
  }

  private int longest() {
    int n = 0;
    for (String s : stops) {
      n = Math.max(n, s.length());
    }
    return n;
  }

  /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
  private int heldBack() {
    int best = 0;
    for (String s : stops) {
      for (int len = Math.min(s.length() - 1, text.length()); len > best; len--) {
        if (CharSequence.compare(
                text.subSequence(text.length() - len, text.length()), s.subSequence(0, len))
            == 0) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
