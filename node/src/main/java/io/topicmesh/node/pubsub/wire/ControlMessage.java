package io.topicmesh.node.pubsub.wire;

import java.util.List;

/** The control part of an RPC (field 3). */
public record ControlMessage(
    List<ControlIHave> ihave,
    List<ControlIWant> iwant,
    List<ControlGraft> graft,
    List<ControlPrune> prune,
    List<ControlIDontWant> idontwant) {
  public static final ControlMessage EMPTY =
      new ControlMessage(List.of(), List.of(), List.of(), List.of(), List.of());

  public ControlMessage {
    ihave = List.copyOf(ihave);
    iwant = List.copyOf(iwant);
    graft = List.copyOf(graft);
    prune = List.copyOf(prune);
    idontwant = List.copyOf(idontwant);
  }

  public boolean isEmpty() {
    return ihave.isEmpty()
        && iwant.isEmpty()
        && graft.isEmpty()
        && prune.isEmpty()
        && idontwant.isEmpty();
  }
}
