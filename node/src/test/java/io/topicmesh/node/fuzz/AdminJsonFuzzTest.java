package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.daemon.admin.AdminBodies;
import io.topicmesh.node.daemon.admin.ApiException;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.pubsub.router.GossipParams;
import java.util.Arrays;

/**
 * Admin API JSON bodies as the server decodes and applies them: first byte even, a {@code PUT
 * /v1/params} body merged onto the default parameters; odd, a {@code PUT /v1/topics/blocks} body
 * turned into topic settings. The server answers {@link ApiException} with its status and {@link
 * ConfigException} with 400; any other exception would be a 500, so it is a finding.
 */
class AdminJsonFuzzTest {
  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void body(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    try {
      if ((input[0] & 1) == 0) {
        GossipParams p = ParamsCodec.merge(GossipParams.defaults(), AdminBodies.params(body), "");
        // what GET /v1/params would answer reads back to the same parameters
        assertThat(ParamsCodec.merge(GossipParams.defaults(), ParamsCodec.toJson(p), "")).isEqualTo(p);
      } else {
        ConfigLoader.TopicSettings t = ConfigLoader.topic(AdminBodies.topic(body), "blocks");
        assertThat(t.name()).isEqualTo("blocks");
      }
    } catch (ApiException e) {
      assertThat(e.status()).isBetween(400, 499);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
