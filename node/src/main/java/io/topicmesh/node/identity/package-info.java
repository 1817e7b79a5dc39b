/**
 * libp2p identities: keys, signatures and peer ids, byte-compatible with the libp2p peer-ids spec
 * (https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md).
 *
 * <ul>
 *   <li>{@link io.topicmesh.node.identity.PubKey} / {@link io.topicmesh.node.identity.PrivKey}:
 *       Ed25519, secp256k1, ECDSA (NIST curves) and RSA (2048 to 16384 bits), with the
 *       deterministic protobuf encoding and each type's signature scheme. Decoding is bounded and
 *       every malformed input is an {@link io.topicmesh.node.identity.InvalidKeyException};
 *       verification never throws.
 *   <li>{@link io.topicmesh.node.identity.PeerId}: the multihash of a public key, in base58btc or
 *       CIDv1 text.
 *   <li>{@link io.topicmesh.node.identity.KeyFile}: the node's key on disk.
 * </ul>
 */
package io.topicmesh.node.identity;
