package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.net.PeerSession.Close;
import io.topicmesh.node.pubsub.net.PeerSession.ConnectionChanged;
import io.topicmesh.node.pubsub.net.PeerSession.Event;
import io.topicmesh.node.pubsub.net.PeerSession.Identified;
import io.topicmesh.node.pubsub.net.PeerSession.InboundClosed;
import io.topicmesh.node.pubsub.net.PeerSession.InboundOpened;
import io.topicmesh.node.pubsub.net.PeerSession.OutboundClosed;
import io.topicmesh.node.pubsub.net.PeerSession.RetryDue;
import io.topicmesh.node.pubsub.net.PeerSession.RouterDropped;
import io.topicmesh.node.pubsub.net.PeerSession.State;
import io.topicmesh.node.pubsub.net.PeerSession.StreamFailed;
import io.topicmesh.node.pubsub.net.PeerSession.StreamOpened;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session's transition function on its own: connections and streams are names, effects are
 * recorded as lines. Connection names order like their initiators' peer ids (the duplicate rule:
 * the smaller one wins).
 */
class PeerSessionTest {
  private static final Duration BACKOFF = Duration.ofMillis(100);

  /** A world for one session: the host's kept connection, identify, what is closed, what was done. */
  static final class Fx implements PeerSession.Effects<String, String> {
    String kept;
    boolean speaks;
    final Set<String> dead = new HashSet<>();
    final List<String> did = new ArrayList<>();

    @Override
    public String keptConnection() {
      return kept == null || dead.contains(kept) ? null : kept;
    }

    @Override
    public boolean speaksPubsub() {
      return speaks;
    }

    @Override
    public boolean isOpen(String conn) {
      return !dead.contains(conn);
    }

    @Override
    public boolean isActive(String stream) {
      return !dead.contains(stream);
    }

    @Override
    public boolean losesTo(String conn, String kept) {
      return conn.compareTo(kept) >= 0;
    }

    @Override
    public void openStream(String conn, int attempt) {
      did.add("open " + conn + "#" + attempt);
    }

    @Override
    public void addPeer(String conn, String stream) {
      did.add("addPeer " + conn + " " + stream);
    }

    @Override
    public void removePeer() {
      did.add("removePeer");
    }

    @Override
    public void inboundReady(String inbound, boolean ready) {
      did.add("ready " + inbound + " " + ready);
    }

    @Override
    public void closeStream(String stream) {
      did.add("closeStream " + stream);
      dead.add(stream);
    }

    @Override
    public void closeConnection(String conn) {
      did.add("closeConn " + conn);
    }

    @Override
    public void scheduleRetry(String conn, int attempt, Duration delay) {
      did.add("retry " + conn + "#" + attempt + " " + delay.toMillis() + "ms");
    }

    @Override
    public void ended() {
      did.add("ended");
    }
  }

  /** Where a row starts; every one is reached through the transition function itself. */
  enum Given {
    /** No connection; an inbound stream in0 on the unannounced connection X. */
    IDLE,
    /** Bound to B, open B#1 in flight. */
    OPENING,
    /** Bound to B, our stream out1 up. */
    ACTIVE,
    /** Bound to B, open B#1 failed, retry scheduled. */
    RETRY_WAIT,
    /** Bound to B, both opens (of 2) failed, identify has not listed pubsub. */
    GAVE_UP,
    /** As GAVE_UP, but identify lists pubsub: the connection was closed. */
    GAVE_UP_CLOSING,
    /** Was ACTIVE on B, then the network closed. */
    CLOSED
  }

  private static PeerSession<String, String> session(Fx fx) {
    return new PeerSession<>("peer", fx, 2, BACKOFF);
  }

