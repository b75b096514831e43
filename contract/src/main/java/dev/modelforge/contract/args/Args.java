package dev.modelforge.contract.args;

import java.util.ArrayList;
import java.util.List;

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

  List<String> list() {
    return List.copyOf(args);
  }
}
