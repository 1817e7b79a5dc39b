package io.topicmesh.node.daemon;

import io.topicmesh.node.daemon.client.ClientCommands;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code topicmesh-node.jar}: a picocli command with subcommands. */
@Command(
    name = "topicmesh-node",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A libp2p gossipsub node.",
    subcommands = {RunCommand.class, io.topicmesh.node.daemon.local.LocalCommand.class,
        io.topicmesh.node.daemon.soak.SoakCommand.class,
        ClientCommands.Pub.class, ClientCommands.Sub.class, ClientCommands.Status.class, ClientCommands.Params.class,
        io.topicmesh.node.sim.SimCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    selectLogFormat(System.getenv("LOG_FORMAT"));
    System.exit(execute(args));
  }

  /** {@code LOG_FORMAT=json} switches logback to one JSON object per line; must run before any logger exists. */
  static void selectLogFormat(String format) {
    if (format != null && format.trim().equalsIgnoreCase("json") && System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
  }

  /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
  public static int execute(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          // Bad flags or an address we cannot bind are operator errors: one line, no stack trace.
          cmd.getErr().println("error: " + e.getMessage());
          return 2;
        })
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The version from the jar manifest, or {@code dev} when run from classes. */
  public static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"topicmesh-node " + version()};
    }
  }
}