  static PeerSession<String, String> reach(Given g, Fx fx) {
    PeerSession<String, String> s = session(fx);
    if (g == Given.IDLE) {
      s.on(new InboundOpened<>("X", "in0"));
      assertThat(s.state()).isEqualTo(State.IDLE);
      fx.did.clear();
      return s;
    }
    fx.kept = "B";
    s.on(new ConnectionChanged());
    switch (g) {
      case OPENING -> { }
      case ACTIVE -> s.on(new StreamOpened<>("B", 1, "out1"));
      case RETRY_WAIT -> s.on(new StreamFailed<>("B", 1, "refused"));
      case GAVE_UP, GAVE_UP_CLOSING -> {
        fx.speaks = g == Given.GAVE_UP_CLOSING;
        s.on(new StreamFailed<>("B", 1, "refused"));
        s.on(new RetryDue<>("B", 1));
        s.on(new StreamFailed<>("B", 2, "refused"));
      }
      case CLOSED -> {
        s.on(new StreamOpened<>("B", 1, "out1"));
        s.on(new Close());
      }
      default -> throw new AssertionError(g);
    }
    assertThat(s.state().name()).isEqualTo(g == Given.GAVE_UP_CLOSING ? "GAVE_UP" : g.name());
    fx.did.clear();
    return s;
  }

  private static Consumer<Fx> keep(String conn) {
    return fx -> fx.kept = conn;
  }

  private static final Consumer<Fx> SAME = fx -> { };

  private static Arguments row(Given given, Consumer<Fx> world, Event e, State expected, String... did) {
    return Arguments.of(given, world, e, expected, List.of(did), true);
  }

