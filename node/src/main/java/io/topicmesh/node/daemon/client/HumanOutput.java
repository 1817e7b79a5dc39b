package io.topicmesh.node.daemon.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the admin API's JSON for people: aligned columns with upper-case headers, in the manner
 * of {@code kubectl get}. Scripts use {@code -o json}, which prints the API's JSON unchanged.
 */
final class HumanOutput {
  private HumanOutput() {}

  /** Columns padded to their widest cell, separated by three spaces; the last column is not padded. */
  static String table(List<String> header, List<List<String>> rows) {
    int[] w = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> r : all) {
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.max(w[i], cell(r, i).length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (List<String> r : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        String c = cell(r, i);
        line.append(c);
        if (i < w.length - 1) {
          line.append(" ".repeat(w[i] - c.length() + 3));
        }
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }

  private static String cell(List<String> r, int i) {
    return i < r.size() && r.get(i) != null ? r.get(i) : "";
  }

  /** {@code GET /v1/status}: identity and readiness, then peers, then topics with their mesh sizes. */
  static String status(JsonNode s) {
    StringBuilder b = new StringBuilder();
    List<List<String>> head = new ArrayList<>();
    head.add(List.of("PEER ID", text(s.get("peerId"))));
    head.add(List.of("READY", (s.path("ready").asBoolean() ? "yes" : "no") + reason(s.get("readyReason"))));
    head.add(List.of("LIVE", s.path("live").asBoolean() ? "yes" : "no"));
    head.add(List.of("VERSION", text(s.get("version"))));
    head.add(List.of("UPTIME", s.has("uptimeSeconds") ? duration(s.get("uptimeSeconds").asLong()) : "-"));
    List<String> addrs = strings(s.get("addrs"));
    head.add(List.of("ADDRESSES", addrs.isEmpty() ? "-" : addrs.get(0)));
    for (int i = 1; i < addrs.size(); i++) {
      head.add(List.of("", addrs.get(i)));
    }
    JsonNode tr = s.path("traffic");
    if (tr.isObject()) {
      head.add(List.of("TRAFFIC", "published " + tr.path("published").asLong() + ", delivered "
          + tr.path("delivered").asLong() + ", duplicates " + tr.path("duplicates").asLong()
          + ", latency p50 " + ms(tr.get("latencyP50Ms")) + " p99 " + ms(tr.get("latencyP99Ms"))
          + ", dropped " + tr.path("deliveryDropped").asLong()));
    }
    JsonNode disc = s.path("discovery");
    if (disc.isObject() && disc.path("states").size() > 0) {
      List<String> states = new ArrayList<>();
      for (JsonNode st : disc.path("states")) {
        String d = text(st.get("detail"));
        states.add(text(st.get("source")) + " " + text(st.get("state")) + (d.isEmpty() || d.equals("-") ? "" : " (" + d + ")"));
      }
      head.add(List.of("DISCOVERY", disc.path("known").asLong() + " known; " + String.join("; ", states)));
    }
    b.append(table(List.of("", ""), head).lines().skip(1).map(l -> l + "\n").reduce("", String::concat));

    b.append('\n');
    JsonNode peers = s.path("peers");
    if (peers.size() == 0) {
      b.append("No peers connected.\n");
    } else {
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode p : peers) {
        rows.add(List.of(text(p.get("peerId")), text(p.get("direction")), text(p.get("protocol")),
            score(p.get("score")), text(p.get("muxer")), text(p.get("addr"))));
      }
      b.append(table(List.of("PEER", "DIRECTION", "PROTOCOL", "SCORE", "MUXER", "ADDRESS"), rows));
    }

    b.append('\n');
    JsonNode topics = s.path("topics");
    if (topics.size() == 0) {
      b.append("No topics subscribed.\n");
    } else {
      int dlo = s.path("params").path("dlo").asInt(-1);
      int d = s.path("params").path("d").asInt(-1);
      int dhi = s.path("params").path("dhi").asInt(-1);
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : topics) {
        rows.add(List.of(text(t.get("topic")), String.valueOf(t.path("peers").asInt()),
            String.valueOf(t.path("mesh").size()), String.valueOf(t.path("fanout").size()),
            String.valueOf(t.path("messages").asLong())));
      }
      b.append(table(List.of("TOPIC", "PEERS", "MESH", "FANOUT", "MESSAGES"), rows));
      if (d >= 0) {
        b.append("(mesh target: d=").append(d).append(", dlo=").append(dlo).append(", dhi=").append(dhi).append(")\n");
      }
    }
    return b.toString();
  }

  /** {@code GET|PUT /v1/params}: one parameter a row; nested objects as dotted names. */
  static String params(JsonNode p) {
    List<List<String>> rows = new ArrayList<>();
    flatten("", p, rows);
    return table(List.of("PARAMETER", "VALUE"), rows);
  }

  private static void flatten(String prefix, JsonNode n, List<List<String>> rows) {
    if (n == null) {
      return;
    }
    if (n.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), rows);
      }
    } else {
      rows.add(List.of(prefix, n.isTextual() ? n.asText() : n.isNull() ? "-" : n.toString()));
    }
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.asText().isEmpty() ? "-" : n.asText();
  }

  private static String reason(JsonNode n) {
    return n == null || n.isNull() || n.asText().isEmpty() ? "" : " (" + n.asText() + ")";
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null) {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  private static String score(JsonNode n) {
    return n == null || n.isNull() ? "-" : String.format(Locale.ROOT, "%.2f", n.asDouble());
  }

  private static String ms(JsonNode n) {
    return n == null || n.isNull() ? "-" : String.format(Locale.ROOT, "%.1f ms", n.asDouble());
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m" + seconds % 60 + "s";
    }
    if (seconds < 86400) {
      return seconds / 3600 + "h" + seconds % 3600 / 60 + "m";
    }
    return seconds / 86400 + "d" + seconds % 86400 / 3600 + "h";
  }
}
