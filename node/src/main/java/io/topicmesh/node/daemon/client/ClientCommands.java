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

  /**
   * {@code pub}: publish one message (text, a file, or stdin), or with {@code --batch} several as one
   * batch ({@code POST /v1/topics/{t}/publish-batch}): each {@code --data}, or each line of the file or
   * stdin.
   */
  @Command(name = "pub", mixinStandardHelpOptions = true, description = "Publish a message through a running node"
      + " (--batch: several, as one batch).")
  public static final class Pub implements Callable<Integer> {
    /** The node's bound on a batch (AdminServer: 1 to 1024 messages). */
    static final int MAX_BATCH = 1024;

    @Mixin AdminClient client;

    @Option(names = "--topic", required = true, description = "Topic.")
    String topic;

    @Option(names = "--batch", description = "Publish several messages as one batch (POST"
        + " /v1/topics/{t}/publish-batch): each --data is a message, else each line of --file or stdin (a trailing"
        + " CR is dropped, empty lines are skipped); 1 to " + MAX_BATCH + " messages.")
    boolean batch;

    @ArgGroup(exclusive = true)
    Source source;

    static final class Source {
      @Option(names = "--data", description = "Message text (with --batch, repeat it for several messages).")
      List<String> data;

      @Option(names = "--file", description = "File whose bytes are the message (- for stdin; with --batch, one"
          + " message per line).")
      String file;
    }

    @Override
    public Integer call() throws IOException {
      if (!batch && source != null && source.data != null && source.data.size() > 1) {
        System.err.println("error: --data given " + source.data.size() + " times: one message, or --batch for several");
        return 2;
      }
      byte[] body;
      if (source == null || source.file != null && source.file.equals("-")) {
        body = System.in.readAllBytes();
      } else if (source.data != null) {
        body = source.data.get(0).getBytes(StandardCharsets.UTF_8);
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
      return batch ? publishBatch(source != null && source.data != null ? utf8(source.data) : lines(body))
          : publish(body);
    }

    private Integer publish(byte[] body) throws IOException {
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

    /** One batch; each message goes as base64, so a line's bytes arrive as they were. */
    private Integer publishBatch(List<byte[]> messages) throws IOException {
      if (messages.isEmpty() || messages.size() > MAX_BATCH) {
        System.err.println("error: --batch: " + messages.size() + " messages; a batch holds 1 to " + MAX_BATCH);
        return 2;
      }
      ObjectNode request = AdminClient.JSON.createObjectNode();
      var array = request.putArray("messages");
      java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
      messages.forEach(m -> array.addObject().put("base64", b64.encodeToString(m)));
      try {
        JsonNode r = client.call(client.request(AdminClient.topicPath(topic) + "/publish-batch", AdminScope.PUBLISH)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(AdminClient.JSON.writeValueAsString(request))).build());
        for (JsonNode m : r.path("messages")) {
          System.out.println("published " + m.path("id").asText() + " to " + m.path("peers").asInt() + " peers");
        }
        System.out.println("published a batch of " + r.path("messages").size() + " messages to " + topic);
        return 0;
      } catch (AdminClient.CallException e) {
        return fail(e);
      }
    }

    private static List<byte[]> utf8(List<String> data) {
      return data.stream().map(d -> d.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** The lines of {@code body} (LF; a CR before it is dropped), empty ones skipped; bytes kept as they are. */
    static List<byte[]> lines(byte[] body) {
      List<byte[]> out = new java.util.ArrayList<>();
      int start = 0;
      for (int i = 0; i <= body.length; i++) {
        if (i == body.length || body[i] == '\n') {
          int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
          if (end > start) {
            out.add(java.util.Arrays.copyOfRange(body, start, end));
          }
          start = i + 1;
        }
      }
      return out;
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
          if (body.has(name)) {
            // as a duplicate key in a PUT /v1/params body is: which of the two was meant is not ours to guess
            System.err.println("error: " + name + " given twice (" + name + "=" + body.get(name) + ", " + a + ")");
            return 2;
          }
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
