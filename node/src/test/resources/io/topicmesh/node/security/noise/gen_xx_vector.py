"""Regenerates the Noise_XX_25519_ChaChaPoly_SHA256 vector in NoiseXxVectorTest.

An independent implementation (PyPI `noiseprotocol` 0.3.1 on `cryptography`) runs a full XX
handshake with fixed keys, prologue and payloads, then two transport messages each way, and
prints every value the Java test checks. Run: python3 -m pip install noiseprotocol==0.3.1 &&
python3 gen_xx_vector.py
"""
from noise.connection import NoiseConnection, Keypair

NAME = b"Noise_XX_25519_ChaChaPoly_SHA256"
INIT_STATIC = bytes(range(0x00, 0x20))
INIT_EPHEMERAL = bytes(range(0x20, 0x40))
RESP_STATIC = bytes(range(0x40, 0x60))
RESP_EPHEMERAL = bytes(range(0x60, 0x80))
PROLOGUE = b"topicmesh prologue"
PAYLOADS = [b"msg1 payload", b"msg2 payload from responder", b"", b"transport i->r 0",
            b"transport r->i 0", b"transport i->r 1", b"x" * 300]


def party(initiator, static, ephemeral):
    c = NoiseConnection.from_name(NAME)
    c.set_as_initiator() if initiator else c.set_as_responder()
    c.set_prologue(PROLOGUE)
    c.set_keypair_from_private_bytes(Keypair.STATIC, static)
    c.set_keypair_from_private_bytes(Keypair.EPHEMERAL, ephemeral)
    c.start_handshake()
    return c


i = party(True, INIT_STATIC, INIT_EPHEMERAL)
r = party(False, RESP_STATIC, RESP_EPHEMERAL)
msgs = []
m = i.write_message(PAYLOADS[0]); assert r.read_message(m) == PAYLOADS[0]; msgs.append(m)
m = r.write_message(PAYLOADS[1]); assert i.read_message(m) == PAYLOADS[1]; msgs.append(m)
m = i.write_message(PAYLOADS[2]); assert r.read_message(m) == PAYLOADS[2]; msgs.append(m)
assert i.handshake_finished and r.handshake_finished
m = i.encrypt(PAYLOADS[3]); assert r.decrypt(m) == PAYLOADS[3]; msgs.append(m)
m = r.encrypt(PAYLOADS[4]); assert i.decrypt(m) == PAYLOADS[4]; msgs.append(m)
m = i.encrypt(PAYLOADS[5]); assert r.decrypt(m) == PAYLOADS[5]; msgs.append(m)
m = r.encrypt(PAYLOADS[6]); assert i.decrypt(m) == PAYLOADS[6]; msgs.append(m)
print("handshake_hash", i.get_handshake_hash().hex())
for k, m in enumerate(msgs):
    print("message", k, bytes(m).hex())
