package io.topicmesh.node.pubsub.wire;

import java.util.List;
import java.util.Objects;

/**
 * One pubsub RPC as the router sees it: immutable, already checked against {@link RpcLimits}. The
 * control part is {@link ControlMessage#EMPTY} when absent.
 */
public record Rpc(List<SubOpts> subscriptions, List<PubsubMessage> publish, ControlMessage control) {
  public static final Rpc EMPTY = new Rpc(List.of(), List.of(), ControlMessage.EMPTY);

  public Rpc {
    subscriptions = List.copyOf(subscriptions);
    publish = List.copyOf(publish);
    control = Objects.requireNonNullElse(control, ControlMessage.EMPTY);
  }

  public static Rpc ofMessages(List<PubsubMessage> messages) {
    return new Rpc(List.of(), messages, ControlMessage.EMPTY);
  }

  public static Rpc ofControl(ControlMessage control) {
    return new Rpc(List.of(), List.of(), control);
  }

  public boolean isEmpty() {
    return subscriptions.isEmpty() && publish.isEmpty() && control.isEmpty();
  }
}