  private static Arguments unhandled(Given given, Event e) {
    return Arguments.of(given, SAME, e, State.CLOSED, List.of(), false);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // IDLE: no connection, inbound in0 on X
        row(Given.IDLE, SAME, new ConnectionChanged(), State.IDLE),
        row(Given.IDLE, keep("B"), new ConnectionChanged(), State.OPENING, "open B#1"),
        row(Given.IDLE, SAME, new InboundClosed<>("in0"), State.CLOSED, "ended"),
        row(Given.IDLE, SAME, new InboundOpened<>("X", "in1"), State.IDLE, "closeStream in0", "ready in1 false"),
        row(Given.IDLE, SAME, new StreamOpened<>("B", 1, "late"), State.IDLE, "closeStream late"),
        row(Given.IDLE, SAME, new Identified(), State.IDLE),
        row(Given.IDLE, SAME, new Close(), State.CLOSED, "closeStream in0", "ended"),
        // OPENING on B
        row(Given.OPENING, SAME, new ConnectionChanged(), State.OPENING),
        row(Given.OPENING, SAME, new StreamOpened<>("B", 1, "out1"), State.ACTIVE, "addPeer B out1"),
        row(Given.OPENING, fx -> fx.dead.add("out1"), new StreamOpened<>("B", 1, "out1"), State.RETRY_WAIT,
            "retry B#1 100ms"),
        row(Given.OPENING, SAME, new StreamOpened<>("A", 1, "outA"), State.OPENING, "closeStream outA"),
        row(Given.OPENING, SAME, new StreamOpened<>("B", 2, "out2"), State.OPENING, "closeStream out2"),
        row(Given.OPENING, SAME, new StreamFailed<>("B", 1, "na"), State.RETRY_WAIT, "retry B#1 100ms"),
        row(Given.OPENING, SAME, new StreamFailed<>("A", 1, "na"), State.OPENING),
        row(Given.OPENING, keep("C"), new ConnectionChanged(), State.OPENING, "open C#1"),
        row(Given.OPENING, keep(null), new ConnectionChanged(), State.CLOSED, "ended"),
        row(Given.OPENING, SAME, new InboundOpened<>("B", "in1"), State.OPENING, "ready in1 false"),
        row(Given.OPENING, SAME, new RetryDue<>("B", 1), State.OPENING),
        row(Given.OPENING, SAME, new Close(), State.CLOSED, "ended"),
        // ACTIVE on B with out1
        row(Given.ACTIVE, SAME, new ConnectionChanged(), State.ACTIVE),
        row(Given.ACTIVE, keep("C"), new ConnectionChanged(), State.OPENING, "removePeer", "closeStream out1",
            "open C#1"),
        row(Given.ACTIVE, keep(null), new ConnectionChanged(), State.CLOSED, "removePeer", "closeStream out1",
            "ended"),
        row(Given.ACTIVE, SAME, new OutboundClosed<>("out1"), State.RETRY_WAIT, "removePeer", "retry B#1 100ms"),
        row(Given.ACTIVE, SAME, new OutboundClosed<>("old"), State.ACTIVE),
        row(Given.ACTIVE, SAME, new RouterDropped<>("out1", "slow"), State.GAVE_UP, "removePeer",
            "closeStream out1", "closeConn B"),
        row(Given.ACTIVE, SAME, new RouterDropped<>("old", "slow"), State.ACTIVE),
        row(Given.ACTIVE, SAME, new InboundOpened<>("B", "in1"), State.ACTIVE, "ready in1 true"),
        row(Given.ACTIVE, SAME, new Identified(), State.ACTIVE),
        row(Given.ACTIVE, SAME, new RetryDue<>("B", 1), State.ACTIVE),
        row(Given.ACTIVE, SAME, new StreamOpened<>("B", 1, "again"), State.ACTIVE, "closeStream again"),
        row(Given.ACTIVE, SAME, new Close(), State.CLOSED, "removePeer", "closeStream out1", "ended"),
        // RETRY_WAIT after B#1 failed
        row(Given.RETRY_WAIT, SAME, new RetryDue<>("B", 1), State.OPENING, "open B#2"),
        row(Given.RETRY_WAIT, SAME, new RetryDue<>("A", 1), State.RETRY_WAIT),
        row(Given.RETRY_WAIT, SAME, new StreamOpened<>("B", 1, "late"), State.RETRY_WAIT, "closeStream late"),
        row(Given.RETRY_WAIT, SAME, new Identified(), State.RETRY_WAIT),
        row(Given.RETRY_WAIT, keep("C"), new ConnectionChanged(), State.OPENING, "open C#1"),
        row(Given.RETRY_WAIT, keep(null), new ConnectionChanged(), State.CLOSED, "ended"),
        // GAVE_UP on B (identify did not list pubsub: the connection stays)
        row(Given.GAVE_UP, SAME, new Identified(), State.OPENING, "open B#1"),
        row(Given.GAVE_UP, SAME, new InboundOpened<>("B", "in1"), State.OPENING, "ready in1 false", "open B#1"),
        row(Given.GAVE_UP, SAME, new InboundOpened<>("A", "in1"), State.GAVE_UP, "ready in1 false"),
        row(Given.GAVE_UP, SAME, new RetryDue<>("B", 2), State.GAVE_UP),
        row(Given.GAVE_UP, keep("C"), new ConnectionChanged(), State.OPENING, "open C#1"),
        row(Given.GAVE_UP, keep(null), new ConnectionChanged(), State.CLOSED, "ended"),
        // GAVE_UP on B after closing it (identify lists pubsub): nothing until the host drops it
        row(Given.GAVE_UP_CLOSING, SAME, new Identified(), State.GAVE_UP),
        row(Given.GAVE_UP_CLOSING, SAME, new InboundOpened<>("B", "in1"), State.GAVE_UP, "ready in1 false"),
        row(Given.GAVE_UP_CLOSING, keep(null), new ConnectionChanged(), State.CLOSED, "ended"),
        row(Given.GAVE_UP_CLOSING, keep("C"), new ConnectionChanged(), State.OPENING, "open C#1"),
        // CLOSED: our late streams are closed; outside events go to the peer's current session
        row(Given.CLOSED, SAME, new StreamOpened<>("B", 2, "late"), State.CLOSED, "closeStream late"),
        row(Given.CLOSED, SAME, new OutboundClosed<>("out1"), State.CLOSED),
        row(Given.CLOSED, SAME, new Close(), State.CLOSED),
        unhandled(Given.CLOSED, new ConnectionChanged()),
        unhandled(Given.CLOSED, new Identified()),
        unhandled(Given.CLOSED, new InboundOpened<>("B", "in1")));
  }

  @ParameterizedTest(name = "{0} + {2} -> {3} {4}")
  @MethodSource("table")
  void transition(Given given, Consumer<Fx> world, Event e, State expected, List<String> did, boolean handled) {
    Fx fx = new Fx();
    PeerSession<String, String> s = reach(given, fx);
    world.accept(fx);
    assertThat(s.on(e)).as("handled").isEqualTo(handled);
    assertThat(s.state()).isEqualTo(expected);
    assertThat(fx.did).isEqualTo(did);
    assertThat(s.outbound()).as("outbound stream exposed only while ACTIVE")
        .isEqualTo(expected == State.ACTIVE ? "out1" : null);
  }

  @Test
  void theLastFailedOpenGivesUpAndClosesTheConnectionOfAPeerThatSpeaksPubsub() {
    Fx fx = new Fx();
    fx.speaks = true;
    PeerSession<String, String> s = new PeerSession<>("peer", fx, 4, BACKOFF);
    fx.kept = "B";
    s.on(new ConnectionChanged());
    for (int a = 1; a <= 3; a++) {
      s.on(new StreamFailed<>("B", a, "refused"));
      assertThat(s.state()).isEqualTo(State.RETRY_WAIT);
      s.on(new RetryDue<>("B", a));
    }
    s.on(new StreamFailed<>("B", 4, "refused"));
    assertThat(s.state()).isEqualTo(State.GAVE_UP);
    assertThat(fx.did).containsExactly("open B#1", "retry B#1 100ms", "open B#2", "retry B#2 200ms", "open B#3",
        "retry B#3 400ms", "open B#4", "closeConn B");
  }

  @Test
  void backoffDoublesUpToItsCap() {
    PeerSession<String, String> s = new PeerSession<>("peer", new Fx(), 50, BACKOFF);
    assertThat(s.backoffAfter(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(s.backoffAfter(2)).isEqualTo(Duration.ofMillis(200));
    assertThat(s.backoffAfter(7)).isEqualTo(Duration.ofMillis(6400));
    assertThat(s.backoffAfter(8)).isEqualTo(PeerSession.MAX_BACKOFF);
    assertThat(s.backoffAfter(40)).isEqualTo(PeerSession.MAX_BACKOFF);
  }

  @Test
  void aStreamClosedOnALiveConnectionIsReopenedAfterTheBackoffWithinTheSameBudget() {
    Fx fx = new Fx();
    PeerSession<String, String> s = reach(Given.ACTIVE, fx);
    s.on(new OutboundClosed<>("out1"));
    s.on(new RetryDue<>("B", 1));
    s.on(new StreamOpened<>("B", 2, "out2"));
    assertThat(s.state()).isEqualTo(State.ACTIVE);
    s.on(new OutboundClosed<>("out2"));
    assertThat(s.state()).isEqualTo(State.GAVE_UP);
    assertThat(fx.did).containsExactly("removePeer", "retry B#1 100ms", "open B#2", "addPeer B out2", "removePeer");
  }

  // ---- the races the host allows --------------------------------------------------------------

  /**
   * Two dials cross: the host keeps W (its initiator has the smaller id) and closes X, but announces
   * X after W. The session stays on W: the late announcement and X's close change nothing, and a
   * stream the peer opened on X does not displace the one on W. A session that followed the order
   * of announcements would move to X (and remove the peer from the router).
   */
  @Test
  void aDuplicateAnnouncedAfterItsReplacementDoesNotCaptureTheSession() {
    Fx fx = new Fx();
    PeerSession<String, String> s = session(fx);
    fx.kept = "W"; // X was replaced before either was announced to us
    s.on(new ConnectionChanged()); // "W opened"
    s.on(new StreamOpened<>("W", 1, "outW"));
    s.on(new InboundOpened<>("W", "inW"));
    s.on(new ConnectionChanged()); // "X opened", late
    s.on(new InboundOpened<>("X", "inX"));
    fx.dead.add("X");
    s.on(new ConnectionChanged()); // "X closed"
    assertThat(s.state()).isEqualTo(State.ACTIVE);
    assertThat(s.connection()).isEqualTo("W");
    assertThat(s.inbound()).isEqualTo("inW");
    assertThat(fx.did).containsExactly("open W#1", "addPeer W outW", "ready inW true", "closeStream inX");
  }

  /** The same with the late announcement first to arrive: the session binds to W at once, never opens on X. */
  @Test
  void anAnnouncementOfAnAlreadyReplacedConnectionBindsToItsReplacement() {
    Fx fx = new Fx();
    PeerSession<String, String> s = session(fx);
    fx.kept = "W";
    s.on(new ConnectionChanged()); // "X opened" processed after W replaced it
    assertThat(fx.did).containsExactly("open W#1");
    assertThat(s.connection()).isEqualTo("W");
  }

  /**
   * The loser of a dial race: the session was bound to X and our open on X was in flight when the
   * host replaced X by W. X's open completing (with the same attempt number as W's) or failing
   * later must neither add the peer nor spend W's attempts; only W's stream goes to the router.
   */
  @Test
  void theLoserOfADialRaceIsDiscardedWhenItsOpenCompletes() {
    Fx fx = new Fx();
    PeerSession<String, String> s = session(fx);
    fx.kept = "X";
    s.on(new ConnectionChanged());
    fx.kept = "W";
    fx.dead.add("X");
    s.on(new ConnectionChanged());
    s.on(new StreamOpened<>("X", 1, "outX"));
    s.on(new StreamFailed<>("X", 1, "closed"));
    assertThat(s.state()).isEqualTo(State.OPENING);
    s.on(new StreamOpened<>("W", 1, "outW"));
    assertThat(s.state()).isEqualTo(State.ACTIVE);
    assertThat(s.outbound()).isEqualTo("outW");
    assertThat(fx.did).containsExactly("open X#1", "open W#1", "closeStream outX", "addPeer W outW");
  }

  /**
   * Inbound side of a dial race: a stream on the connection that will win but is not announced yet
   * is taken (it displaces the one on the connection about to be replaced); a stream on the losing
   * connection never displaces the one on the kept connection.
   */
  @Test
  void anInboundStreamOnTheWinningConnectionIsTakenAndOneOnTheLoserIsRefused() {
    Fx fx = new Fx();
    PeerSession<String, String> s = session(fx);
    fx.kept = "X";
    s.on(new ConnectionChanged());
    s.on(new InboundOpened<>("X", "inX"));
    s.on(new InboundOpened<>("W", "inW")); // W wins against X, host has not added it yet
    assertThat(s.inbound()).isEqualTo("inW");
    fx.kept = "W";
    s.on(new ConnectionChanged());
    s.on(new InboundOpened<>("Y", "inY")); // Y loses against W
    assertThat(s.inbound()).isEqualTo("inW");
    assertThat(fx.did).containsExactly("open X#1", "ready inX false", "closeStream inX", "ready inW false",
        "open W#1", "closeStream inY");
  }

  /**
   * removePeer in flight while a new stream opens: the session moves from B to C; the removal of
   * the peer for B is issued before C's stream can be added, and B's stream closing afterwards
   * (or the router dropping it) must not remove the peer that C's stream added.
   */
  @Test
  void aLateCloseOfTheOldStreamNeverRemovesThePeerOfTheNewOne() {
    Fx fx = new Fx();
    PeerSession<String, String> s = reach(Given.ACTIVE, fx);
    s.on(new InboundOpened<>("B", "inB"));
    fx.kept = "C";
    s.on(new ConnectionChanged());
    s.on(new StreamOpened<>("C", 1, "outC"));
    s.on(new OutboundClosed<>("out1")); // B's stream: its close completes only now
    s.on(new RouterDropped<>("out1", "write failed"));
    assertThat(s.state()).isEqualTo(State.ACTIVE);
    assertThat(s.outbound()).isEqualTo("outC");
    assertThat(fx.did).containsExactly("ready inB true", "ready inB false", "removePeer", "closeStream out1",
        "open C#1", "addPeer C outC", "ready inB true");
  }

  /** The old stream closes before the host reports the move: the retry scheduled for B is void on C. */
  @Test
  void aRetryForAReplacedConnectionIsVoid() {
    Fx fx = new Fx();
    PeerSession<String, String> s = reach(Given.ACTIVE, fx);
    s.on(new OutboundClosed<>("out1"));
    fx.kept = "C";
    s.on(new ConnectionChanged());
    s.on(new RetryDue<>("B", 1));
    assertThat(s.state()).isEqualTo(State.OPENING);
    assertThat(fx.did).containsExactly("removePeer", "retry B#1 100ms", "open C#1");
  }
}
