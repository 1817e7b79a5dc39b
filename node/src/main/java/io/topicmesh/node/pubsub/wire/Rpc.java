package io.topicmesh.node.pubsub.wire;

import java.util.List;
import java.util.Objects;

/**
 * One pubsub RPC as the router sees it: immutable, already checked against {@link RpcLimits}. The
 * control part is {@link ControlMessage#EMPTY} when absent.
 *
 * @param partial the v1.3 partial-messages part (RPC field 10), or null
 * @param testExtension whether the v1.3 test extension's message (RPC field 6492434) is present
 */
public record Rpc(
    List<SubOpts> subscriptions,
    List<PubsubMessage> publish,
    ControlMessage control,
    PartialMessageRpc partial,
    boolean testExtension) {
  public static final Rpc EMPTY = new Rpc(List.of(), List.of(), ControlMessage.EMPTY);

  public Rpc {
    subscriptions = List.copyOf(subscriptions);
    publish = List.copyOf(publish);
    control = Objects.requireNonNullElse(control, ControlMessage.EMPTY);
  }

  /** An RPC without v1.3 extension parts (what v1.0-v1.2 can carry). */
  public Rpc(List<SubOpts> subscriptions, List<PubsubMessage> publish, ControlMessage control) {
    this(subscriptions, publish, control, null, false);
  }

  public static Rpc ofMessages(List<PubsubMessage> messages) {
    return new Rpc(List.of(), messages, ControlMessage.EMPTY);
  }

  public static Rpc ofControl(ControlMessage control) {
    return new Rpc(List.of(), List.of(), control);
  }

  public static Rpc ofPartial(PartialMessageRpc partial) {
    return new Rpc(List.of(), List.of(), ControlMessage.EMPTY, Objects.requireNonNull(partial), false);
  }

  public static Rpc ofTestExtension() {
    return new Rpc(List.of(), List.of(), ControlMessage.EMPTY, null, true);
  }

  /** The same RPC with {@code extensions} in its control part. */
  public Rpc withExtensions(ControlExtensions extensions) {
    return new Rpc(subscriptions, publish, control.withExtensions(extensions), partial, testExtension);
  }

  public boolean isEmpty() {
    return subscriptions.isEmpty()
        && publish.isEmpty()
        && control.isEmpty()
        && partial == null
        && !testExtension;
  }
}
