package io.topicmesh.operator.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeAdminClientTest {
  private final NodeAdminClient client = new NodeAdminClient(Duration.ofSeconds(2));

  @Test
  void readsStatusWithMeshAndTraffic() throws Exception {
    try (FakeNode node = new FakeNode("tok", "12D3KooWfake").mesh("news", "a", "b", "c").traffic(10, 40, 20, 3.5, 9.0)) {
      NodeStatus status = client.status(node.uri(), "tok");
      assertThat(status.peerId()).isEqualTo("12D3KooWfake");
      assertThat(status.ready()).isTrue();
      assertThat(status.topics()).singleElement().satisfies(t -> {
        assertThat(t.topic()).isEqualTo("news");
        assertThat(t.mesh()).containsExactly("a", "b", "c");
      });
      assertThat(status.traffic().duplicates()).isEqualTo(20);
      assertThat(status.traffic().latencyP99Ms()).isEqualTo(9.0);
      assertThat(status.params().get("d").asInt()).isEqualTo(6);
    }
  }

  @Test
  void putParamsReturnsTheEffectiveSetAndKeepsUnknownFields() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      var params = client.params(node.uri(), "tok");
      params.put("d", 4).put("dlo", 3).put("dhi", 8).put("dout", 2);
      var effective = client.putParams(node.uri(), "tok", params);
      assertThat(effective.get("d").asInt()).isEqualTo(4);
      assertThat(effective.get("heartbeatIntervalMs").asInt()).isEqualTo(1000);
      assertThat(node.params().get("dhi").asInt()).isEqualTo(8);
    }
  }

  @Test
  void invalidParamsSurfaceTheNodesErrorCode() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      var params = client.params(node.uri(), "tok").put("d", 20);
      assertThatThrownBy(() -> client.putParams(node.uri(), "tok", params))
          .isInstanceOfSatisfying(NodeApiException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("INVALID_PARAMS");
            assertThat(e.getMessage()).contains("PUT", "/v1/params", "dlo <= d <= dhi");
          });
    }
  }

  @Test
  void wrongTokenIsRejected() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      assertThatThrownBy(() -> client.status(node.uri(), "other"))
          .isInstanceOfSatisfying(NodeApiException.class, e -> assertThat(e.httpStatus()).isEqualTo(401));
    }
  }

  @Test
  void readinessNeedsNoToken() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      assertThat(client.ready(node.uri())).isTrue();
      node.ready(false);
      assertThat(client.ready(node.uri())).isFalse();
    }
  }

  @Test
  void unreachableNodeIsATypedError() throws Exception {
    URI closed;
    try (FakeNode node = new FakeNode("tok", "p")) {
      closed = node.uri();
    }
    assertThatThrownBy(() -> client.status(closed, "tok"))
        .isInstanceOfSatisfying(NodeApiException.class, e -> assertThat(e.httpStatus()).isZero());
    assertThat(client.ready(closed)).isFalse();
  }

  @Test
  void garbageAndOversizedBodiesAreTypedErrors() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    server.createContext("/v1/status", ex -> {
      byte[] body = "not json".getBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/v1/params", ex -> {
      ex.sendResponseHeaders(200, 0);
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) ' ');
      try {
        for (int i = 0; i <= NodeAdminClient.MAX_RESPONSE_BYTES / chunk.length; i++) {
          ex.getResponseBody().write(chunk);
        }
      } catch (java.io.IOException ignored) {
        // the client stops reading at its bound
      }
      ex.close();
    });
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      assertThatThrownBy(() -> client.status(uri, "t")).isInstanceOf(NodeApiException.class).hasMessageContaining("not JSON");
      assertThatThrownBy(() -> client.params(uri, "t")).isInstanceOf(NodeApiException.class).hasMessageContaining("larger than");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void putTopicSubscribesWithTheNodeYamlEntryAndDeleteUnsubscribes() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      var json = new com.fasterxml.jackson.databind.ObjectMapper();
      var entry = json.createObjectNode().put("name", "prices/eu").put("validation", "StrictSign");
      entry.putObject("score").put("topicWeight", 1.0).put("meshMessageDeliveriesWeight", 0.0);
      client.putTopic(node.uri(), "tok", "prices/eu", entry);
      assertThat(node.topics()).containsOnlyKeys("prices/eu");
      assertThat(node.topics().get("prices/eu").get("score").get("topicWeight").asDouble()).isEqualTo(1.0);
      assertThat(client.status(node.uri(), "tok").topics()).extracting(NodeStatus.TopicState::topic)
          .containsExactly("prices/eu");

      entry.with("score").put("topicWeight", 0.5);
      client.putTopic(node.uri(), "tok", "prices/eu", entry);
      assertThat(node.topics().get("prices/eu").get("score").get("topicWeight").asDouble())
          .as("a second PUT updates the parameters").isEqualTo(0.5);

      assertThat(client.deleteTopic(node.uri(), "tok", "prices/eu")).as("204, no body").isTrue();
      assertThat(node.topics()).isEmpty();
      assertThat(client.deleteTopic(node.uri(), "tok", "prices/eu")).as("404: was not subscribed").isFalse();
      assertThat(NodeAdminClient.topicPath("a/b c")).isEqualTo("/v1/topics/a%2Fb%20c");
    }
  }

  @Test
  void aTopicEntryTheNodeRefusesSurfacesItsError() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p")) {
      var entry = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("name", "other");
      assertThatThrownBy(() -> client.putTopic(node.uri(), "tok", "news", entry))
          .isInstanceOfSatisfying(NodeApiException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(400);
            assertThat(e.getMessage()).contains("PUT", "/v1/topics/news", "INVALID_TOPIC");
          });
    }
  }

  @Test
  void perTopicMessageCountersAreRead() throws Exception {
    try (FakeNode node = new FakeNode("tok", "p").mesh("news", "a").topicMessages("news", 42)) {
      assertThat(client.status(node.uri(), "tok").topics()).singleElement()
          .satisfies(t -> assertThat(t.messages()).isEqualTo(42L));
    }
  }
}
