package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records router events as strings for assertions. */
final class RecordingObserver implements RouterObserver {
  final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void grafted(PeerId peer, String topic, GraftReason reason) {
    events.add("graft " + topic + " " + reason);
  }

  @Override
  public void pruned(PeerId peer, String topic, PruneReason reason) {
    events.add("prune " + topic + " " + reason);
  }

  @Override
  public void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {
    events.add("reject " + reason);
  }

  @Override
  public void duplicate(String topic, MessageId id, PeerId source) {
    events.add("duplicate " + topic);
  }

  @Override
  public void ihaveFlood(PeerId peer) {
    events.add("ihave-flood");
  }

  @Override
  public void graftDuringBackoff(PeerId peer, String topic) {
    events.add("graft-during-backoff " + topic);
  }

  @Override
  public void outboundDropped(PeerId peer, DropReason reason, int count) {
    events.add("drop " + reason);
  }

  @Override
  public void graylisted(PeerId peer) {
    events.add("graylisted");
  }

  long count(String prefix) {
    return events.stream().filter(e -> e.startsWith(prefix)).count();
  }
}
