package dev.modelforge.runtime.cli;

/**
 * A command could not do its work because of its input (a missing file, a malformed value). Its
 * message is shown to the user as is, on one line, and the command exits with status 1.
 */
final class CommandFailure extends RuntimeException {

  CommandFailure(String message) {
    super(message);
  }
}
