package io.topicmesh.node.pubsub.router;

import java.util.Collections;
import java.util.TreeMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Some messages of a batch ({@link GossipRouter#publishBatch}) were refused; the others were
 * published. {@link #failures()} holds each refused message's cause by its index in the batch,
 * normally a {@link PublishException} with the reason.
 */
public final class BatchPublishException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int size;
  private final int published;
  private final transient Map<Integer, Throwable> failures;

  public BatchPublishException(int size, int published, Map<Integer, Throwable> failures) {
    super(failures.size() + " of " + size + " messages not published ("
        + new TreeMap<>(failures).entrySet().stream().map(e -> "message " + e.getKey() + ": " + describe(e.getValue()))
            .collect(Collectors.joining("; "))
        + (published > 0 ? "); the others were published" : ")"));
    this.size = size;
    this.published = published;
    this.failures = Collections.unmodifiableMap(new TreeMap<>(failures));
  }

  private static String describe(Throwable t) {
    return t instanceof PublishException p ? p.reason() + " " + p.getMessage() : String.valueOf(t);
  }

  /** Messages in the batch. */
  public int size() {
    return size;
  }

  /** How many messages of the batch were published. */
  public int published() {
    return published;
  }

  /** The refused messages' causes by index, in batch order. */
  public Map<Integer, Throwable> failures() {
    return failures;
  }
}
