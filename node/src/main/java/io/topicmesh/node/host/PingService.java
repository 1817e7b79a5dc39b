package io.topicmesh.node.host;

import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.protocol.ping.PingException;
import io.topicmesh.node.protocol.ping.PingInitiator;
import io.topicmesh.node.protocol.ping.PingProtocol;
import io.topicmesh.node.protocol.ping.PingResponder;
import io.topicmesh.node.transport.Connection;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ping: answers {@code /ipfs/ping/1.0.0} (echo, with an idle timeout so a silent stream does not
 * stay open forever) and measures round trips on a fresh stream per {@link #ping}.
 */
final class PingService {
  /** A ping stream with no traffic for this long is closed (go-libp2p uses the same minute). */
  static final Duration RESPONDER_IDLE = Duration.ofSeconds(60);

  /** A ping with no echo within its deadline: the peer, or the path to it, is not answering. */
  static final class NoEchoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoEchoException(String message) {
      super(message, null, false, false);
    }
  }

  private final SecureRandom random = new SecureRandom();
  private final HostMetrics metrics;
  private final Duration timeout;

  PingService(HostMetrics metrics, Duration timeout) {
    this.metrics = metrics;
    this.timeout = timeout;
  }

  void respond(StreamChannel stream, String protocol, Connection conn) {
    stream.pipeline().addLast(new ReadTimeoutHandler(RESPONDER_IDLE.toSeconds(), TimeUnit.SECONDS));
    stream.pipeline().addLast(new PingResponder());
  }

  /** Opens a stream on {@code conn}, pings once, closes the stream; completes with the RTT. */
  Future<Duration> ping(Connection conn) {
    EventExecutor loop = conn.channel().eventLoop();
    Promise<Duration> result = loop.newPromise();
    PingInitiator initiator = new PingInitiator(random, System::nanoTime);
    Future<StreamChannel> opened = conn.newStream(List.of(PingProtocol.ID),
        (stream, protocol, c) -> stream.pipeline().addLast(initiator));
    var timer = loop.schedule(() -> {
      if (result.tryFailure(new NoEchoException("no echo within " + timeout + " from " + conn.remotePeer()))) {
        if (opened.isSuccess()) {
          opened.getNow().reset();
        }
      }
    }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    opened.addListener(f -> {
      if (!f.isSuccess()) {
        result.tryFailure(f.cause());
        return;
      }
      StreamChannel stream = opened.getNow();
      initiator.ping().addListener(p -> {
        if (p.isSuccess()) {
          Duration rtt = (Duration) p.getNow();
          metrics.pingRtt(rtt);
          result.trySuccess(rtt);
        } else {
          result.tryFailure(p.cause());
        }
        stream.closeWrite().addListener(w -> stream.close());
      });
    });
    result.addListener(f -> timer.cancel(false));
    return result;
  }
}
