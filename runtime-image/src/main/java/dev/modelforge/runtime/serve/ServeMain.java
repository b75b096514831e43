package dev.modelforge.runtime.serve;

import dev.modelforge.runtime.cli.ServeCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;

/**
 * Entry point of the server application ({@code target/quarkus-app}): parses {@code serve}'s
 * options with the same picocli command the CLI lists, turns them into configuration, and runs
 * Quarkus until it is told to stop.
 */
@QuarkusMain
public final class ServeMain {

  private ServeMain() {}

  public static void main(String... args) {
    String[] rest =
        args.length > 0 && args[0].equals("serve")
            ? Arrays.copyOfRange(args, 1, args.length)
            : args;
    ServeCommand options = new ServeCommand();
    CommandLine cli = new CommandLine(options);
    Map<String, String> properties;
    try {
      CommandLine.ParseResult parsed = cli.parseArgs(rest);
      if (parsed.isUsageHelpRequested()) {
        cli.usage(System.out);
        return;
      }
      properties = options.toProperties();
    } catch (CommandLine.ParameterException e) {
      System.err.println("modelforge serve: " + e.getMessage());
      System.exit(2);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("modelforge serve: " + e.getMessage());
      System.exit(1);
      return;
    }
    properties.forEach(System::setProperty);
    Quarkus.run(rest);
  }
}
