package dev.modelforge.contract.args;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A command line being built: a subcommand, then options in order. */
final class Args {

  private final List<String> args = new ArrayList<>();

  Args(String command) {
    args.add(command);
  }

  Args add(String option, String value) {
    args.add(option);
    args.add(value);
    return this;
  }

  Args addIfSet(String option, Object value) {
    return value == null ? this : add(option, value.toString());
  }

  Args flag(String option) {
    args.add(option);
    return this;
  }

  /** The command-line names of {@code values}, lower case, joined with "or": "cpu or cuda". */
  static String oneOf(Enum<?>[] values) {
    StringBuilder s = new StringBuilder();
    for (Enum<?> v : values) {
      s.append(s.isEmpty() ? "" : " or ").append(v.name().toLowerCase(Locale.ROOT));
    }
    return s.toString();
  }

  List<String> list() {
    return List.copyOf(args);
  }
}
