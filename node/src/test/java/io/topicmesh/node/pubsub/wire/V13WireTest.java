package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The v1.3 fields on the wire, at the numbers the spec's extensions.proto (and go-libp2p-pubsub's
 * pb/rpc.proto) assign: ControlMessage.extensions = 6, ControlExtensions.partialMessages = 10 and
 * testExtension = 6492434, RPC.partial = 10 and testExtension = 6492434, SubOpts.requestsPartial = 3
 * and supportsSendingPartial = 4, PartialMessagesExtension topicID/groupID/partialMessage/partsMetadata = 1-4.
 */
class V13WireTest {
  private static final RpcCodec CODEC = new RpcCodec(RpcLimits.defaults());

  /** The top-level field numbers of a payload, in order. */
  private static List<Integer> fields(byte[] payload) throws Exception {
    List<Integer> out = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(payload);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      out.add(WireFormat.getTagFieldNumber(tag));
      in.skipField(tag);
    }
    return out;
  }

  private static byte[] field(byte[] payload, int number) throws Exception {
    CodedInputStream in = CodedInputStream.newInstance(payload);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == number) {
        return in.readBytes().toByteArray();
      }
      in.skipField(tag);
    }
    throw new AssertionError("no field " + number);
  }

  @Test
  void v13FieldsUseTheAssignedNumbersAndRoundTrip() throws Exception {
    PartialMessageRpc partial = new PartialMessageRpc("t", ByteString.copyFromUtf8("group"),
        ByteString.copyFromUtf8("parts"), ByteString.copyFrom(new byte[] {0b101}));
    Rpc rpc = new Rpc(List.of(new SubOpts(true, "t", true, true)), List.of(),
        ControlMessage.EMPTY.withExtensions(new ControlExtensions(true, true)), partial, true);
    byte[] payload = RpcCodec.encode(rpc);
    assertThat(fields(payload)).containsExactly(1, 3, 10, 6492434);
    assertThat(fields(field(payload, 1))).containsExactly(1, 2, 3, 4);
    byte[] control = field(payload, 3);
    assertThat(fields(control)).containsExactly(6);
    assertThat(fields(field(control, 6))).containsExactly(10, 6492434);
    assertThat(fields(field(payload, 10))).containsExactly(1, 2, 3, 4);
    assertThat(CODEC.decode(payload)).isEqualTo(rpc);
  }

  @Test
  void partialOptionsOfAnUnsubscribeAreIgnoredAndRequestImpliesSupport() throws Exception {
    Rpc in = new Rpc(List.of(new SubOpts(false, "a", true, true), new SubOpts(true, "b", true, false)), List.of(), null);
    Rpc out = CODEC.decode(RpcCodec.encode(in));
    assertThat(out.subscriptions()).containsExactly(new SubOpts(false, "a", false, false), new SubOpts(true, "b", true, true));
  }

  @Test
  void withoutV13PartsTheEncodingIsThePreV13One() {
    Rpc plain = new Rpc(List.of(new SubOpts(true, "t")), List.of(), ControlMessage.EMPTY);
    assertThat(RpcCodec.encode(plain)).containsExactly(0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 't');
  }

  @Test
  void partialFieldsAsRawBytes() {
    // RPC.partial = 10 (tag 0x52) holding topicID = 1 (0x0a), groupID = 2 (0x12), partialMessage = 3
    // (0x1a), partsMetadata = 4 (0x22)
    Rpc partial = Rpc.ofPartial(new PartialMessageRpc("t", ByteString.copyFromUtf8("g"),
        ByteString.copyFrom(new byte[] {7}), ByteString.copyFrom(new byte[] {1, 1})));
    byte[] expected = {0x52, 0x0d, 0x0a, 0x01, 't', 0x12, 0x01, 'g', 0x1a, 0x01, 7, 0x22, 0x02, 1, 1};
    assertThat(RpcCodec.encode(partial)).containsExactly(expected);
    assertThat(CODEC.decode(expected)).isEqualTo(partial);
    // SubOpts requestsPartial = 3 (0x18), supportsSendingPartial = 4 (0x20)
    Rpc sub = new Rpc(List.of(new SubOpts(true, "t", true, true)), List.of(), null);
    assertThat(RpcCodec.encode(sub)).containsExactly(0x0a, 0x09, 0x08, 0x01, 0x12, 0x01, 't', 0x18, 0x01, 0x20, 0x01);
    // ControlMessage.extensions = 6 (0x32) with ControlExtensions.partialMessages = 10 (0x50)
    Rpc ext = Rpc.EMPTY.withExtensions(new ControlExtensions(true, false));
    assertThat(RpcCodec.encode(ext)).containsExactly(0x1a, 0x04, 0x32, 0x02, 0x50, 0x01);
    assertThat(CODEC.decode(RpcCodec.encode(ext))).isEqualTo(ext);
  }
}
