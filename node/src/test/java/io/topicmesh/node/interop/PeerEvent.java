package io.topicmesh.node.interop;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One JSON line printed by an interop peer, e.g. {@code {"event":"ping","peer":"12D3…","rttMs":0.4}}.
 * The field names are the contract in {@code e2e/interop/README.md}.
 *
 * @param seq position of the line in the peer's output, from 0
 * @param fields the parsed object, insertion-ordered and unmodifiable
 * @param line the raw line, for failure messages
 */
public record PeerEvent(long seq, Map<String, Object> fields, String line) {

  public PeerEvent {
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(line, "line");
  }

  /** The event kind: {@code connected}, {@code identify}, {@code message}, {@code error}… */
  public String kind() {
    Object kind = fields.get("event");
    return kind instanceof String s ? s : "";
  }

  /** Whether this is an event of the given kind. */
  public boolean is(String kind) {
    return kind().equals(kind);
  }

  /** Whether this is an event of the given kind whose {@code field} equals {@code value}. */
  public boolean is(String kind, String field, Object value) {
    return is(kind) && Objects.equals(fields.get(field), value);
  }

  public boolean has(String field) {
    return fields.containsKey(field) && fields.get(field) != null;
  }

  /** A string field; fails naming the event when it is absent or not a string. */
  public String string(String field) {
    Object v = fields.get(field);
    if (v instanceof String s) {
      return s;
    }
    throw new IllegalStateException("event has no string field '" + field + "': " + line);
  }

  /** A string field, or null when it is absent or JSON null. */
  public String stringOrNull(String field) {
    Object v = fields.get(field);
    return v instanceof String s ? s : null;
  }

  /** A numeric field as a double. */
  public double number(String field) {
    Object v = fields.get(field);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalStateException("event has no numeric field '" + field + "': " + line);
  }

  public boolean bool(String field) {
    Object v = fields.get(field);
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalStateException("event has no boolean field '" + field + "': " + line);
  }

  /** An array-of-strings field (protocols, listenAddrs, mesh peers…). */
  public List<String> strings(String field) {
    Object v = fields.get(field);
    if (!(v instanceof List<?> list)) {
      throw new IllegalStateException("event has no array field '" + field + "': " + line);
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (!(o instanceof String s)) {
        throw new IllegalStateException("array field '" + field + "' holds a non-string: " + line);
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** An array-of-objects field (the {@code connections} of a {@code peers} event, RPC parts). */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> objects(String field) {
    Object v = fields.get(field);
    if (!(v instanceof List<?> list)) {
      throw new IllegalStateException("event has no array field '" + field + "': " + line);
    }
    for (Object o : list) {
      if (!(o instanceof Map)) {
        throw new IllegalStateException("array field '" + field + "' holds a non-object: " + line);
      }
    }
    return (List<Map<String, Object>>) list;
  }

  /** A base64 field (message data, ids, public keys) decoded. */
  public byte[] bytes(String field) {
    return Base64.getDecoder().decode(string(field));
  }

  @Override
  public String toString() {
    return line;
  }
}
