package io.topicmesh.node.daemon.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import io.topicmesh.node.daemon.admin.AdminScope;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pub}, {@code sub}, {@code status}, {@code params get|set}: clients of a node's admin API. */
public final class ClientCommands {
  private ClientCommands() {}

  static int fail(AdminClient.CallException e) {
    System.err.println("error: " + e.getMessage());
    return e.exitCode;
  }

  /** {@code -o table} (for people, the default) or {@code -o json} (the API's JSON, for scripts). */
  public enum Format { table, json }

  /** The {@code -o/--output} option of the commands that print an API object. */
  static final class Output {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
        description = "table (for people, the default) or json (the API's JSON, for scripts).")
    Format format = Format.table;

    void print(JsonNode body, java.util.function.Function<JsonNode, String> human) throws IOException {
      if (format == Format.json) {
        System.out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
      } else {
        System.out.print(human.apply(body));
      }
      System.out.flush();
    }
  }

  /** {@code status}: the node's {@code GET /v1/status} as a table, or its JSON with {@code -o json}. */
  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Show a running node's readiness, peers and topic meshes (-o json: the raw GET /v1/status).")
  public static final class Status implements Callable<Integer> {
    @Mixin AdminClient client;

    @Mixin Output output;

    @Override
    public Integer call() throws IOException {
      try {
        JsonNode s = client.call(client.request("/v1/status", AdminScope.STATUS).GET().build());
        output.print(s, HumanOutput::status);
        return 0;
      } catch (AdminClient.CallException e) {
        return fail(e);
      }
    }
  }

  /** {@code pub}: publish one message (text, a file, or stdin). */
  @Command(name = "pub", mixinStandardHelpOptions = true, description = "Publish a message through a running node.")
  public static final class Pub implements Callable<Integer> {
    @Mixin AdminClient client;

    @Option(names = "--topic", required = true, description = "Topic.")
    String topic;

    @ArgGroup(exclusive = true)
    Source source;

    static final class Source {
      @Option(names = "--data", description = "Message text.")
      String data;

      @Option(names = "--file", description = "File whose bytes are the message (- for stdin).")
      String file;
    }

    @Override
    public Integer call() throws IOException {
      byte[] body;
      if (source == null || source.file != null && source.file.equals("-")) {
        body = System.in.readAllBytes();
      } else if (source.data != null) {
        body = source.data.getBytes(StandardCharsets.UTF_8);
      } else {
        try {
          body = Files.readAllBytes(Path.of(source.file));
        } catch (java.nio.file.NoSuchFileException e) {
          System.err.println("error: --file " + source.file + ": no such file");
          return 2;
        } catch (java.nio.file.AccessDeniedException e) {
          System.err.println("error: --file " + source.file + ": permission denied");
          return 2;
        } catch (IOException | java.nio.file.InvalidPathException e) {
          System.err.println("error: --file " + source.file + ": cannot read (" + AdminClient.reason(e) + ")");
          return 2;
        }
      }
      try {
        JsonNode r = client.call(client.request(AdminClient.topicPath(topic) + "/publish", AdminScope.PUBLISH)
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        System.out.println("published " + r.get("id").asText() + " to " + r.get("peers").asInt() + " peers");
        return 0;
      } catch (AdminClient.CallException e) {
        return fail(e);
      }
    }
  }

  /** {@code sub}: subscribe and print each delivered message as a line. */
  @Command(name = "sub", mixinStandardHelpOptions = true,
      description = "Subscribe through a running node and print messages, one line each.")
  public static final class Sub implements Callable<Integer> {
    @Mixin AdminClient client;

    @Option(names = "--topic", required = true, description = "Topic.")
    String topic;

    @Option(names = "--count", description = "Stop after this many messages (at least 1).")
    Long count;

    @Option(names = "--json", description = "Print each message as its JSON event.")
    boolean json;

    private final PrintStream out = System.out;

    @Override
    public Integer call() {
      if (count != null && count < 1) {
        System.err.println("error: --count " + count + ": must be at least 1 (leave --count out to print messages until"
            + " interrupted)");
        return 2;
      }
      try {
        try {
          client.call(client.request(AdminClient.topicPath(topic), AdminScope.SUBSCRIBE)
              .PUT(HttpRequest.BodyPublishers.noBody()).build());
        } catch (AdminClient.CallException e) {
          // Subscribing the node to a topic needs the admin scope; a subscribe token can still read a
          // topic the node is subscribed to (else the stream below says so).
          if (e.httpStatus != 403) {
            throw e;
          }
        }
        String path = AdminClient.topicPath(topic) + "/messages" + (count == null ? "" : "?limit=" + count);
        AtomicLong seen = new AtomicLong();
        client.events(path, m -> {
          if (json) {
            out.println(m.toString());
          } else {
            JsonNode text = m.get("data");
            out.println(text == null || text.isNull() ? "base64:" + m.get("base64").asText() : text.asText());
          }
          out.flush();
          return count == null || seen.incrementAndGet() < count;
        });
        return 0;
      } catch (AdminClient.CallException e) {
        return fail(e);
      }
    }
  }

  /** {@code params}: get or set gossipsub parameters. */
  @Command(name = "params", mixinStandardHelpOptions = true, description = "Get or set a running node's gossipsub parameters.",
      subcommands = {Params.Get.class, Params.Set.class})
  public static final class Params {
    @Command(name = "get", mixinStandardHelpOptions = true,
        description = "Print the effective parameters as a table (-o json: the raw GET /v1/params).")
    static final class Get implements Callable<Integer> {
      @Mixin AdminClient client;

      @Mixin Output output;

      @Override
      public Integer call() throws IOException {
        try {
          JsonNode p = client.call(client.request("/v1/params", AdminScope.STATUS).GET().build());
          output.print(p, HumanOutput::params);
          return 0;
        } catch (AdminClient.CallException e) {
          return fail(e);
        }
      }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
        description = "Change parameters, e.g. params set d=8 dlo=6 dhi=12; prints the effective set"
            + " (-o json: the raw PUT /v1/params reply).")
    static final class Set implements Callable<Integer> {
      @Mixin AdminClient client;

      @Mixin Output output;

      @Parameters(arity = "1..*", paramLabel = "NAME=VALUE", description = "Parameters to change.")
      List<String> assignments;

      @Override
      public Integer call() throws IOException {
        ObjectNode body = AdminClient.JSON.createObjectNode();
        for (String a : assignments) {
          int eq = a.indexOf('=');
          if (eq <= 0) {
            System.err.println("error: expected NAME=VALUE, got '" + a + "'");
            return 2;
          }
          String name = a.substring(0, eq);
          String v = a.substring(eq + 1).trim();
          if (v.equals("true") || v.equals("false")) {
            body.put(name, Boolean.parseBoolean(v));
          } else {
            try {
              body.put(name, Long.parseLong(v));
            } catch (NumberFormatException e) {
              try {
                body.put(name, Double.parseDouble(v));
              } catch (NumberFormatException e2) {
                System.err.println("error: " + name + "=" + v + ": expected a number or true/false");
                return 2;
              }
            }
          }
        }
        try {
          JsonNode p = client.call(client.request("/v1/params", AdminScope.ADMIN).header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofByteArray(AdminClient.JSON.writeValueAsBytes(body))).build());
          output.print(p, HumanOutput::params);
          return 0;
        } catch (AdminClient.CallException e) {
          return fail(e);
        }
      }
    }
  }
}
