package io.topicmesh.node.pubsub.router.partial;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.lock.WarnLimiter;
import io.topicmesh.node.pubsub.wire.PartialMessageRpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partial-messages extension (libp2p specs, pubsub/gossipsub/partial-messages.md) for one
 * router: which topics we request or support partial messages on, what each peer announced in its
 * SubOpts, the groups we hold (parts, per-peer view of what the peer has), and the exchange itself.
 *
 * <p>Exchange, per group and peer (parts and metadata encoded by {@link IndexedParts}):
 *
 * <ul>
 *   <li>our parts metadata ("what I have", hence what I want) goes to every mesh peer, and every
 *       peer we exchanged with on the group, that supports sending partial messages, each time it
 *       changes;
 *   <li>parts go only to peers that requested partial messages, and only those the peer lacks
 *       according to its last metadata and what it sent us; a peer whose metadata we have not seen
 *       gets every part we hold (eager push);
 *   <li>received parts are handed to the application ({@link PartialEvent}), once complete with the
 *       assembled message, and passed on the same way;
 *   <li>heartbeat: groups expire {@link PartialLimits#groupTtlHeartbeats()} after their last activity,
 *       and our metadata is gossiped to a few topic peers outside the mesh that request partials.
 * </ul>
 *
 * Full messages are not sent to a peer that requested partial messages on a topic we support them
 * on, and IDONTWANT is not sent to a peer we take partial messages from (as go-libp2p-pubsub).
 *
 * <p>Public methods without {@code on} prefix are the application API; they take the router mutex.
 * The {@code on…}/{@code skip…}/{@link #subOpts} hooks are the router's and run under its mutex.
 * Bad input from the network (undecodable parts or metadata, a group beyond a bound, a topic we do
 * not take partials on) drops that RPC with one rate-limited log line; the connection stays up.
 */
public final class PartialMessages {
  private static final Logger log = LoggerFactory.getLogger(PartialMessages.class);
  private static final long DROP_LOG_INTERVAL_NANOS = 10_000_000_000L;

  /** What the router lends the extension. All calls happen under the router mutex. */
  public interface Host {
    Set<PeerId> meshPeers(String topic);

    Set<PeerId> topicPeers(String topic);

    /** Both sides advertised partial messages in their Extensions control message. */
    boolean extensionWith(PeerId peer);

    /** Queues one partial RPC to {@code peer}. */
    void send(PeerId peer, PartialMessageRpc rpc);

    /** Our subscription options for {@code topic} changed: re-announce them if subscribed. */
    void announce(String topic);

    /** Runs {@code listener} with {@code event} on the delivery executor. */
    void deliver(Consumer<PartialEvent> listener, PartialEvent event);
  }

  /** Topics per peer whose partial flags we keep. */
  static final int MAX_FLAGGED_TOPICS_PER_PEER = 1024;

  private static final int REQUESTS = 1;
  private static final int SUPPORTS = 2;

  private record TopicMode(PartialMode mode, Consumer<PartialEvent> listener) {}

  /** What we believe one peer has of one group, and what we last told it. */
  private static final class PeerView {
    BitSet has; // null until the peer sent metadata or parts, or we sent it parts
    ByteString metadataSent;
  }

  private static final class Group {
    final String topic;
    final ByteString id;
    int total; // 0: not known yet
    final TreeMap<Integer, ByteString> parts = new TreeMap<>();
    long bytes;
    PeerId initiatedBy; // null: ours
    int ttl;
    boolean assembledDelivered;
    final Map<PeerId, PeerView> peers = new LinkedHashMap<>();

    Group(String topic, ByteString id) {
      this.topic = topic;
      this.id = id;
    }

    BitSet have() {
      BitSet b = new BitSet();
      parts.keySet().forEach(b::set);
      return b;
    }

    boolean complete() {
      return total > 0 && parts.size() == total;
    }

    ByteString assemble() {
      ByteString out = ByteString.EMPTY;
      for (ByteString p : parts.values()) {
        out = out.concat(p);
      }
      return out;
    }
  }

  private record GroupKey(String topic, ByteString id) {}

  private final boolean enabled;
  private final PartialLimits limits;
  private final RouterMutex mutex;
  private final Host host;
  private final LongSupplier nanoTime;
  private final WarnLimiter dropLog = new WarnLimiter(DROP_LOG_INTERVAL_NANOS);
  private final AtomicLong dropped = new AtomicLong();

  private final Map<String, TopicMode> modes = new HashMap<>();
  private final Map<PeerId, Map<String, Integer>> peerFlags = new HashMap<>();
  private final LinkedHashMap<GroupKey, Group> groups = new LinkedHashMap<>();
  private final Map<String, Map<PeerId, Integer>> peerInitiated = new HashMap<>();
  private long totalBytes;

  public PartialMessages(boolean enabled, PartialLimits limits, RouterMutex mutex, Host host, LongSupplier nanoTime) {
    this.enabled = enabled;
    this.limits = Objects.requireNonNull(limits);
    this.mutex = Objects.requireNonNull(mutex);
    this.host = Objects.requireNonNull(host);
    this.nanoTime = Objects.requireNonNull(nanoTime);
  }

  /** Whether this router advertises the extension (its Extensions control message). */
  public boolean enabled() {
    return enabled;
  }

  public PartialLimits limits() {
    return limits;
  }

  // =========================================================================================
  // Application API
  // =========================================================================================

  /**
   * Takes part in partial messages on {@code topic}: {@code mode} goes out in our SubOpts (now, if
   * subscribed, and with every later subscription), and {@code listener} gets every partial
   * message that arrives on the topic, on the delivery executor.
   *
   * @throws IllegalStateException when the router was built without partial messages
   */
  public void enable(String topic, PartialMode mode, Consumer<PartialEvent> listener) {
    Objects.requireNonNull(topic);
    Objects.requireNonNull(mode);
    Objects.requireNonNull(listener);
    requireEnabled();
    try (var l = mutex.lock("partialEnable")) {
      TopicMode old = modes.put(topic, new TopicMode(mode, listener));
      if (old == null || old.mode != mode) {
        host.announce(topic);
      }
    }
  }

  /** Stops partial messages on {@code topic}: drops its groups and announces plain SubOpts. */
  public void disable(String topic) {
    try (var l = mutex.lock("partialDisable")) {
      if (modes.remove(topic) != null) {
        groups.values().removeIf(g -> {
          if (g.topic.equals(topic)) {
            forget(g);
            return true;
          }
          return false;
        });
        peerInitiated.remove(topic);
        host.announce(topic);
      }
    }
  }

  /** The mode we announced for {@code topic}, if any. */
  public Optional<PartialMode> mode(String topic) {
    try (var l = mutex.lock("partialMode")) {
      TopicMode m = modes.get(topic);
      return m == null ? Optional.empty() : Optional.of(m.mode);
    }
  }

  /**
   * Publishes parts of the group {@code groupId} on {@code topic}: adds them to the parts we hold
   * (a later publish may add more), then sends every mesh peer what it lacks and our metadata.
   * Never blocks. Fails the future with {@link IllegalArgumentException} for a total or index out of
   * range or a group over its byte bound, {@link IllegalStateException} when the topic is not
   * enabled or the total byte bound is reached.
   */
  public CompletableFuture<PartialPublishResult> publish(
      String topic, ByteString groupId, int totalParts, Map<Integer, ByteString> parts) {
    return run("partialPublish", topic, groupId, totalParts, Map.copyOf(parts), false);
  }

  /**
   * Asks for the parts of {@code groupId} we miss: (re)sends our parts metadata to every mesh peer
   * (and every peer we exchanged with on the group) that supports sending partial messages. Creates
   * the group, empty, when we hold none of it. Never blocks.
   */
  public CompletableFuture<PartialPublishResult> request(String topic, ByteString groupId, int totalParts) {
    return run("partialRequest", topic, groupId, totalParts, Map.of(), true);
  }

  private CompletableFuture<PartialPublishResult> run(String name, String topic, ByteString groupId, int total,
      Map<Integer, ByteString> parts, boolean resendMetadata) {
    Objects.requireNonNull(topic);
    Objects.requireNonNull(groupId);
    CompletableFuture<PartialPublishResult> f = new CompletableFuture<>();
    mutex.execute(name, () -> {
      try {
        PartialPublishResult r = doPublish(topic, groupId, total, parts, resendMetadata);
        mutex.afterRelease(() -> f.complete(r));
      } catch (RuntimeException e) {
        mutex.afterRelease(() -> f.completeExceptionally(e));
      }
    });
    return f;
  }

  /** A snapshot of one group, if held. */
  public Optional<PartialGroupView> group(String topic, ByteString groupId) {
    try (var l = mutex.lock("partialGroup")) {
      Group g = groups.get(new GroupKey(topic, groupId));
      return g == null ? Optional.empty() : Optional.of(view(g));
    }
  }

  /** Snapshots of the groups held on {@code topic}, oldest first. */
  public List<PartialGroupView> groups(String topic) {
    try (var l = mutex.lock("partialGroups")) {
      List<PartialGroupView> out = new ArrayList<>();
      for (Group g : groups.values()) {
        if (g.topic.equals(topic)) {
          out.add(view(g));
        }
      }
      return out;
    }
  }

  /** Partial RPCs from peers dropped as bad or over a bound, since start. */
  public long dropped() {
    return dropped.get();
  }

  // =========================================================================================
  // Router hooks (under the router mutex)
  // =========================================================================================

  /** Our SubOpts for {@code topic}: with the partial flags of its mode on a subscribe. */
  public SubOpts subOpts(String topic, boolean subscribe) {
    TopicMode m = enabled && subscribe ? modes.get(topic) : null;
    if (m == null) {
      return new SubOpts(subscribe, topic);
    }
    return new SubOpts(true, topic, m.mode.requests(), true);
  }

  /** A peer's SubOpts: records its partial flags (the decoder already cleared them on unsubscribe). */
  public void onSubscription(PeerId peer, SubOpts s) {
    if (!s.subscribe() || !(s.requestsPartial() || s.supportsSendingPartial())) {
      Map<String, Integer> m = peerFlags.get(peer);
      if (m != null) {
        m.remove(s.topic());
        if (m.isEmpty()) {
          peerFlags.remove(peer);
        }
      }
      return;
    }
    Map<String, Integer> m = peerFlags.computeIfAbsent(peer, k -> new HashMap<>());
    if (!m.containsKey(s.topic()) && m.size() >= MAX_FLAGGED_TOPICS_PER_PEER) {
      drop(peer, s.topic(), "partial flags on more than " + MAX_FLAGGED_TOPICS_PER_PEER + " topics");
      return;
    }
    m.put(s.topic(), (s.requestsPartial() ? REQUESTS : 0) | SUPPORTS);
  }

  public void onPeerRemoved(PeerId peer) {
    peerFlags.remove(peer);
    for (Group g : groups.values()) {
      g.peers.remove(peer);
    }
    for (Map<PeerId, Integer> m : peerInitiated.values()) {
      m.remove(peer);
    }
  }

  /** Whether a full message on {@code topic} must not go to {@code peer} (it gets partials). */
  public boolean skipFullMessage(PeerId peer, String topic) {
    return enabled && modes.containsKey(topic) && peerRequests(peer, topic) && host.extensionWith(peer);
  }

  /** Whether IDONTWANT on {@code topic} must not go to {@code peer} (we take partials from it). */
  public boolean skipIdontwant(PeerId peer, String topic) {
    if (!enabled) {
      return false; // the common case: no look-up per mesh peer and message
    }
    TopicMode m = modes.get(topic);
    return m != null && m.mode.requests() && peerSupports(peer, topic) && host.extensionWith(peer);
  }

  /** A partial RPC (RPC field 10) from {@code from}. */
  public void onRpc(PeerId from, PartialMessageRpc rpc) {
    mutex.checkHeld();
    if (!enabled || !host.extensionWith(from)) {
      drop(from, rpc.topic(), "partial RPC without both sides advertising the extension");
      return;
    }
    TopicMode mode = modes.get(rpc.topic());
    if (mode == null) {
      drop(from, rpc.topic(), "partial messages are not enabled on the topic");
      return;
    }
    if (rpc.groupId().isEmpty() || rpc.groupId().size() > limits.maxGroupIdBytes()) {
      drop(from, rpc.topic(), "group id of " + rpc.groupId().size() + " bytes (1.." + limits.maxGroupIdBytes() + ")");
      return;
    }
    IndexedParts.Metadata meta = null;
    IndexedParts.Parts parts = null;
    try {
      if (rpc.partsMetadata() != null) {
        meta = IndexedParts.decodeMetadata(rpc.partsMetadata(), limits.maxPartsPerGroup());
      }
      if (rpc.partialMessage() != null) {
        if (!mode.mode.requests()) {
          drop(from, rpc.topic(), "partial message data although we did not request partials (ignored)");
        } else {
          parts = IndexedParts.decodeParts(rpc.partialMessage(), limits.maxPartsPerGroup(), limits.maxGroupBytes());
        }
      }
    } catch (PartialDecodeException e) {
      drop(from, rpc.topic(), e.getMessage());
      return;
    }
    if (meta != null && parts != null && meta.total() != parts.total()) {
      drop(from, rpc.topic(), "metadata says " + meta.total() + " parts, the partial message " + parts.total());
      return;
    }
    if (meta == null && parts == null) {
      return;
    }
    int total = meta != null ? meta.total() : parts.total();
    GroupKey key = new GroupKey(rpc.topic(), rpc.groupId());
    Group g = groups.get(key);
    if (g == null) {
      String refusal = peerInitiatedRefusal(from, rpc.topic());
      if (refusal != null) {
        drop(from, rpc.topic(), refusal);
        return;
      }
      g = new Group(rpc.topic(), rpc.groupId());
      g.initiatedBy = from;
      g.total = total;
      g.ttl = limits.groupTtlHeartbeats();
      groups.put(key, g);
      peerInitiated.computeIfAbsent(rpc.topic(), k -> new HashMap<>()).merge(from, 1, Integer::sum);
    } else if (g.total != total) {
      drop(from, rpc.topic(), "group has " + g.total + " parts, the peer says " + total);
      return;
    }
    PeerView v = g.peers.computeIfAbsent(from, k -> new PeerView());
    if (meta != null) {
      v.has = (BitSet) meta.have().clone(); // a later metadata replaces a prior one
    }
    List<Integer> fresh = new ArrayList<>();
    if (parts != null) {
      if (v.has == null) {
        v.has = new BitSet();
      }
      for (Map.Entry<Integer, ByteString> e : parts.parts().entrySet()) {
        v.has.set(e.getKey()); // it sent the part, so it has it
        if (g.parts.containsKey(e.getKey())) {
          continue;
        }
        long size = e.getValue().size();
        if (g.bytes + size > limits.maxGroupBytes() || totalBytes + size > limits.maxTotalBytes()) {
          drop(from, rpc.topic(), "parts beyond the byte bound (group " + g.bytes + "/" + limits.maxGroupBytes()
              + ", all groups " + totalBytes + "/" + limits.maxTotalBytes() + ")");
          break;
        }
        g.parts.put(e.getKey(), e.getValue());
        g.bytes += size;
        totalBytes += size;
        fresh.add(e.getKey());
      }
    }
    if (!fresh.isEmpty()) {
      g.ttl = limits.groupTtlHeartbeats();
      ByteString assembled = null;
      if (g.complete() && !g.assembledDelivered) {
        g.assembledDelivered = true;
        assembled = g.assemble();
      }
      host.deliver(mode.listener,
          new PartialEvent(g.topic, g.id, from, fresh, g.parts.size(), g.total, assembled));
    }
    propagate(g);
  }

  /** Heartbeat: expires idle groups and gossips our metadata to a few non-mesh partial peers. */
  public void onHeartbeat() {
    mutex.checkHeld();
    for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
      Group g = it.next();
      if (--g.ttl <= 0) {
        forget(g);
        it.remove();
      }
    }
    for (Group g : groups.values()) {
      if (g.initiatedBy == null && !g.parts.isEmpty()) {
        gossip(g);
      }
    }
  }

  // =========================================================================================
  // Internals
  // =========================================================================================

  private PartialPublishResult doPublish(
      String topic, ByteString groupId, int total, Map<Integer, ByteString> parts, boolean resendMetadata) {
    requireEnabled();
    if (!modes.containsKey(topic)) {
      throw new IllegalStateException("partial messages are not enabled on topic " + topic);
    }
    if (groupId.isEmpty() || groupId.size() > limits.maxGroupIdBytes()) {
      throw new IllegalArgumentException("group id must have 1.." + limits.maxGroupIdBytes()
          + " bytes, got " + groupId.size());
    }
    if (total <= 0 || total > limits.maxPartsPerGroup()) {
      throw new IllegalArgumentException("total parts must be 1.." + limits.maxPartsPerGroup() + ", got " + total);
    }
    long size = 0;
    for (Map.Entry<Integer, ByteString> e : parts.entrySet()) {
      if (e.getKey() < 0 || e.getKey() >= total) {
        throw new IllegalArgumentException("part index " + e.getKey() + " outside 0.." + (total - 1));
      }
      size += e.getValue().size();
    }
    GroupKey key = new GroupKey(topic, groupId);
    Group g = groups.get(key);
    if (g != null && g.total != total) {
      throw new IllegalArgumentException("group has " + g.total + " parts, not " + total);
    }
    long added = 0;
    for (Map.Entry<Integer, ByteString> e : parts.entrySet()) {
      if (g == null || !g.parts.containsKey(e.getKey())) {
        added += e.getValue().size();
      }
    }
    long groupBytes = (g == null ? 0 : g.bytes) + added;
    if (groupBytes > limits.maxGroupBytes()) {
      throw new IllegalArgumentException("group would hold " + groupBytes + " bytes, more than maxGroupBytes "
          + limits.maxGroupBytes());
    }
    if (g == null) {
      while (groups.size() >= limits.maxGroups()) {
        Group oldest = groups.values().iterator().next();
        log.info("partial messages: group {} on {} evicted, {} groups held (maxGroups)",
            hex(oldest.id), oldest.topic, groups.size());
        forget(oldest);
        groups.remove(new GroupKey(oldest.topic, oldest.id));
      }
    }
    if (totalBytes + added > limits.maxTotalBytes()) {
      throw new IllegalStateException("partial messages hold " + totalBytes + " bytes; " + added
          + " more exceed maxTotalBytes " + limits.maxTotalBytes());
    }
    if (g == null) {
      g = new Group(topic, groupId);
      g.total = total;
      groups.put(key, g);
    } else if (g.initiatedBy != null) {
      Map<PeerId, Integer> m = peerInitiated.get(topic);
      decrement(m, g.initiatedBy);
      g.initiatedBy = null;
    }
    for (Map.Entry<Integer, ByteString> e : new TreeMap<>(parts).entrySet()) {
      if (g.parts.putIfAbsent(e.getKey(), e.getValue()) == null) {
        g.bytes += e.getValue().size();
        totalBytes += e.getValue().size();
      }
    }
    if (g.complete()) {
      g.assembledDelivered = true; // we published it whole: nothing to hand back to ourselves
    }
    g.ttl = limits.groupTtlHeartbeats();
    if (resendMetadata) {
      g.peers.values().forEach(v -> v.metadataSent = null);
    }
    int sent = propagate(g);
    return new PartialPublishResult(g.parts.size(), g.total, sent);
  }

  /**
   * Sends each candidate peer (mesh peers and peers we exchanged with on the group) the parts it
   * lacks, if it requested partials, and our metadata if it changed since we last told it.
   */
  private int propagate(Group g) {
    TopicMode mode = modes.get(g.topic);
    if (mode == null) {
      return 0;
    }
    Set<PeerId> candidates = new LinkedHashSet<>();
    // a peer's group we hold nothing of is answered to the peers we exchanged with only: telling
    // the whole mesh "I have nothing" about every group a peer names would fan out empty metadata
    if (g.initiatedBy == null || !g.parts.isEmpty()) {
      candidates.addAll(host.meshPeers(g.topic));
    }
    candidates.addAll(g.peers.keySet());
    BitSet have = g.have();
    ByteString metadata = IndexedParts.encodeMetadata(g.total, have);
    int sent = 0;
    for (PeerId p : candidates) {
      if (!host.extensionWith(p) || !peerSupports(p, g.topic)) {
        continue;
      }
      PeerView v = g.peers.computeIfAbsent(p, k -> new PeerView());
      ByteString data = null;
      if (peerRequests(p, g.topic)) {
        SortedMap<Integer, ByteString> lack = new TreeMap<>();
        for (Map.Entry<Integer, ByteString> e : g.parts.entrySet()) {
          if (v.has == null || !v.has.get(e.getKey())) {
            lack.put(e.getKey(), e.getValue());
          }
        }
        if (!lack.isEmpty()) {
          data = IndexedParts.encodeParts(g.total, lack);
          if (v.has == null) {
            v.has = new BitSet();
          }
          lack.keySet().forEach(v.has::set);
        }
      }
      ByteString md = metadata.equals(v.metadataSent) ? null : metadata;
      if (data == null && md == null) {
        continue;
      }
      v.metadataSent = metadata;
      host.send(p, new PartialMessageRpc(g.topic, g.id, data, md));
      sent++;
    }
    return sent;
  }

  /** Heartbeat gossip: our metadata to topic peers outside the mesh that request partials. */
  private void gossip(Group g) {
    Set<PeerId> mesh = host.meshPeers(g.topic);
    Set<PeerId> to = new LinkedHashSet<>();
    for (PeerId p : host.topicPeers(g.topic)) {
      if (to.size() >= limits.gossipPeersPerGroup()) {
        break;
      }
      if (!mesh.contains(p) && !g.peers.containsKey(p) && peerRequests(p, g.topic) && host.extensionWith(p)) {
        to.add(p);
      }
    }
    if (to.isEmpty()) {
      return;
    }
    ByteString metadata = IndexedParts.encodeMetadata(g.total, g.have());
    for (PeerId p : to) {
      PeerView v = new PeerView();
      v.metadataSent = metadata;
      g.peers.put(p, v);
      host.send(p, new PartialMessageRpc(g.topic, g.id, null, metadata));
    }
  }

  private String peerInitiatedRefusal(PeerId from, String topic) {
    if (groups.size() >= limits.maxGroups()) {
      return "a new group beyond maxGroups " + limits.maxGroups();
    }
    Map<PeerId, Integer> m = peerInitiated.getOrDefault(topic, Map.of());
    int onTopic = m.values().stream().mapToInt(Integer::intValue).sum();
    if (onTopic >= limits.maxPeerInitiatedGroupsPerTopic()) {
      return "a new group beyond " + limits.maxPeerInitiatedGroupsPerTopic() + " peer-initiated groups on the topic";
    }
    if (m.getOrDefault(from, 0) >= limits.maxPeerInitiatedGroupsPerPeer()) {
      return "a new group beyond " + limits.maxPeerInitiatedGroupsPerPeer() + " groups initiated by this peer";
    }
    return null;
  }

  private void forget(Group g) {
    totalBytes -= g.bytes;
    if (g.initiatedBy != null) {
      decrement(peerInitiated.get(g.topic), g.initiatedBy);
    }
  }

  private static void decrement(Map<PeerId, Integer> m, PeerId p) {
    if (m != null) {
      m.computeIfPresent(p, (k, n) -> n <= 1 ? null : n - 1);
    }
  }

  private boolean peerRequests(PeerId peer, String topic) {
    Map<String, Integer> m = peerFlags.get(peer);
    Integer f = m == null ? null : m.get(topic);
    return f != null && (f & REQUESTS) != 0;
  }

  private boolean peerSupports(PeerId peer, String topic) {
    Map<String, Integer> m = peerFlags.get(peer);
    Integer f = m == null ? null : m.get(topic);
    return f != null && (f & SUPPORTS) != 0;
  }

  private PartialGroupView view(Group g) {
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < g.total; i++) {
      if (!g.parts.containsKey(i)) {
        missing.add(i);
      }
    }
    return new PartialGroupView(g.topic, g.id, g.total, List.copyOf(g.parts.keySet()), missing, g.bytes,
        g.initiatedBy == null, g.complete() ? g.assemble() : null);
  }

  private void requireEnabled() {
    if (!enabled) {
      throw new IllegalStateException("partial messages are off: build the router with partialMessages(true)");
    }
  }

  private void drop(PeerId from, String topic, String why) {
    long n = dropped.incrementAndGet();
    long suppressed = dropLog.admit(why.length() > 40 ? why.substring(0, 40) : why, nanoTime.getAsLong());
    if (suppressed != WarnLimiter.SUPPRESSED) {
      log.warn("partial messages: dropped RPC from {} on topic {}: {} ({} dropped in all, {} similar suppressed)",
          from, topic, why, n, suppressed);
    }
  }

  private static String hex(ByteString b) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < Math.min(b.size(), 16); i++) {
      s.append(String.format("%02x", b.byteAt(i)));
    }
    return b.size() > 16 ? s + "…" : s.toString();
  }
}
