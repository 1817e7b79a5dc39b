package io.topicmesh.node.pubsub.wire;

import java.util.List;

/**
 * The control part of an RPC (field 3).
 *
 * @param extensions the v1.3 Extensions control message (field 6), or null when absent
 */
public record ControlMessage(
    List<ControlIHave> ihave,
    List<ControlIWant> iwant,
    List<ControlGraft> graft,
    List<ControlPrune> prune,
    List<ControlIDontWant> idontwant,
    ControlExtensions extensions) {
  public static final ControlMessage EMPTY =
      new ControlMessage(List.of(), List.of(), List.of(), List.of(), List.of());

  public ControlMessage {
    ihave = List.copyOf(ihave);
    iwant = List.copyOf(iwant);
    graft = List.copyOf(graft);
    prune = List.copyOf(prune);
    idontwant = List.copyOf(idontwant);
  }

  /** A control part without the v1.3 Extensions message. */
  public ControlMessage(
      List<ControlIHave> ihave,
      List<ControlIWant> iwant,
      List<ControlGraft> graft,
      List<ControlPrune> prune,
      List<ControlIDontWant> idontwant) {
    this(ihave, iwant, graft, prune, idontwant, null);
  }

  public ControlMessage withExtensions(ControlExtensions e) {
    return new ControlMessage(ihave, iwant, graft, prune, idontwant, e);
  }

  public boolean isEmpty() {
    return ihave.isEmpty()
        && iwant.isEmpty()
        && graft.isEmpty()
        && prune.isEmpty()
        && idontwant.isEmpty()
        && extensions == null;
  }
}
