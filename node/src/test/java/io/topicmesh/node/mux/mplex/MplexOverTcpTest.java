package io.topicmesh.node.mux.mplex;

/** The whole mplex suite again over loopback TCP, where the connection's writability is real. */
class MplexOverTcpTest extends MplexMuxHandlerTest {
  @Override
  protected boolean overTcp() {
    return true;
  }
}
