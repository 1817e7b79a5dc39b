package io.topicmesh.node.pubsub.net;

import com.google.protobuf.CodedInputStream;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.util.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A libp2p signed peer record (specs: RFC 0002 signed envelopes, RFC 0003 peer records), as carried
 * in a PX entry of a PRUNE: the envelope's signature is checked with its key over the domain
 * {@code libp2p-peer-record} and the record's peer id must be the key's. The domain is the one
 * go-libp2p, js-libp2p and rust-libp2p use for peer records (RFC 0003's draft names
 * {@code libp2p-routing-state} for its RoutingState; no implementation signs with it), checked
 * against a record go-libp2p-pubsub sent in PX (PubsubInteropIT).
 *
 * @param peer the record's peer
 * @param addresses its addresses (undecodable ones dropped; at most {@link #MAX_ADDRESSES})
 */
public record SignedPeerRecord(PeerId peer, List<Multiaddr> addresses) {
  /** Bound on the envelope we parse. */
  public static final int MAX_BYTES = 8 * 1024;

  /** Bound on addresses kept from one record. */
  public static final int MAX_ADDRESSES = 16;

  static final byte[] DOMAIN = "libp2p-peer-record".getBytes(StandardCharsets.US_ASCII);

  /** The payload type implementations write: the bytes 03 01 (multicodec libp2p-peer-record, 0x0301). */
  static final byte[] PAYLOAD_TYPE = {0x03, 0x01};

  /** Why an envelope was refused. */
  public static final class InvalidRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidRecordException(String message) {
      super(message, null, false, false);
    }
  }

  public SignedPeerRecord {
    addresses = List.copyOf(addresses);
  }

  /** Parses and verifies an envelope holding a peer record. */
  public static SignedPeerRecord parse(byte[] envelope) throws InvalidRecordException {
    if (envelope.length > MAX_BYTES) {
      throw new InvalidRecordException("envelope of " + envelope.length + " bytes exceeds " + MAX_BYTES);
    }
    byte[] keyBytes = null;
    byte[] payloadType = null;
    byte[] payload = null;
    byte[] signature = null;
    try {
      CodedInputStream in = CodedInputStream.newInstance(envelope);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case (1 << 3) | 2 -> keyBytes = in.readByteArray();
          case (2 << 3) | 2 -> payloadType = in.readByteArray();
          case (3 << 3) | 2 -> payload = in.readByteArray();
          case (5 << 3) | 2 -> signature = in.readByteArray();
          default -> in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new InvalidRecordException("malformed envelope: " + e.getMessage());
    }
    if (keyBytes == null || payloadType == null || payload == null || signature == null) {
      throw new InvalidRecordException("envelope lacks a key, payload type, payload or signature");
    }
    if (!Arrays.equals(payloadType, PAYLOAD_TYPE)) {
      throw new InvalidRecordException("envelope payload is not a peer record");
    }
    PubKey key;
    try {
      key = PubKey.unmarshal(keyBytes);
    } catch (RuntimeException e) {
      throw new InvalidRecordException("envelope key: " + e.getMessage());
    }
    if (!key.verify(signedData(payloadType, payload), signature)) {
      throw new InvalidRecordException("envelope signature does not verify");
    }
    PeerId peer = null;
    List<Multiaddr> addrs = new ArrayList<>();
    try {
      CodedInputStream in = CodedInputStream.newInstance(payload);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case (1 << 3) | 2 -> peer = PeerId.fromBytes(in.readByteArray());
          case (3 << 3) | 2 -> {
            byte[] info = in.readByteArray();
            CodedInputStream ai = CodedInputStream.newInstance(info);
            for (int t = ai.readTag(); t != 0; t = ai.readTag()) {
              if (t == ((1 << 3) | 2)) {
                byte[] ma = ai.readByteArray();
                if (addrs.size() < MAX_ADDRESSES) {
                  try {
                    addrs.add(Multiaddr.fromBytes(ma));
                  } catch (RuntimeException ignored) {
                    // an address we cannot decode is of no use for dialing
                  }
                }
              } else {
                ai.skipField(t);
              }
            }
          }
          default -> in.skipField(tag);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new InvalidRecordException("malformed peer record: " + e.getMessage());
    }
    if (peer == null || !peer.matches(key)) {
      throw new InvalidRecordException("peer record id does not match the envelope key");
    }
    return new SignedPeerRecord(peer, addrs);
  }

  private static byte[] signedData(byte[] payloadType, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : List.of(DOMAIN, payloadType, payload)) {
      out.writeBytes(Varint.encode(part.length));
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
