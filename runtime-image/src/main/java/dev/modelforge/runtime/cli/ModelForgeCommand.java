package dev.modelforge.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `modelforge` program: every user-facing command and every workload pod's entry point. */
@Command(
    name = "modelforge",
    mixinStandardHelpOptions = true,
    versionProvider = ModelForgeCommand.Version.class,
    description = "Fetch, fine-tune and serve language models with the ModelForge engine.",
    subcommands = {
      InitCommand.class,
      FetchCommand.class,
      GenerateCommand.class,
      ScoreCommand.class,
      TrainCommand.class,
      ExportCommand.class,
      DataCommand.class,
      BenchCommand.class,
      ServeCommand.class,
      TokenizeCommand.class,
      DetokenizeCommand.class,
      LocalEntryCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Run 'modelforge COMMAND --help' for the options of one command.",
      "Exit codes: 0 success, 1 failure, 2 usage error."
    })
public final class ModelForgeCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static CommandLine commandLine() {
    return new CommandLine(new ModelForgeCommand())
        .setExecutionExceptionHandler(new OneLineErrorHandler());
  }

  public static void main(String[] args) {
    useJBossLogging();
    System.exit(commandLine().execute(args));
  }

  /**
   * The Kubernetes client (fetch and train report progress through it) logs through JBoss logging,
   * which warns on stderr unless it is java.util.logging's manager from the start.
   */
  public static void useJBossLogging() {
    if (System.getProperty("java.util.logging.manager") == null
        && ModelForgeCommand.class
                .getClassLoader()
                .getResource("org/jboss/logmanager/LogManager.class")
            != null) {
      System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
    }
  }

  /** The project version that the build wrote into the jar, or "unknown". */
  public static String projectVersion() {
    Properties props = new Properties();
    try (InputStream in =
        ModelForgeCommand.class.getResourceAsStream("/dev/modelforge/runtime/version.properties")) {
      if (in != null) {
        props.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return props.getProperty("version", "unknown");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "modelforge " + projectVersion(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"
      };
    }
  }
}
