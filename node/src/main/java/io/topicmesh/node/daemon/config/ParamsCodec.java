package io.topicmesh.node.daemon.config;

import io.topicmesh.api.ParameterException;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON/YAML form of {@link GossipParams} and {@link PeerScoreThresholds}: the members of {@code
 * /v1/params} and of the config file's {@code params:} and {@code thresholds:}. Every record
 * component is a member, under its own name; durations carry an {@code Ms} suffix ({@code
 * heartbeatIntervalMs}). The members the operator also sets are {@link io.topicmesh.api.GossipSchema#MEMBERS}.
 */
public final class ParamsCodec {
  private ParamsCodec() {}

  /** The members in record order. */
  public static Map<String, Object> toJson(GossipParams p) {
    return toJson((Record) p);
  }

  /** A topic's score parameters as {@code topics[].score} and {@code PUT /v1/topics/{t}} take them. */
  public static Map<String, Object> toJson(io.topicmesh.node.pubsub.router.TopicScoreParams t) {
    return toJson((Record) t);
  }

  /** A topic's mesh degrees as {@code PUT /v1/topics/{t}} takes them ({@code mesh}). */
  public static Map<String, Object> toJson(io.topicmesh.node.pubsub.router.TopicMeshParams t) {
    return toJson((Record) t);
  }

  public static Map<String, Object> toJson(PeerScoreThresholds t) {
    return toJson((Record) t);
  }

  /** Member names that {@link #merge(GossipParams, Map, String)} accepts. */
  public static List<String> names() {
    return List.copyOf(toJson(GossipParams.defaults()).keySet());
  }

  /**
   * {@code base} with the members of {@code changes} replaced, validated as a whole.
   *
   * @param prefix prefix for field names in errors ({@code "params."} or {@code ""})
   * @throws ConfigException naming the member for an unknown name, a wrong type or a broken invariant
   */
  public static GossipParams merge(GossipParams base, Map<String, ?> changes, String prefix) {
    return merge(GossipParams.class, base, changes, prefix);
  }

  public static PeerScoreThresholds merge(PeerScoreThresholds base, Map<String, ?> changes, String prefix) {
    return merge(PeerScoreThresholds.class, base, changes, prefix);
  }

  private static Map<String, Object> toJson(Record r) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v = get(c, r);
      out.put(jsonName(c), v instanceof Duration d ? d.toMillis() : v);
    }
    return out;
  }

  /** {@code base} (any record of int, double, boolean and Duration components) with {@code changes} applied. */
  public static <T extends Record> T merge(Class<T> type, T base, Map<String, ?> changes, String prefix) {
    RecordComponent[] comps = type.getRecordComponents();
    Map<String, RecordComponent> byName = new LinkedHashMap<>();
    for (RecordComponent c : comps) {
      byName.put(jsonName(c), c);
    }
    for (String k : changes.keySet()) {
      if (!byName.containsKey(k)) {
        throw new ConfigException(prefix + k, changes.get(k), "unknown parameter; known: " + String.join(", ", byName.keySet()));
      }
    }
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      RecordComponent c = comps[i];
      types[i] = c.getType();
      String name = jsonName(c);
      args[i] = changes.containsKey(name) ? convert(c.getType(), changes.get(name), prefix + name) : get(c, base);
    }
    try {
      Constructor<T> ctor = type.getDeclaredConstructor(types);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof ParameterException pe) {
        // a record component's name (gossipFactor) or a shared member's wire name (heartbeatIntervalMs)
        String field = pe.field();
        Object value = isComponent(comps, field) ? valueOf(args, comps, field) : pe.value();
        throw new ConfigException(prefix + outName(field, type), value, pe.rule());
      }
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  private static boolean isComponent(RecordComponent[] comps, String field) {
    for (RecordComponent c : comps) {
      if (c.getName().equals(field)) {
        return true;
      }
    }
    return false;
  }

  private static Object valueOf(Object[] args, RecordComponent[] comps, String field) {
    for (int i = 0; i < comps.length; i++) {
      if (comps[i].getName().equals(field)) {
        return args[i] instanceof Duration d ? d.toMillis() : args[i];
      }
    }
    return null;
  }

  private static String outName(String recordField, Class<?> type) {
    for (RecordComponent c : type.getRecordComponents()) {
      if (c.getName().equals(recordField)) {
        return jsonName(c);
      }
    }
    return recordField;
  }

  private static Object convert(Class<?> t, Object v, String field) {
    if (t == int.class) {
      long l = integral(v, field);
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
        throw new ConfigException(field, v, "must be a 32-bit integer");
      }
      return (int) l;
    }
    if (t == double.class) {
      if (v instanceof Number n) {
        return n.doubleValue();
      }
      throw new ConfigException(field, v, "must be a number");
    }
    if (t == boolean.class) {
      if (v instanceof Boolean b) {
        return b;
      }
      throw new ConfigException(field, v, "must be true or false");
    }
    if (t == Duration.class) {
      long ms = integral(v, field);
      if (ms < 0 || ms > 365L * 24 * 3600 * 1000) {
        throw new ConfigException(field, v, "must be milliseconds in [0, one year]");
      }
      return Duration.ofMillis(ms);
    }
    throw new IllegalStateException("unsupported parameter type " + t);
  }

  private static long integral(Object v, String field) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      return ((Number) v).longValue();
    }
    if (v instanceof java.math.BigInteger) {
      throw new ConfigException(field, v, "must be a 32-bit integer");
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e15) {
      return n.longValue();
    }
    throw new ConfigException(field, v, "must be an integer");
  }

  private static String jsonName(RecordComponent c) {
    return c.getType() == Duration.class ? c.getName() + "Ms" : c.getName();
  }

  private static Object get(RecordComponent c, Record r) {
    try {
      return c.getAccessor().invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
