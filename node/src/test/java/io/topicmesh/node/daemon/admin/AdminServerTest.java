package io.topicmesh.node.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.BatchPublishException;
import io.topicmesh.node.pubsub.router.PublishException;
import io.topicmesh.node.pubsub.router.ValidationResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every admin endpoint against an in-process node, with good, malformed, oversized and out-of-range input. */
class AdminServerTest {
  private static final String TOKEN = "s3cret-token";
  private static final int MAX_BODY = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Daemon node;
  private static AdminServer admin;
  private static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    node = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("base"))), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    node.start();
    admin = new AdminServer(node, new InetSocketAddress("127.0.0.1", 0), TOKEN, MAX_BODY);
    admin.start();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  @AfterAll
  static void stop() {
    admin.close();
    node.shutdown();
  }

  /** Whatever a test sent, the node keeps serving. */
  @AfterEach
  void stillServing() throws Exception {
    assertThat(send("GET", "/v1/status", null).statusCode()).isEqualTo(200);
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return send(method, path, body, "application/json", TOKEN);
  }

  private static HttpResponse<String> send(String method, String path, String body, String type, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (type != null) {
      b.header("Content-Type", type);
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  /** A 4xx with a JSON body holding code and message. */
  private static JsonNode clientError(HttpResponse<String> r, int status, String code) throws IOException {
    assertThat(r.statusCode()).as("status of %s: %s", r.uri(), r.body()).isEqualTo(status);
    JsonNode e = json(r);
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(e.get("message").asText()).isNotBlank();
    return e;
  }

  @Test
  void healthAndReadinessNeedNoToken() throws Exception {
    HttpResponse<String> h = send("GET", "/healthz", null, null, null);
    assertThat(h.statusCode()).isEqualTo(200);
    assertThat(json(h).get("live").asBoolean()).isTrue();
    HttpResponse<String> r = send("GET", "/readyz", null, null, null);
    // no peers known: listening is enough
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).get("reason").asText()).contains("no peers known");
    clientError(send("POST", "/readyz", "{}", null, null), 405, "method_not_allowed");
  }

  @Test
  void apiEndpointsNeedTheRightToken() throws Exception {
    clientError(send("GET", "/v1/status", null, null, null), 401, "unauthorized");
    clientError(send("GET", "/v1/status", null, null, "wrong"), 401, "unauthorized");
    clientError(send("PUT", "/v1/params", "{\"d\":8,\"dhi\":14}", "application/json", "wrong"), 401, "unauthorized");
    assertThat(node.router().params()).isEqualTo(GossipParams.defaults());
  }

  @Test
  void statusHasTheDocumentedShape() throws Exception {
    JsonNode s = json(send("GET", "/v1/status", null));
    assertThat(s.get("peerId").asText()).isEqualTo(node.peerId().toString());
    assertThat(s.get("addrs").get(0).asText()).startsWith("/ip4/127.0.0.1/tcp/").endsWith("/p2p/" + node.peerId());
    assertThat(s.get("version").asText()).isNotBlank();
    assertThat(s.get("uptimeSeconds").isIntegralNumber()).isTrue();
    assertThat(s.get("ready").isBoolean()).isTrue();
    assertThat(s.get("peers").isArray()).isTrue();
    JsonNode topic = s.get("topics").get(0);
    assertThat(topic.get("topic").asText()).isEqualTo("base");
    assertThat(topic.get("mesh").isArray()).isTrue();
    assertThat(topic.get("fanout").isArray()).isTrue();
    for (String p : List.of("d", "dlo", "dhi", "dlazy", "dout", "dscore", "heartbeatIntervalMs")) {
      assertThat(s.get("params").has(p)).as("params.%s", p).isTrue();
    }
    for (String t : List.of("published", "delivered", "duplicates", "latencyP50Ms", "latencyP99Ms")) {
      assertThat(s.get("traffic").has(t)).as("traffic.%s", t).isTrue();
    }
    assertThat(s.get("probes").get("enabled").isBoolean()).isTrue();
    assertThat(s.get("heartbeat").get("ticks").asLong()).isNotNegative();
    await().atMost(Duration.ofSeconds(10)).until(() -> json(send("GET", "/v1/status", null)).get("lock").get("holds").asLong() > 0);
    assertThat(s.get("lock").has("holdMaxMs")).isTrue();
    assertThat(s.get("lock").has("contended")).isTrue();
    clientError(send("POST", "/v1/status", "{}"), 405, "method_not_allowed");
    clientError(send("GET", "/v1/nothing", null), 404, "not_found");
  }

  @Test
  void paramsCanBeReadAndChangedAndTheChangeReachesTheRouter() throws Exception {
    JsonNode before = json(send("GET", "/v1/params", null));
    assertThat(before.get("d").asInt()).isEqualTo(node.router().params().d());
    HttpResponse<String> r = send("PUT", "/v1/params", "{\"dhi\": 13, \"dlazy\": 7}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("dhi").asInt()).isEqualTo(13);
    assertThat(json(r).get("d").asInt()).as("members not given keep their value").isEqualTo(before.get("d").asInt());
    await().atMost(Duration.ofSeconds(10)).until(() -> node.router().params().dhi() == 13);
    assertThat(node.router().params().dlazy()).isEqualTo(7);
    assertThat(json(send("GET", "/v1/params", null)).get("dhi").asInt()).isEqualTo(13);
    // back to the defaults for the other tests
    assertThat(send("PUT", "/v1/params", JSON.writeValueAsString(
        io.topicmesh.node.daemon.config.ParamsCodec.toJson(GossipParams.defaults()))).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.router().params().equals(GossipParams.defaults()));
  }

  /** Issue 15 as reported: PUT {"dout":3} then PUT {"d":7} at once; the first change must survive. */
  @Test
  void twoPutsInQuickSuccessionCompose() throws Exception {
    GossipParams before = node.router().params();
    try {
      assertThat(json(send("PUT", "/v1/params", "{\"dout\": 3}")).get("dout").asInt()).isEqualTo(3);
      JsonNode second = json(send("PUT", "/v1/params", "{\"d\": 7}"));
      assertThat(second.get("d").asInt()).isEqualTo(7);
      assertThat(second.get("dout").asInt()).as("the first PUT's change, in the second's reply").isEqualTo(3);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.router().params().d() == 7);
      assertThat(node.router().params().dout()).as("the first PUT's change, in the router").isEqualTo(3);
      JsonNode got = json(send("GET", "/v1/params", null));
      assertThat(got.get("d").asInt()).isEqualTo(7);
      assertThat(got.get("dout").asInt()).isEqualTo(3);
    } finally {
      assertThat(send("PUT", "/v1/params", JSON.writeValueAsString(
          io.topicmesh.node.daemon.config.ParamsCodec.toJson(before))).statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> node.router().params().equals(before));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "{", "[1,2]", "\"d\"", "{\"d\": 8} trailing", "{\"d\": \"eight\"}", "{\"d\": 8.5}", "{\"d\": null}",
      "{\"d\": {\"x\": 1}}", "{\"warp\": 9}", "{\"d\": 100}", "{\"dlo\": 7}", "{\"dout\": 5}", "{\"d\": -1}",
      "{\"d\": 99999999999999999999999}", "{\"heartbeatIntervalMs\": 0}", "{\"gossipFactor\": 2}",
      "{\"floodPublish\": \"yes\"}", "{\"d\": 1e400}", "{\"d\": 7, \"d\": 8}",
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"})
  void invalidParamsAre4xxAndChangeNothing(String body) throws Exception {
    GossipParams before = node.router().params();
    HttpResponse<String> r = send("PUT", "/v1/params", body);
    assertThat(r.statusCode()).as("%s -> %s", body, r.body()).isBetween(400, 499);
    JsonNode e = json(r);
    assertThat(e.get("code").asText()).isIn("bad_json", "bad_request", "invalid_params");
    assertThat(e.get("message").asText()).isNotBlank();
    assertThat(node.router().params()).isEqualTo(before);
  }

  @Test
  void invalidParamsNameTheField() throws Exception {
    assertThat(clientError(send("PUT", "/v1/params", "{\"d\": 100}"), 400, "invalid_params").get("message").asText())
        .isEqualTo("dhi=12: must be >= d (100)");
    assertThat(clientError(send("PUT", "/v1/params", "{\"warp\": 1}"), 400, "invalid_params").get("message").asText())
        .startsWith("warp=1: unknown parameter");
    // issue 15: dlo 0 breaks the dout rule too, but dlo is what was wrong
    assertThat(clientError(send("PUT", "/v1/params", "{\"dlo\": 0}"), 400, "invalid_params").get("message").asText())
        .startsWith("dlo=0: must be >= 1");
  }

  @Test
  void oversizedBodiesAre413WithOrWithoutContentLength() throws Exception {
    GossipParams before = node.router().params();
    String big = "{\"d\": 6, \"pad\": \"" + "x".repeat(MAX_BODY) + "\"}";
    clientError(send("PUT", "/v1/params", big), 413, "too_large");
    HttpRequest chunked = HttpRequest.newBuilder(uri("/v1/topics/base/publish"))
        .header("Authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[MAX_BODY * 4]))).build();
    HttpResponse<String> r = http.send(chunked, HttpResponse.BodyHandlers.ofString());
    clientError(r, 413, "too_large");
    assertThat(node.router().params()).isEqualTo(before);
    assertThat(node.traffic().published()).as("nothing published").isEqualTo(publishedSoFar());
  }

  @ParameterizedTest
  @EnumSource(PublishException.Reason.class)
  void everyPublishFailureMapsToOneStatusAndCode(PublishException.Reason reason) {
    Map<PublishException.Reason, String> expected = Map.of(
        PublishException.Reason.TOO_LARGE, "413 too_large",
        PublishException.Reason.DUPLICATE, "409 duplicate",
        PublishException.Reason.REJECTED, "422 rejected",
        PublishException.Reason.IGNORED, "422 ignored",
        PublishException.Reason.QUEUE_FULL, "503 busy",
        PublishException.Reason.SHUTTING_DOWN, "503 shutting_down",
        PublishException.Reason.VALIDATION_TIMEOUT, "503 validation_timeout",
        PublishException.Reason.VALIDATOR_FAILED, "500 validator_failed");
    ApiException e = AdminServer.publishFailure("t", new PublishException(reason, "why"));
    assertThat(e.status() + " " + e.code()).isEqualTo(expected.get(reason));
    assertThat(e.getMessage()).isEqualTo("message not published: why");
  }

  @Test
  void anUntypedPublishFailureIsAnInternalError() {
    ApiException e = AdminServer.publishFailure("t", new IllegalStateException("bug"));
    assertThat(e.status()).isEqualTo(500);
    assertThat(e.code()).isEqualTo("internal");
    assertThat(e.getMessage()).contains("bug");
  }

  private static long publishedSoFar() {
    return node.traffic().published();
  }

  @Test
  void topicsSubscribeAndUnsubscribe() throws Exception {
    assertThat(send("PUT", "/v1/topics/news", null).statusCode()).isEqualTo(201);
    assertThat(send("PUT", "/v1/topics/news", null).statusCode()).isEqualTo(200);
    assertThat(node.router().subscriptions()).contains("news");
    assertThat(json(send("GET", "/v1/topics", null)).get("topics").toString()).contains("\"news\"");
    // a '/' in a topic name is percent-encoded
    assertThat(send("PUT", "/v1/topics/a%2Fb", null).statusCode()).isEqualTo(201);
    assertThat(node.router().subscriptions()).contains("a/b");
    assertThat(send("DELETE", "/v1/topics/a%2Fb", null).statusCode()).isEqualTo(204);
    assertThat(send("DELETE", "/v1/topics/news", null).statusCode()).isEqualTo(204);
    assertThat(node.router().subscriptions()).doesNotContain("news", "a/b");
    clientError(send("DELETE", "/v1/topics/news", null), 404, "unknown_topic");
    clientError(send("POST", "/v1/topics/news", "{}"), 405, "method_not_allowed");
  }

  /** Issue 9: the probe topic is the node's; no client can subscribe, publish or stream it. */
  @Test
  void reservedProbeTopicsAreRefused() throws Exception {
    var subs = node.router().subscriptions();
    clientError(send("PUT", "/v1/topics/_topicmesh%2Fprobe", null), 400, "invalid_params");
    clientError(send("PUT", "/v1/topics/_topicmesh%2Fprobe", "{\"validation\": \"StrictSign\"}"), 400, "invalid_params");
    clientError(send("POST", "/v1/topics/_topicmesh%2Fprobe/publish", "{\"data\":\"x\"}"), 400, "invalid_params");
    clientError(send("GET", "/v1/topics/_topicmesh%2Fprobe/messages?limit=1", null), 404, "unknown_topic");
    assertThat(node.router().subscriptions()).isEqualTo(subs);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bad%20name", "%E2%82", "semi%3Bcolon", "%00"})
  void invalidTopicNamesAre400(String raw) throws Exception {
    var subs = node.router().subscriptions();
    clientError(send("PUT", "/v1/topics/" + raw, null), 400, "invalid_topic");
    clientError(send("POST", "/v1/topics/" + raw + "/publish", "{\"data\":\"x\"}"), 400, "invalid_topic");
    assertThat(node.router().subscriptions()).isEqualTo(subs);
  }

  @Test
  void overlongTopicAndExtraPathSegmentsAreRejected() throws Exception {
    clientError(send("PUT", "/v1/topics/" + "t".repeat(300), null), 400, "invalid_topic");
    clientError(send("PUT", "/v1/topics/a/b/c", null), 404, "not_found");
    clientError(send("GET", "/v1/topics/base/other", null), 404, "not_found");
  }

  @Test
  void publishAcceptsJsonTextBase64AndRawBytes() throws Exception {
    long before = node.traffic().published();
    HttpResponse<String> r = send("POST", "/v1/topics/base/publish", "{\"data\": \"hello\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("id").asText()).matches("[0-9a-f]+");
    assertThat(json(r).get("bytes").asInt()).isEqualTo(5);
    assertThat(send("POST", "/v1/topics/base/publish", "{\"base64\": \"aGk=\"}").statusCode()).isEqualTo(200);
    assertThat(send("POST", "/v1/topics/base/publish", "raw bytes", "application/octet-stream", TOKEN).statusCode())
        .isEqualTo(200);
    // a topic we are not subscribed to is published through fanout
    assertThat(send("POST", "/v1/topics/elsewhere/publish", "{\"data\": \"x\"}").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.traffic().published() == before + 4);
  }

  @Test
  void publishBatchPublishesEveryMessageInOrder() throws Exception {
    long before = node.traffic().published();
    HttpResponse<String> r = send("POST", "/v1/topics/base/publish-batch",
        "{\"messages\": [{\"data\": \"one\"}, {\"base64\": \"dHdvMg==\"}, {\"data\": \"three!\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.get("topic").asText()).isEqualTo("base");
    assertThat(b.get("messages")).hasSize(3);
    assertThat(b.get("messages").findValues("bytes")).extracting(JsonNode::asInt).containsExactly(3, 4, 6);
    assertThat(b.get("messages").findValues("id")).extracting(JsonNode::asText)
        .allMatch(id -> id.matches("[0-9a-f]+")).doesNotHaveDuplicates();
    assertThat(b.get("messages").findValues("peers")).allMatch(JsonNode::isIntegralNumber);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.traffic().published() == before + 3);
    clientError(send("GET", "/v1/topics/base/publish-batch", null), 405, "method_not_allowed");
  }

  @Test
  void publishBatchNamesTheRefusedMessageAndPublishesTheOthers() throws Exception {
    node.router().addValidator("batchcheck", (src, m) -> CompletableFuture.completedFuture(
        m.data().toStringUtf8().equals("bad") ? ValidationResult.REJECT : ValidationResult.ACCEPT));
    long before = node.traffic().published();
    JsonNode e = clientError(send("POST", "/v1/topics/batchcheck/publish-batch",
        "{\"messages\": [{\"data\": \"good\"}, {\"data\": \"bad\"}, {\"data\": \"fine\"}]}"), 422,
        "partially_published");
    assertThat(e.get("message").asText())
        .contains("1 of 3 messages not published (message 1: REJECTED").endsWith("the others were published");
    await().atMost(Duration.ofSeconds(10)).until(() -> node.traffic().published() == before + 2);
    // all refused for one reason: that reason's status and code, nothing published
    long now = node.traffic().published();
    JsonNode all = clientError(send("POST", "/v1/topics/batchcheck/publish-batch",
        "{\"messages\": [{\"data\": \"bad\"}, {\"data\": \"bad\"}]}"), 422, "rejected");
    assertThat(all.get("message").asText()).startsWith("batch not published: 2 of 2 messages not published");
    assertThat(node.traffic().published()).isEqualTo(now);
  }

  @Test
  void partialMessagesAreEnabledPublishedAndListed() throws Exception {
    clientError(send("POST", "/v1/topics/parts/partial-publish",
        "{\"groupId\": \"Zw==\", \"totalParts\": 2, \"parts\": {\"0\": \"YWE=\"}}"), 409, "partial_not_enabled");
    HttpResponse<String> on = send("PUT", "/v1/topics/parts/partial", "{\"mode\": \"request\"}");
    assertThat(on.statusCode()).as(on.body()).isEqualTo(200);
    assertThat(json(on).get("mode").asText()).isEqualTo("request");
    HttpResponse<String> r = send("POST", "/v1/topics/parts/partial-publish",
        "{\"groupId\": \"Zw==\", \"totalParts\": 2, \"parts\": {\"0\": \"YWE=\"}}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).get("partsHeld").asInt()).isEqualTo(1);
    assertThat(json(r).get("totalParts").asInt()).isEqualTo(2);
    HttpResponse<String> req = send("POST", "/v1/topics/parts/partial-request", "{\"groupId\": \"Zw==\", \"totalParts\": 2}");
    assertThat(req.statusCode()).as(req.body()).isEqualTo(200);
    JsonNode g = json(send("GET", "/v1/topics/parts/partial", null)).get("groups").get(0);
    assertThat(g.get("groupId").asText()).isEqualTo("Zw==");
    assertThat(g.get("held").toString()).isEqualTo("[0]");
    assertThat(g.get("missing").toString()).isEqualTo("[1]");
    assertThat(g.get("assembled").isNull()).isTrue();
    send("POST", "/v1/topics/parts/partial-publish",
        "{\"groupId\": \"Zw==\", \"totalParts\": 2, \"parts\": {\"1\": \"YmI=\"}}");
    g = json(send("GET", "/v1/topics/parts/partial", null)).get("groups").get(0);
    assertThat(g.get("assembled").asText()).isEqualTo("YWFiYg==");
    clientError(send("POST", "/v1/topics/parts/partial-publish",
        "{\"groupId\": \"Zw==\", \"totalParts\": 2, \"parts\": {\"5\": \"YWE=\"}}"), 400, "bad_request");
    clientError(send("POST", "/v1/topics/parts/partial-publish", "{\"groupId\": 1}"), 400, "bad_request");
    clientError(send("PUT", "/v1/topics/parts/partial", "{\"mode\": \"sometimes\"}"), 400, "bad_request");
    assertThat(send("DELETE", "/v1/topics/parts/partial", null).statusCode()).isEqualTo(204);
    assertThat(json(send("GET", "/v1/topics/parts/partial", null)).get("groups")).isEmpty();
  }

  @Test
  void batchFailuresMapByWhatWasPublished() {
    PublishException full = new PublishException(PublishException.Reason.QUEUE_FULL, "full");
    PublishException rejected = new PublishException(PublishException.Reason.REJECTED, "no");
    ApiException busy = AdminServer.batchFailure("t", new BatchPublishException(2, 0, Map.of(0, full, 1, full)));
    assertThat(busy.status() + " " + busy.code()).isEqualTo("503 busy");
    ApiException mixed = AdminServer.batchFailure("t", new BatchPublishException(2, 0, Map.of(0, full, 1, rejected)));
    assertThat(mixed.status() + " " + mixed.code()).isEqualTo("422 not_published");
    assertThat(mixed.getMessage()).contains("message 0: QUEUE_FULL full", "message 1: REJECTED no");
    ApiException partial = AdminServer.batchFailure("t", new BatchPublishException(2, 1, Map.of(1, full)));
    assertThat(partial.status() + " " + partial.code()).isEqualTo("422 partially_published");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "[]", "{\"messages\": {}}", "{\"messages\": []}", "{\"messages\": [{\"data\": 5}]}",
      "{\"messages\": [{\"data\": \"a\"}, {\"base64\": \"!!!\"}]}", "{\"messages\": [], \"x\": 1}",
      "{\"messages\": [\"text\"]}", ""})
  void badPublishBatchBodiesAre400AndPublishNothing(String body) throws Exception {
    long before = node.traffic().published();
    HttpResponse<String> r = send("POST", "/v1/topics/base/publish-batch", body);
    assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
    assertThat(json(r).get("code").asText()).isIn("bad_json", "bad_request");
    assertThat(node.traffic().published()).isEqualTo(before);
  }

  @Test
  void aBatchOfMoreThan1024MessagesIs400() throws Exception {
    // 1025 entries in under 4 KiB: the count is checked before each message
    String many = "{\"messages\":[" + String.join(",", java.util.Collections.nCopies(1025, "{}")) + "]}";
    JsonNode e = clientError(send("POST", "/v1/topics/base/publish-batch", many), 400, "bad_request");
    assertThat(e.get("message").asText()).contains("1 to 1024 messages, got 1025");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "{\"data\": 5}", "{\"base64\": \"!!!\"}", "{\"x\": \"y\"}", "{\"data\": \"a\", \"base64\": \"YQ==\"}",
      "[]", ""})
  void badPublishBodiesAre400AndPublishNothing(String body) throws Exception {
    long before = node.traffic().published();
    HttpResponse<String> r = send("POST", "/v1/topics/base/publish", body);
    assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
    assertThat(json(r).get("code").asText()).isIn("bad_json", "bad_request");
    clientError(send("GET", "/v1/topics/base/publish", null), 405, "method_not_allowed");
    assertThat(node.traffic().published()).isEqualTo(before);
  }

  @Test
  void messagesStreamDeliveriesAsServerSentEvents() throws Exception {
    clientError(send("GET", "/v1/topics/unknown/messages", null), 404, "unknown_topic");
    clientError(send("GET", "/v1/topics/base/messages?limit=0", null), 400, "bad_request");
    clientError(send("GET", "/v1/topics/base/messages?limit=x", null), 400, "bad_request");
    clientError(send("GET", "/v1/topics/base/messages?colour=red", null), 400, "bad_request");
    HttpRequest req = HttpRequest.newBuilder(uri("/v1/topics/base/messages?limit=2"))
        .header("Authorization", "Bearer " + TOKEN).GET().build();
    CompletableFuture<HttpResponse<String>> stream = http.sendAsync(req, HttpResponse.BodyHandlers.ofString());
    // the stream is registered once the server has sent its first comment; publish until both arrive
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
      send("POST", "/v1/topics/base/publish", "{\"data\": \"streamed\"}");
      return stream.isDone();
    });
    HttpResponse<String> r = stream.get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).toList();
    assertThat(data).hasSize(2);
    JsonNode event = JSON.readTree(data.get(0).substring(6));
    assertThat(event.get("topic").asText()).isEqualTo("base");
    assertThat(event.get("data").asText()).isEqualTo("streamed");
    assertThat(event.get("base64").asText()).isEqualTo("c3RyZWFtZWQ=");
    assertThat(event.get("from").asText()).isEqualTo(node.peerId().toString());
    assertThat(r.body()).contains("event: message");
  }

  /**
   * Issue 15: a 429 carried an empty reason phrase (the JDK server could not send one). The status
   * line, read off the socket, now carries it, and the body still names the status for the clients
   * that read it there.
   */
  @Test
  void aStreamBeyondTheLimitIs429AndTheBodyNamesTheStatus() throws Exception {
    assertThat(send("PUT", "/v1/topics/crowded", null).statusCode()).isEqualTo(201);
    List<java.net.Socket> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < AdminServer.MAX_STREAMS; i++) {
        java.net.Socket s = rawGet("/v1/topics/crowded/messages?limit=1");
        open.add(s);
        assertThat(readUntil(s, ": subscribed")).startsWith("HTTP/1.1 200 OK");
      }
      try (java.net.Socket extra = rawGet("/v1/topics/crowded/messages")) {
        String reply = readUntil(extra, "}");
        assertThat(reply.lines().findFirst().orElse("")).as(reply).isEqualTo("HTTP/1.1 429 Too Many Requests");
        JsonNode body = JSON.readTree(reply.substring(reply.indexOf('{')));
        assertThat(body.get("code").asText()).isEqualTo("too_many_streams");
        assertThat(body.get("status").asText()).isEqualTo("429 Too Many Requests");
        assertThat(body.get("message").asText()).isEqualTo(AdminServer.MAX_STREAMS + " message streams open, the maximum");
      }
    } finally {
      // one message ends every limit=1 stream, which frees its slot
      send("POST", "/v1/topics/crowded/publish", "{\"data\": \"bye\"}");
      for (java.net.Socket s : open) {
        readUntil(s, "event: message");
        s.close();
      }
      send("DELETE", "/v1/topics/crowded", null);
    }
    clientError(send("GET", "/v1/colour", null), 404, "not_found");
    assertThat(json(send("GET", "/v1/colour", null)).get("status").asText()).isEqualTo("404 Not Found");
  }

  /** Issue 15: a 422 and a 413 carry their reason phrases on the raw status line, as the body's "status" does. */
  @Test
  void a422AndA413CarryTheirReasonPhrasesOnTheStatusLine() throws Exception {
    node.router().addValidator("phrases", (src, m) -> CompletableFuture.completedFuture(ValidationResult.REJECT));
    String body = "{\"data\": \"refused\"}";
    try (java.net.Socket s = rawRequest("POST", "/v1/topics/phrases/publish", body)) {
      String reply = readUntil(s, "}");
      assertThat(reply.lines().findFirst().orElse("")).as(reply).isEqualTo("HTTP/1.1 422 Unprocessable Content");
      JsonNode e = JSON.readTree(reply.substring(reply.indexOf('{')));
      assertThat(e.get("code").asText()).isEqualTo("rejected");
      assertThat(e.get("status").asText()).isEqualTo("422 Unprocessable Content");
    }
    try (java.net.Socket s = rawRequest("PUT", "/v1/params", "x".repeat(MAX_BODY + 1))) {
      String reply = readUntil(s, "}");
      assertThat(reply.lines().findFirst().orElse("")).as(reply).isEqualTo("HTTP/1.1 413 Content Too Large");
      assertThat(JSON.readTree(reply.substring(reply.indexOf('{'))).get("code").asText()).isEqualTo("too_large");
    }
  }

  /**
   * A client that does not read: the server keeps at most its buffer of messages for it (no thread
   * waits for it) and reports what it dropped as {@code event: dropped} once the client reads again.
   */
  @Test
  void aStreamWhoseClientDoesNotReadDropsBeyondItsBufferAndSaysSo() throws Exception {
    assertThat(send("PUT", "/v1/topics/flood", null).statusCode()).isEqualTo(201);
    try (java.net.Socket s = new java.net.Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", admin.address().getPort()), 10_000);
      s.setSoTimeout(20_000);
      s.getOutputStream().write(("GET /v1/topics/flood/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
          + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1), 1 << 16);
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
      String line;
      do {
        line = in.readLine();
      } while (line != null && !line.contains(": subscribed"));
      assertThat(line).as("the stream's first comment").isNotNull();
      // far more than the buffer plus what the socket buffers hold (each event is ~38 KB)
      byte[] payload = "x".repeat(16 * 1024).getBytes(StandardCharsets.UTF_8);
      int published = AdminServer.STREAM_BUFFER * 3 / 2;
      for (int i = 0; i < published; i++) {
        node.publish("flood", payload).get(10, java.util.concurrent.TimeUnit.SECONDS);
      }
      // every message is either delivered or counted in an event: dropped (the count is cumulative)
      long messages = 0;
      long dropped = 0;
      while (messages + dropped < published) {
        line = in.readLine();
        assertThat(line).as("stream ended after %d messages, %d dropped", messages, dropped).isNotNull();
        if (line.equals("event: message")) {
          messages++;
        } else if (line.equals("event: dropped")) {
          String data = in.readLine();
          assertThat(data).startsWith("data: ");
          long d = JSON.readTree(data.substring(6)).get("dropped").asLong();
          assertThat(d).as("cumulative").isGreaterThan(dropped);
          dropped = d;
        }
      }
      assertThat(messages + dropped).isEqualTo(published);
      assertThat(dropped).as("a client that did not read lost messages").isPositive();
      assertThat(messages).as("but at least its buffer's worth arrived").isGreaterThanOrEqualTo(AdminServer.STREAM_BUFFER);
    } finally {
      send("DELETE", "/v1/topics/flood", null);
    }
  }

  /** Keep-alive and pipelining: requests sent in one write are answered on one connection, in order. */
  @Test
  void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
    String auth = "Host: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN + "\r\n";
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", admin.address().getPort())) {
      s.setSoTimeout(20_000);
      // the slow one first: a publish waits for the router, the others need nothing
      s.getOutputStream().write(("POST /v1/topics/base/publish HTTP/1.1\r\n" + auth
          + "Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"data\": \"one\"}"
          + "GET /v1/nothing HTTP/1.1\r\n" + auth + "\r\n"
          + "GET /healthz HTTP/1.1\r\n" + auth + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      // a body has no line end of its own, so the next status line follows it directly
      List<String> statuses = java.util.regex.Pattern.compile("HTTP/1\\.1 \\d{3} [^\\r\\n]*").matcher(all).results()
          .map(java.util.regex.MatchResult::group).toList();
      assertThat(statuses).as(all).containsExactly("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK");
      assertThat(all).contains("\"topic\":\"base\"").contains("\"live\":true");
      assertThat(all.indexOf("\"topic\":\"base\"")).isLessThan(all.indexOf("no such endpoint"));
    }
  }

  /** The connection bound: at the limit a new connection is closed at once; closing some makes room again. */
  @Test
  void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
    List<java.net.Socket> open = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < AdminServer.MAX_CONNECTIONS; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", admin.address().getPort());
        s.setSoTimeout(10_000);
        open.add(s);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> admin.openConnections() == AdminServer.MAX_CONNECTIONS);
      try (java.net.Socket extra = new java.net.Socket("127.0.0.1", admin.address().getPort())) {
        extra.setSoTimeout(10_000);
        assertThat(extra.getInputStream().read()).as("closed without a byte").isEqualTo(-1);
      }
      assertThat(admin.openConnections()).isEqualTo(AdminServer.MAX_CONNECTIONS);
    } finally {
      for (java.net.Socket s : open) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> admin.openConnections() < AdminServer.MAX_CONNECTIONS / 2);
    try (java.net.Socket s = rawGet("/healthz")) {
      assertThat(readUntil(s, "}")).startsWith("HTTP/1.1 200 OK");
    }
  }

  /** A request line beyond the decoder's bound is a JSON 414 with its phrase, and the node keeps serving. */
  @Test
  void anOverlongRequestLineIs414() throws Exception {
    try (java.net.Socket s = rawGet("/v1/" + "x".repeat(5000))) {
      String reply = readUntil(s, "}");
      assertThat(reply.lines().findFirst().orElse("")).as(reply).isEqualTo("HTTP/1.1 414 URI Too Long");
      assertThat(JSON.readTree(reply.substring(reply.indexOf('{'))).get("code").asText()).isEqualTo("uri_too_long");
    }
  }

  /** A request with a body on a fresh socket, as bytes (nothing between the test and the status line). */
  private static java.net.Socket rawRequest(String method, String path, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    java.net.Socket s = new java.net.Socket("127.0.0.1", admin.address().getPort());
    s.setSoTimeout(20_000);
    s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
        + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().write(b);
    s.getOutputStream().flush();
    return s;
  }

  private static java.net.Socket rawGet(String path) throws IOException {
    java.net.Socket s = new java.net.Socket("127.0.0.1", admin.address().getPort());
    s.setSoTimeout(20_000);
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  /** What the socket delivers until {@code marker} has arrived (a read timeout fails the test). */
  private static String readUntil(java.net.Socket s, String marker) throws IOException {
    StringBuilder b = new StringBuilder();
    java.io.InputStream in = s.getInputStream();
    while (!b.toString().contains(marker)) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("connection ended before '" + marker + "': " + b);
      }
      b.append((char) c);
    }
    return b.toString();
  }

  @Test
  void metricsArePrometheusTextWithJvmRouterAndParameterFigures() throws Exception {
    HttpResponse<String> r = send("GET", "/metrics", null, null, null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(r.body()).contains("topicmesh_node_param{name=\"d\"}").contains("topicmesh_pubsub_")
        .contains("topicmesh_node_ready");
    String text = new String(r.body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("NaN\nNaN");
  }

  /** The example's {@code prices} entry of node.yaml's topics list (operator/examples/topiccluster.yaml). */
  private static final String PRICES = """
      {"name": "prices", "validation": "StrictSign", "score": {"topicWeight": 1.0, "timeInMeshWeight": 0.01,
       "timeInMeshQuantumMs": 1000, "timeInMeshCap": 3600, "firstMessageDeliveriesWeight": 1.0,
       "firstMessageDeliveriesDecay": 0.5, "firstMessageDeliveriesCap": 100, "invalidMessageDeliveriesWeight": -100,
       "invalidMessageDeliveriesDecay": 0.3}}""";

  @Test
  void topicSettingsAreAppliedLiveAndReplacedAndReported() throws Exception {
    try {
      HttpResponse<String> r = send("PUT", "/v1/topics/prices", PRICES);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      JsonNode t = json(r);
      assertThat(t.get("name").asText()).isEqualTo("prices");
      assertThat(t.get("subscribed").asBoolean()).isTrue();
      assertThat(t.get("validation").asText()).isEqualTo("StrictSign");
      assertThat(t.get("signaturePolicy").asText()).isEqualTo("StrictSign");
      assertThat(t.get("score").get("topicWeight").asDouble()).isEqualTo(1.0);
      assertThat(t.get("score").get("timeInMeshQuantumMs").asLong()).isEqualTo(1000);
      assertThat(t.get("score").get("meshMessageDeliveriesWeight").asDouble()).as("P3 off when not given").isZero();
      assertThat(node.router().subscriptions()).contains("prices");
      await().atMost(Duration.ofSeconds(10)).until(() -> node.router().scoreParams().topics().containsKey("prices"));
      assertThat(node.router().scoreParams().topics().get("prices").invalidMessageDeliveriesWeight()).isEqualTo(-100);

      // replaced as a whole: P3 on with its calibration, the other members back to their defaults
      r = send("PUT", "/v1/topics/prices", """
          {"score": {"topicWeight": 0.5, "meshMessageDeliveriesWeight": -0.2, "meshMessageDeliveriesThreshold": 2,
           "meshMessageDeliveriesActivationMs": 30000}}""");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json(r).get("score").get("meshMessageDeliveriesThreshold").asDouble()).isEqualTo(2.0);
      assertThat(json(r).get("score").get("invalidMessageDeliveriesWeight").asDouble()).isEqualTo(-1.0);
      await().atMost(Duration.ofSeconds(10)).until(() ->
          node.router().scoreParams().topics().get("prices").meshMessageDeliveriesWeight() == -0.2);

      // no body: subscribed, settings kept
      r = send("PUT", "/v1/topics/prices", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(r).get("score").get("topicWeight").asDouble()).isEqualTo(0.5);

      JsonNode listed = null;
      for (JsonNode e : json(send("GET", "/v1/topics", null)).get("topics")) {
        if (e.get("name").asText().equals("prices")) {
          listed = e;
        }
      }
      assertThat(listed).as("prices in GET /v1/topics").isNotNull();
      assertThat(listed.get("score").get("meshMessageDeliveriesActivationMs").asLong()).isEqualTo(30_000);
      assertThat(listed.get("validation").asText()).isEqualTo("StrictSign");

      // a body without score: the topic is no longer scored
      r = send("PUT", "/v1/topics/prices", "{\"name\": \"prices\", \"validation\": \"LaxSign\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json(r).get("score").isNull()).isTrue();
      assertThat(json(r).get("validation").asText()).isEqualTo("LaxSign");
      await().atMost(Duration.ofSeconds(10)).until(() -> !node.router().scoreParams().topics().containsKey("prices"));
    } finally {
      send("DELETE", "/v1/topics/prices", null);
    }
  }

  /** Per-topic mesh degrees: given members over the node's, live from the next heartbeat, replaced with the settings. */
  @Test
  void aTopicsMeshDegreesAreAppliedLiveAndReplacedWithItsSettings() throws Exception {
    try {
      HttpResponse<String> r = send("PUT", "/v1/topics/tuned", "{\"mesh\": {\"d\": 3, \"dlo\": 2, \"dhi\": 4, \"dout\": 1}}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      JsonNode mesh = json(r).get("mesh");
      assertThat(mesh.get("d").asInt()).isEqualTo(3);
      assertThat(mesh.get("dlo").asInt()).isEqualTo(2);
      assertThat(mesh.get("dlazy").asInt()).as("not given: the node's").isEqualTo(node.router().params().dlazy());
      await().atMost(Duration.ofSeconds(10)).until(() -> node.router().meshParams("tuned").d() == 3);
      assertThat(node.router().meshParams("tuned").dhi()).isEqualTo(4);
      assertThat(json(send("GET", "/v1/topics", null)).get("topics").toString()).contains("\"meshParams\":{\"d\":3");

      // settings without mesh: back to the node's degrees
      r = send("PUT", "/v1/topics/tuned", "{\"validation\": \"StrictSign\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(json(r).get("mesh").isNull()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> node.router().meshParams("tuned").d() == node.router().params().d());
    } finally {
      send("DELETE", "/v1/topics/tuned", null);
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', textBlock = """
      {"name": "other"}                                      | invalid_params | name=other: must equal the topic in the path
      {"validation": "Loose"}                                | invalid_params | validation=Loose: one of
      {"colour": "red"}                                      | invalid_params | colour=red: unknown key
      {"score": 5}                                           | invalid_params | score=5: a mapping
      {"score": {"warp": 1}}                                 | invalid_params | score.warp=1: unknown parameter
      {"score": {"topicWeight": "x"}}                        | invalid_params | score.topicWeight="x": must be a number
      {"score": {"topicWeight": -1}}                         | invalid_params | score.topicWeight=-1.0: must be >= 0
      {"score": {"meshMessageDeliveriesWeight": -1}}         | invalid_params | score.meshMessageDeliveriesThreshold=0.0: must be > 0
      {"score": {"timeInMeshQuantumMs": 1.5}}                | invalid_params | score.timeInMeshQuantumMs=1.5: must be an integer
      {"mesh": 5}                                            | invalid_params | mesh=5: a mapping of mesh degrees
      {"mesh": {"warp": 1}}                                  | invalid_params | mesh.warp=1: unknown key
      {"mesh": {"dlo": 9}}                                   | invalid_params | mesh.dlo=9: must be <= d (6)
      {"mesh": {"d": 3, "dlo": 2, "dhi": 4, "dout": 2}}      | invalid_params | mesh.dout=2: must be < dlo (2)
      [1]                                                    | bad_request    | body must be a JSON object
      {"score": {"topicWeight": 1, "topicWeight": 2}}        | bad_json       | Duplicate field
      {"validation":                                         | bad_json       | not valid JSON
      """)
  void badTopicBodiesAre400NamingTheFieldAndChangeNothing(String body, String code, String message) throws Exception {
    var subs = node.router().subscriptions();
    var scores = node.router().scoreParams();
    JsonNode e = clientError(send("PUT", "/v1/topics/rejected", body), 400, code);
    assertThat(e.get("message").asText()).contains(message);
    assertThat(node.router().subscriptions()).isEqualTo(subs).doesNotContain("rejected");
    assertThat(node.topicSettings("rejected").get("score")).isNull();
    assertThat(node.router().scoreParams()).isEqualTo(scores);
  }

  /**
   * The signature policy is one for the node and fixed at start (StrictNoSign only when every topic
   * asks for a NoSign mode, as in node.yaml): a live mode is accepted when the policy it calls for
   * is the running one, and refused naming the field when it would take a restart.
   */
  @Test
  void aTopicsValidationModeIsAcceptedWhenThePolicyAllowsItAndOtherwiseNeedsARestart() throws Exception {
    // on this StrictSign node a NoSign topic signs, as it would from node.yaml
    HttpResponse<String> r = send("PUT", "/v1/topics/quiet", "{\"validation\": \"StrictNoSign\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(json(r).get("validation").asText()).isEqualTo("StrictNoSign");
    assertThat(json(r).get("signaturePolicy").asText()).isEqualTo("StrictSign");
    assertThat(send("DELETE", "/v1/topics/quiet", null).statusCode()).isEqualTo(204);

    Daemon unsigned = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of(Map.of("name", "anon", "validation", "StrictNoSign")))),
        PrivKey.generate(KeyType.ED25519, new SecureRandom()), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    unsigned.start();
    AdminServer a = new AdminServer(unsigned, new InetSocketAddress("127.0.0.1", 0), TOKEN, MAX_BODY);
    a.start();
    try {
      java.util.function.BiFunction<String, String, HttpResponse<String>> put = (path, body) -> {
        try {
          return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.address().getPort() + path))
              .header("Authorization", "Bearer " + TOKEN).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
              HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      };
      HttpResponse<String> ok = put.apply("/v1/topics/anon2", "{\"validation\": \"LaxNoSign\"}");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
      assertThat(json(ok).get("signaturePolicy").asText()).isEqualTo("StrictNoSign");
      HttpResponse<String> no = put.apply("/v1/topics/signed", "{\"validation\": \"StrictSign\"}");
      JsonNode e = clientError(no, 400, "invalid_params");
      assertThat(e.get("message").asText()).startsWith("validation=StrictSign: needs a restart: this node runs StrictNoSign");
      assertThat(unsigned.router().subscriptions()).filteredOn(t -> !t.startsWith("_topicmesh/"))
          .containsExactlyInAnyOrder("anon", "anon2");
      // no mode given: the topic runs under the node's policy
      HttpResponse<String> plain = put.apply("/v1/topics/plain", "{\"score\": {\"topicWeight\": 0.2}}");
      assertThat(plain.statusCode()).as(plain.body()).isEqualTo(201);
      assertThat(json(plain).get("validation").asText()).isEqualTo("StrictNoSign");
    } finally {
      a.close();
      unsigned.shutdown();
    }
  }
}
