package io.topicmesh.node.mux.yamux;

/** The whole yamux suite again over loopback TCP, where the connection's writability is real. */
class YamuxOverTcpTest extends YamuxMuxHandlerTest {
  @Override
  protected boolean overTcp() {
    return true;
  }
}
