package dev.modelforge.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Reports a command's failure as one line on stderr, "modelforge COMMAND: what went wrong", with
 * exit status 1, instead of picocli's stack trace: users read the message, scripts read the status.
 * {@code MODELFORGE_DEBUG=1} adds the stack trace.
 */
final class OneLineErrorHandler implements IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(
      Exception exception, CommandLine command, ParseResult parseResult) {
    String message = exception.getMessage();
    if (message == null || message.isBlank()) {
      // No message means a bug rather than bad input; still one line, but say what it was.
      message = exception.getClass().getName() + " (a bug in ModelForge; please report it)";
    }
    command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + oneLine(message));
    if (System.getenv("MODELFORGE_DEBUG") != null) {
      exception.printStackTrace(command.getErr()); // for developers chasing a bug
    }
    command.getErr().flush();
    return 1;
  }

  private static String oneLine(String message) {
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
