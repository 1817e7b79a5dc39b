package io.topicmesh.node.pubsub.net;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's pubsub session as an explicit state machine: {@link #on(Event)} is the only place its
 * state changes, and everything it does to the world goes through {@link Effects}. The caller runs
 * {@link #on} for one session at a time, in the order the events were submitted ({@link
 * PubsubNetwork} does so on the event loop of the connection the session is bound to).
 *
 * <p>The session follows the connection the host keeps for the peer ({@link
 * Effects#keptConnection()}), read afresh at every event, never the connection an event names: when
 * two dials cross, the host may announce a connection it has already replaced after its
 * replacement, and that announcement must not capture the session. Every outcome of our own stream
 * opens carries the connection and the attempt number it was started for; one that is not the
 * current open (a dial race's loser, a connection since replaced) only has its stream closed.
 * Leaving {@link State#ACTIVE} always calls {@link Effects#removePeer()} before any later
 * transition can call {@link Effects#addPeer}, so a removal can never hit the next stream's peer.
 *
 * <pre>
 *              bound to the kept connection; open attempt 1
 *   IDLE ─────────────────────────────────────────────────▶ OPENING ──stream up──▶ ACTIVE
 *    ▲                                                      ▲   │                     │
 *    │ kept connection gone                     retry due  │   │ open failed         │ outbound closed
 *    │ (from any state)                                     │   ▼                     ▼
 *    │                                                   RETRY_WAIT ◀───────────── (attempts left)
 *    │                                                          │ no attempts left / router drop
 *    │                                                          ▼
 *    └───────────────────────────────────────────────────── GAVE_UP
 *   no connection and no inbound stream, or close() ──▶ CLOSED (terminal)
 * </pre>
 *
 * @param <C> a connection (its identity is compared with ==)
 * @param <S> a stream (its identity is compared with ==)
 */
final class PeerSession<C, S> {
  private static final Logger log = LoggerFactory.getLogger(PubsubNetwork.class);

  /** Longest wait between two stream opens on one connection. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  enum State {
    /** The host has no connection to the peer; kept while an inbound stream (on a connection the host has not announced yet) is open. */
    IDLE,
    /** Our outbound stream is being opened on the bound connection. */
    OPENING,
    /** Our outbound stream is up; the router knows the peer. */
    ACTIVE,
    /** The last open failed or the outbound stream closed; the next open is scheduled. */
    RETRY_WAIT,
    /** No more opens on this connection (attempts used up, or the router dropped the peer). */
    GAVE_UP,
    /** Terminal: out of the network's table (no connection and no inbound stream), or the network closed. */
    CLOSED
  }

  /** What happens to a session. */
  sealed interface Event
      permits ConnectionChanged, Identified, StreamOpened, StreamFailed, RetryDue, OutboundClosed, RouterDropped,
          InboundOpened, InboundClosed, Close {}

  /** The host opened or closed a connection to the peer: re-read the kept connection. */
  record ConnectionChanged() implements Event {}

  /** Identify finished and the peer lists one of our pubsub protocols. */
  record Identified() implements Event {}

  /** Our open number {@code attempt} on {@code conn} negotiated {@code stream}. */
  record StreamOpened<C, S>(C conn, int attempt, S stream) implements Event {}

  /** Our open number {@code attempt} on {@code conn} failed. */
  record StreamFailed<C>(C conn, int attempt, String reason) implements Event {}

  /** The backoff after attempt {@code attempt} on {@code conn} is over. */
  record RetryDue<C>(C conn, int attempt) implements Event {}

  /** One of our outbound streams closed. */
  record OutboundClosed<S>(S stream) implements Event {}

  /** The router gave up on the peer while writing on {@code stream} (slow or hostile). */
  record RouterDropped<S>(S stream, String reason) implements Event {}

  /** The peer opened a pubsub stream on {@code conn} (we read from it). */
  record InboundOpened<C, S>(C conn, S stream) implements Event {}

  /** An inbound stream closed. */
  record InboundClosed<S>(S stream) implements Event {}

  /** The network is closing: close both streams and end. */
  record Close() implements Event {}

  /** What a session does to the world. Called from {@link #on} only. */
  interface Effects<C, S> {
    /** The open connection the host keeps for the peer now, or null. */
    C keptConnection();

    /** Whether identify says the peer speaks one of our pubsub protocols. */
    boolean speaksPubsub();

    boolean isOpen(C conn);

    boolean isActive(S stream);

    /** Whether a stream on {@code conn} must not displace one on {@code kept}: {@code conn} loses the duplicate rule against it. */
    boolean losesTo(C conn, C kept);

    /** Starts open number {@code attempt}; its outcome comes back as {@link StreamOpened} or {@link StreamFailed}. */
    void openStream(C conn, int attempt);

    /** Tells the router the peer is up, writing on {@code stream}. */
    void addPeer(C conn, S stream);

    /** Tells the router the peer is gone. */
    void removePeer();

    /** The inbound stream hands its RPCs to the router ({@code true}) or holds them ({@code false}). */
    void inboundReady(S inbound, boolean ready);

    void closeStream(S stream);

    void closeConnection(C conn);

    /** Delivers {@link RetryDue}({@code conn}, {@code attempt}) after {@code delay}. */
    void scheduleRetry(C conn, int attempt, Duration delay);

    /** The session reached {@link State#CLOSED}: take it out of the table. */
    void ended();

    /** A connection's name in logs. */
    default String name(C conn) {
      return String.valueOf(conn);
    }
  }

  private final Object peer;
  private final Effects<C, S> fx;
  private final int maxAttempts;
  private final Duration backoff;

  // Written by on() only; the volatile ones are also read by observers on other threads.
  private volatile State state = State.IDLE;
  private C conn;
  private int attempts;
  /** GAVE_UP after we closed the connection (or the router dropped the peer): no restart on it. */
  private boolean closingConn;
  private volatile S outbound;
  private S inbound;
  private C inboundConn;

  /**
   * @param peer for logs
   * @param maxAttempts stream opens per connection, the first one included
   * @param backoff wait after the first failure; doubled after each further one, up to {@link #MAX_BACKOFF}
   */
  PeerSession(Object peer, Effects<C, S> fx, int maxAttempts, Duration backoff) {
    this.peer = Objects.requireNonNull(peer);
    this.fx = Objects.requireNonNull(fx);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
    }
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
  }

  State state() {
    return state;
  }

  /** The outbound stream while {@link State#ACTIVE}, else null. */
  S outbound() {
    return outbound;
  }

  /** The connection whose event loop runs this session: the bound one, else the inbound stream's, else null. */
  C home() {
    return conn != null ? conn : inboundConn;
  }

  C connection() {
    return conn;
  }

  S inbound() {
    return inbound;
  }

  int attempts() {
    return attempts;
  }

  /**
   * The transition function. Returns false only for an event from outside (a connection, identify
   * or inbound-stream event) that reached a session already {@link State#CLOSED}: the caller hands
   * it to the peer's current session instead.
   */
  @SuppressWarnings("unchecked")
  boolean on(Event e) {
    if (state == State.CLOSED) {
      return onClosed(e);
    }
    if (e instanceof Close) {
      close();
      return true;
    }
    rebind();
    if (e instanceof Identified) {
      if (state == State.GAVE_UP && !closingConn) {
        restart("identify lists pubsub");
      }
    } else if (e instanceof StreamOpened<?, ?> so) {
      opened((C) so.conn(), so.attempt(), (S) so.stream());
    } else if (e instanceof StreamFailed<?> sf) {
      if (isCurrentOpen((C) sf.conn(), sf.attempt())) {
        log.debug("pubsub peer={} conn={}: stream open {}/{} failed: {}", peer, fx.name(conn), attempts, maxAttempts,
            sf.reason());
        failed(sf.reason());
      }
    } else if (e instanceof RetryDue<?> rd) {
      if (state == State.RETRY_WAIT && rd.conn() == conn && rd.attempt() == attempts) {
        open();
      }
    } else if (e instanceof OutboundClosed<?> oc) {
      if (oc.stream() == outbound && state == State.ACTIVE) {
        leaveActive();
        log.debug("pubsub stream to peer={} closed", peer);
        failed("our stream was closed");
      }
    } else if (e instanceof RouterDropped<?> rd) {
      if (rd.stream() == outbound && state == State.ACTIVE) {
        S out = outbound;
        leaveActive();
        fx.closeStream(out);
        state = State.GAVE_UP;
        closingConn = true;
        log.info("pubsub peer={} dropped by the router: {}; closing conn={} so that it is dialed again", peer,
            rd.reason(), fx.name(conn));
        fx.closeConnection(conn);
      }
    } else if (e instanceof InboundOpened<?, ?> io) {
      inboundOpened((C) io.conn(), (S) io.stream());
    } else if (e instanceof InboundClosed<?> ic) {
      if (ic.stream() == inbound) {
        inbound = null;
        inboundConn = null;
      }
    }
    // ConnectionChanged: the rebind above is all it does
    endIfUnused();
    return true;
  }

  /** A late event at a closed session: its stream is closed; one from outside goes to the current session. */
  @SuppressWarnings("unchecked")
  private boolean onClosed(Event e) {
    if (e instanceof StreamOpened<?, ?> so) {
      fx.closeStream((S) so.stream());
    }
    return !(e instanceof ConnectionChanged || e instanceof Identified || e instanceof InboundOpened);
  }

  /** Follows the host's kept connection: leaves the old one (router first), opens on the new one. */
  private void rebind() {
    C kept = fx.keptConnection();
    if (kept == conn) {
      return;
    }
    if (conn != null) {
      log.debug("pubsub peer={} session moves from conn={} to conn={}", peer, fx.name(conn),
          kept == null ? "none" : fx.name(kept));
    }
    if (state == State.ACTIVE) {
      S out = outbound;
      leaveActive();
      fx.closeStream(out);
    }
    conn = kept;
    attempts = 0;
    closingConn = false;
    state = State.IDLE;
    if (kept != null) {
      open();
    }
  }

  /** ACTIVE → not: the inbound stream holds its RPCs, the router forgets the peer. */
  private void leaveActive() {
    if (inbound != null) {
      fx.inboundReady(inbound, false);
    }
    fx.removePeer();
    outbound = null;
  }

  private void open() {
    attempts++;
    state = State.OPENING;
    fx.openStream(conn, attempts);
  }

  private void restart(String why) {
    if (conn == null || !fx.isOpen(conn)) {
      return;
    }
    log.debug("pubsub peer={} conn={}: opening our stream again ({})", peer, fx.name(conn), why);
    attempts = 0;
    open();
  }

  private boolean isCurrentOpen(C c, int attempt) {
    return state == State.OPENING && c == conn && attempt == attempts;
  }

  private void opened(C c, int attempt, S stream) {
    if (!isCurrentOpen(c, attempt)) {
      // a stale open: on a connection since replaced, or superseded
      fx.closeStream(stream);
      return;
    }
    if (!fx.isActive(stream)) {
      failed("stream closed as it opened");
      return;
    }
    outbound = stream;
    state = State.ACTIVE;
    fx.addPeer(conn, stream);
    if (inbound != null) {
      fx.inboundReady(inbound, true);
    }
  }

  /** An open failed or the outbound stream closed: retry after a backoff, or give up. */
  private void failed(String reason) {
    if (attempts < maxAttempts) {
      state = State.RETRY_WAIT;
      fx.scheduleRetry(conn, attempts, backoffAfter(attempts));
      return;
    }
    state = State.GAVE_UP;
    if (fx.speaksPubsub()) {
      closingConn = true;
      log.info("pubsub peer={} conn={}: no outbound pubsub stream after {} attempts (last: {}); closing the "
          + "connection so that it is dialed again", peer, fx.name(conn), attempts, reason);
      fx.closeConnection(conn);
    } else {
      log.info("pubsub peer={} conn={}: no outbound pubsub stream after {} attempts (last: {}); trying again "
          + "if identify or an inbound stream shows it speaks pubsub", peer, fx.name(conn), attempts, reason);
    }
  }

  Duration backoffAfter(int attempt) {
    Duration d = backoff;
    for (int i = 1; i < attempt && d.compareTo(MAX_BACKOFF) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private void inboundOpened(C c, S stream) {
    if (inbound != null && fx.isActive(inbound) && inboundConn == conn && conn != null && c != conn
        && fx.losesTo(c, conn)) {
      // On a connection that loses the duplicate rule against the kept one (it is being closed): it
      // must not displace the stream on the connection that stays. A connection that would win may
      // not be announced yet: its stream is taken.
      log.debug("pubsub peer={} opened a stream on replaced conn={}; closing it", peer, fx.name(c));
      fx.closeStream(stream);
      return;
    }
    S old = inbound;
    inbound = stream;
    inboundConn = c;
    if (old != null && old != stream) {
      // As go-libp2p-pubsub: a newer inbound stream replaces the older one.
      log.debug("pubsub peer={} opened a second inbound stream; closing the older one", peer);
      fx.closeStream(old);
    }
    fx.inboundReady(stream, state == State.ACTIVE);
    if (state == State.GAVE_UP && !closingConn && c == conn) {
      restart("the peer opened a pubsub stream");
    }
  }

  private void endIfUnused() {
    if (conn == null && inbound == null) {
      state = State.CLOSED;
      fx.ended();
    }
  }

  private void close() {
    if (state == State.ACTIVE) {
      S out = outbound;
      leaveActive();
      fx.closeStream(out);
    }
    if (inbound != null) {
      fx.closeStream(inbound);
    }
    inbound = null;
    inboundConn = null;
    conn = null;
    state = State.CLOSED;
    fx.ended();
  }

  @Override
  public String toString() {
    return "PeerSession[" + peer + " " + state + " conn=" + conn + " attempts=" + attempts + "]";
  }
}
