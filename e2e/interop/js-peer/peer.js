// A js-libp2p host with gossipsub that topicmesh's interop tests drive as a child process: flags
// configure it, stdin carries one command per line, stdout carries one JSON event per line. The
// contract is shared with ../go-peer and documented in ../README.md.
import './polyfill.js'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, generateKeyPairFromSeed, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { floodsub } from '@libp2p/floodsub'
import { identify } from '@libp2p/identify'
import { mplex } from '@libp2p/mplex'
import { peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

// Bounds every command that waits on the network (dial, ping, identify).
const COMMAND_TIMEOUT_MS = 10_000
const DEFAULT_AGENT = 'topicmesh-interop-js/0.1.0 (js-libp2p 2.9.0, libp2p-gossipsub 14.1.2)'

function emit (event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + '\n')
}

function emitError (command, err) {
  const message = err instanceof Error ? err.message : String(err)
  emit('error', command == null ? { message } : { command, message })
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64')

function parseOptions (args) {
  const o = {
    listen: [],
    keySeed: undefined,
    muxer: 'both',
    dial: [],
    topics: [],
    pubsub: 'gossipsub',
    protocols: [],
    d: 0,
    dlo: 0,
    dhi: 0,
    heartbeatMs: 0,
    floodPublish: true,
    traceRpc: false,
    agent: DEFAULT_AGENT
  }
  for (let i = 0; i < args.length; i++) {
    const name = args[i]
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`flag ${name} needs a value`)
      return args[++i]
    }
    const intValue = () => {
      const v = value()
      if (!/^[0-9]+$/.test(v)) throw new Error(`flag ${name} needs a non-negative integer, got "${v}"`)
      return Number.parseInt(v, 10)
    }
    const oneOf = (allowed) => {
      const v = value()
      if (!allowed.includes(v)) throw new Error(`${name} must be ${allowed.join(', ')}, got "${v}"`)
      return v
    }
    switch (name) {
      case '--listen': o.listen.push(value()); break
      case '--key-seed': o.keySeed = value(); break
      case '--muxer': o.muxer = oneOf(['yamux', 'mplex', 'both']); break
      case '--dial': o.dial.push(value()); break
      case '--topic': o.topics.push(value()); break
      case '--pubsub': o.pubsub = oneOf(['gossipsub', 'floodsub', 'none']); break
      case '--protocols': o.protocols = value().split(',').map(s => s.trim()).filter(s => s !== ''); break
      case '--d': o.d = intValue(); break
      case '--dlo': o.dlo = intValue(); break
      case '--dhi': o.dhi = intValue(); break
      case '--heartbeat-ms': o.heartbeatMs = intValue(); break
      case '--flood-publish': o.floodPublish = oneOf(['true', 'false']) === 'true'; break
      case '--trace-rpc': o.traceRpc = true; break
      case '--agent': o.agent = value(); break
      default: throw new Error(`unknown flag "${name}"`)
    }
  }
  if (o.protocols.length > 0 && o.pubsub !== 'gossipsub') throw new Error('--protocols needs --pubsub gossipsub')
  if (o.listen.length === 0) o.listen.push('/ip4/127.0.0.1/tcp/0')
  return o
}

// Same derivation as the go peer: Ed25519 seed = SHA-256("topicmesh-interop-key-seed:" + n).
async function identityKey (seed) {
  if (seed == null) return generateKeyPair('Ed25519')
  const digest = createHash('sha256').update('topicmesh-interop-key-seed:' + seed, 'utf8').digest()
  return generateKeyPairFromSeed('Ed25519', new Uint8Array(digest))
}

function gossipOptions (o) {
  const opts = {
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    fallbackToFloodsub: true,
    floodPublish: o.floodPublish
  }
  if (o.d > 0) opts.D = o.d
  if (o.dlo > 0) opts.Dlo = o.dlo
  if (o.dhi > 0) opts.Dhi = o.dhi
  if (o.heartbeatMs > 0) opts.heartbeatInterval = o.heartbeatMs
  const D = opts.D ?? 6
  const Dlo = opts.Dlo ?? 4
  const Dhi = opts.Dhi ?? 12
  if (!(Dlo <= D && D <= Dhi)) {
    throw new Error(`gossipsub degrees must satisfy dlo <= d <= dhi, got dlo=${Dlo} d=${D} dhi=${Dhi}`)
  }
  // Keep the same invariants go-libp2p-pubsub enforces, so both peers accept the same flags.
  opts.Dout = Math.max(0, Math.min(2, Dlo - 1, Math.floor(D / 2)))
  opts.Dscore = Math.min(4, Dhi)
  return opts
}

// Default message id of both implementations under StrictSign: from (multihash bytes) || seqno.
function messageId (msg) {
  const from = msg.from.toMultihash().bytes
  const seqno = seqnoBytes(msg.sequenceNumber)
  const id = new Uint8Array(from.length + seqno.length)
  id.set(from, 0)
  id.set(seqno, from.length)
  return id
}

function seqnoBytes (n) {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, n), false)
  return out
}

function withTimeout (ms) {
  return { signal: AbortSignal.timeout(ms) }
}

class Peer {
  constructor (o) {
    this.o = o
    this.identity = new Map() // peer id string -> last identify event fields
    this.mesh = new Map() // topic -> sorted peer ids last reported
    this.subscribed = new Set()
    this.node = undefined
    this.pubsub = undefined
  }

  async start () {
    const o = this.o
    const privateKey = await identityKey(o.keySeed)
    const streamMuxers = []
    if (o.muxer === 'yamux' || o.muxer === 'both') streamMuxers.push(yamux())
    if (o.muxer === 'mplex' || o.muxer === 'both') streamMuxers.push(mplex())
    const services = {
      identify: identify({ agentVersion: o.agent }),
      ping: ping()
    }
    if (o.pubsub === 'gossipsub') services.pubsub = gossipsub(gossipOptions(o))
    if (o.pubsub === 'floodsub') services.pubsub = floodsub({ emitSelf: false })

    const node = await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: o.listen },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers,
      services,
      // The monitor pings every connection and aborts ones that fail: it would make this peer
      // close connections to a node under test on its own schedule. Tests ping explicitly.
      connectionMonitor: { enabled: false }
    })
    this.node = node
    this.pubsub = node.services.pubsub
    if (o.protocols.length > 0) {
      this.pubsub.multicodecs = [...o.protocols]
    }
    emit('peer-id', { id: node.peerId.toString(), publicKey: b64(publicKeyToProtobuf(privateKey.publicKey)), impl: 'js' })
    this.watchNode()
    if (this.pubsub != null) this.watchPubsub()
    await node.start()

    for (const a of node.getMultiaddrs()) emit('listening', { addr: a.toString() })
    for (const t of o.topics) await this.run(`--topic ${t}`, () => this.subscribe(t))
    for (const a of o.dial) await this.run(`--dial ${a}`, () => this.dial(a))
    emit('ready', { id: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })
  }

  watchNode () {
    const node = this.node
    node.addEventListener('connection:open', (e) => {
      const c = e.detail
      emit('connected', {
        peer: c.remotePeer.toString(),
        direction: c.direction,
        muxer: c.multiplexer,
        security: c.encryption,
        addr: transportAddr(c.remoteAddr)
      })
    })
    node.addEventListener('connection:close', (e) => {
      const c = e.detail
      emit('disconnected', { peer: c.remotePeer.toString(), addr: transportAddr(c.remoteAddr) })
      this.checkMeshSoon()
    })
    node.addEventListener('peer:identify', (e) => {
      const r = e.detail
      const info = {
        peer: r.peerId.toString(),
        protocols: [...r.protocols],
        listenAddrs: r.listenAddrs.map(a => a.toString()),
        observedAddr: r.observedAddr == null ? null : r.observedAddr.toString(),
        agentVersion: r.agentVersion ?? '',
        protocolVersion: r.protocolVersion ?? '',
        publicKey: r.publicKey == null ? '' : b64(r.publicKey),
        signedPeerRecord: r.signedPeerRecord != null
      }
      this.identity.set(info.peer, info)
      emit('identify', info)
    })
  }

  watchPubsub () {
    const ps = this.pubsub
    if (this.o.pubsub === 'gossipsub') {
      ps.addEventListener('gossipsub:message', (e) => this.emitMessage(e.detail.msg, e.detail.propagationSource))
      for (const name of ['gossipsub:graft', 'gossipsub:prune', 'gossipsub:heartbeat']) {
        ps.addEventListener(name, () => this.checkMeshSoon())
      }
    } else {
      ps.addEventListener('message', (e) => this.emitMessage(e.detail, undefined))
    }
    ps.addEventListener('subscription-change', (e) => {
      const peer = e.detail.peerId.toString()
      for (const s of e.detail.subscriptions) {
        emit('subscription', { peer, topic: s.topic, subscribed: s.subscribe })
      }
    })
    if (this.o.traceRpc) this.traceRpc()
  }

  emitMessage (msg, receivedFrom) {
    if (msg.type !== 'signed') {
      emit('message', { topic: msg.topic, from: null, seqno: null, id: null, data: b64(msg.data), receivedFrom: receivedFrom?.toString() ?? null })
      return
    }
    emit('message', {
      topic: msg.topic,
      from: msg.from.toString(),
      seqno: Buffer.from(seqnoBytes(msg.sequenceNumber)).toString('hex'),
      id: b64(messageId(msg)),
      data: b64(msg.data),
      receivedFrom: (receivedFrom ?? msg.from).toString()
    })
  }

  // gossipsub changes its mesh in several places (GRAFT/PRUNE handling, heartbeat, peer removal)
  // and fires its events around the change: compare after the current task and report changes.
  checkMeshSoon () {
    setImmediate(() => {
      if (this.pubsub == null || this.o.pubsub !== 'gossipsub') return
      const topics = new Set([...this.subscribed, ...this.mesh.keys()])
      for (const topic of topics) {
        const peers = [...(this.pubsub.getMeshPeers(topic) ?? [])].map(String).sort()
        const before = this.mesh.get(topic)
        if (before == null || before.join(',') !== peers.join(',')) {
          if (peers.length === 0 && before == null) continue
          this.mesh.set(topic, peers)
          emit('mesh', { topic, peers })
        }
      }
    })
  }

  // Wraps the router's receive and send paths to summarise every RPC (--trace-rpc): gossipsub
  // receives in handleReceivedRpc, floodsub (the @libp2p/pubsub base) in processRpc.
  traceRpc () {
    const ps = this.pubsub
    if (this.o.pubsub === 'gossipsub') {
      const recv = ps.handleReceivedRpc.bind(ps)
      ps.handleReceivedRpc = async (from, rpc) => {
        emitRpc('in', from.toString(), rpc)
        return recv(from, rpc)
      }
    } else {
      const recv = ps.processRpc.bind(ps)
      ps.processRpc = async (from, peerStreams, rpc) => {
        emitRpc('in', from.toString(), rpc)
        return recv(from, peerStreams, rpc)
      }
    }
    const send = ps.sendRpc.bind(ps)
    ps.sendRpc = (id, rpc) => {
      const sent = send(id, rpc)
      // gossipsub piggybacks pending control and gossip onto rpc before encoding it: report that.
      if (sent !== false) emitRpc('out', id.toString(), rpc)
      return sent
    }
  }

  async run (command, fn) {
    try {
      await fn()
    } catch (err) {
      emitError(command, err)
    }
  }

  // Runs one stdin command and prints its answer; returns true on quit.
  async handle (line) {
    const f = line.trim().split(/\s+/)
    if (f[0] === '') return false
    const arg = (i) => f[i] ?? ''
    let quit = false
    await this.run(line, async () => {
      switch (f[0]) {
        case 'dial': return this.dial(arg(1))
        case 'ping': return this.ping(arg(1))
        case 'identify': return this.identify(arg(1))
        case 'subscribe': return this.subscribe(arg(1))
        case 'unsubscribe': return this.unsubscribe(arg(1))
        case 'publish': return this.publish(arg(1), arg(2))
        case 'mesh': return this.meshCommand(arg(1))
        case 'subscribers': return this.subscribers(arg(1))
        case 'peers': return this.peers()
        case 'hangup': return this.hangup(arg(1))
        case 'quit': quit = true; return
        default: throw new Error(`unknown command "${f[0]}" (known: dial, ping, identify, subscribe, unsubscribe, publish, mesh, subscribers, peers, hangup, quit)`)
      }
    })
    return quit
  }

  async dial (addr) {
    let ma
    try {
      ma = multiaddr(addr)
    } catch (err) {
      throw new Error(`bad multiaddr "${addr}": ${err.message}`)
    }
    if (ma.getPeerId() == null) throw new Error('dial address must end with /p2p/<peer-id>')
    const c = await this.node.dial(ma, withTimeout(COMMAND_TIMEOUT_MS))
    emit('dialed', { peer: c.remotePeer.toString(), addr: transportAddr(c.remoteAddr), muxer: c.multiplexer })
  }

  async ping (id) {
    const peerId = parsePeerId(id)
    const rtt = await this.node.services.ping.ping(peerId, withTimeout(COMMAND_TIMEOUT_MS))
    emit('ping', { peer: id, rttMs: rtt })
  }

  async identify (id) {
    const peerId = parsePeerId(id)
    if (!this.identity.has(id)) {
      const conns = this.node.getConnections(peerId)
      if (conns.length === 0) throw new Error(`no identify result from ${id} and not connected to it`)
      // Runs identify on the connection; the result arrives through the peer:identify event.
      await this.node.services.identify.identify(conns[0], withTimeout(COMMAND_TIMEOUT_MS))
    }
    const info = this.identity.get(id)
    if (info == null) throw new Error(`no identify result from ${id}`)
    emit('identify', info)
  }

  requirePubsub () {
    if (this.pubsub == null) throw new Error('pubsub is disabled (--pubsub none)')
  }

  async subscribe (topic) {
    this.requirePubsub()
    if (topic === '') throw new Error('usage: subscribe <topic>')
    this.pubsub.subscribe(topic)
    this.subscribed.add(topic)
    emit('subscribed', { topic })
  }

  async unsubscribe (topic) {
    this.requirePubsub()
    if (!this.subscribed.has(topic)) throw new Error(`not subscribed to "${topic}"`)
    this.pubsub.unsubscribe(topic)
    this.subscribed.delete(topic)
    emit('unsubscribed', { topic })
    this.checkMeshSoon()
  }

  async publish (topic, data) {
    this.requirePubsub()
    if (topic === '') throw new Error('usage: publish <topic> <base64-data>')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
      throw new Error('publish data must be base64')
    }
    const payload = new Uint8Array(Buffer.from(data, 'base64'))
    await this.pubsub.publish(topic, payload)
    emit('published', { topic, bytes: payload.length })
  }

  async meshCommand (topic) {
    this.requirePubsub()
    if (this.o.pubsub !== 'gossipsub') {
      emit('mesh', { topic, peers: [] })
      return
    }
    emit('mesh', { topic, peers: [...(this.pubsub.getMeshPeers(topic) ?? [])].map(String).sort() })
  }

  async subscribers (topic) {
    this.requirePubsub()
    emit('subscribers', { topic, peers: this.pubsub.getSubscribers(topic).map(p => p.toString()).sort() })
  }

  async peers () {
    const connections = this.node.getConnections().map(c => ({
      peer: c.remotePeer.toString(),
      direction: c.direction,
      muxer: c.multiplexer,
      addr: transportAddr(c.remoteAddr)
    }))
    emit('peers', { peers: this.node.getPeers().map(p => p.toString()).sort(), connections })
  }

  async hangup (id) {
    await this.node.hangUp(parsePeerId(id))
    emit('hung-up', { peer: id })
  }

  async stop () {
    emit('bye')
    await this.node?.stop()
  }
}

// The remote's transport address without the /p2p/<id> suffix js-libp2p appends (the go peer
// reports it the same way; the peer id is in its own field).
function transportAddr (ma) {
  return ma.toString().replace(/\/p2p\/[^/]+$/, '')
}

function parsePeerId (id) {
  try {
    return peerIdFromString(id)
  } catch (err) {
    throw new Error(`bad peer id "${id}": ${err.message}`)
  }
}

const idsB64 = (ids) => (ids ?? []).map(b64)

function emitRpc (direction, peer, rpc) {
  const c = rpc.control ?? {}
  emit('rpc', {
    direction,
    peer,
    subscriptions: (rpc.subscriptions ?? []).map(s => ({ topic: s.topic, subscribe: s.subscribe === true })),
    messages: (rpc.messages ?? []).map(m => ({
      topic: m.topic,
      from: m.from == null ? null : peerIdFromBytes(m.from),
      // gossipsub's codec calls it seqno, @libp2p/pubsub's (floodsub) sequenceNumber
      seqno: (m.seqno ?? m.sequenceNumber) == null ? null : Buffer.from(m.seqno ?? m.sequenceNumber).toString('hex'),
      bytes: m.data?.length ?? 0
    })),
    ihave: (c.ihave ?? []).map(x => ({ topic: x.topicID, ids: idsB64(x.messageIDs) })),
    iwant: (c.iwant ?? []).flatMap(x => idsB64(x.messageIDs)),
    graft: (c.graft ?? []).map(x => x.topicID),
    prune: (c.prune ?? []).map(x => ({ topic: x.topicID, backoff: Number(x.backoff ?? 0), peers: (x.peers ?? []).length })),
    idontwant: (c.idontwant ?? []).flatMap(x => idsB64(x.messageIDs))
  })
}

function peerIdFromBytes (bytes) {
  try {
    // A PeerId's string form is the base58btc of its multihash bytes.
    return peerIdFromString(base58btc(bytes))
  } catch {
    return 'invalid:' + Buffer.from(bytes).toString('hex')
  }
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
function base58btc (bytes) {
  let n = 0n
  for (const b of bytes) n = n * 256n + BigInt(b)
  let s = ''
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    s = '1' + s
  }
  return s
}

async function main () {
  let o
  try {
    o = parseOptions(process.argv.slice(2))
  } catch (err) {
    emitError(undefined, err)
    process.exit(2)
  }
  const peer = new Peer(o)
  try {
    await peer.start()
  } catch (err) {
    emitError(undefined, err)
    process.exit(1)
  }
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await peer.stop().catch(err => emitError(undefined, err))
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  // Commands run one at a time in arrival order; a closed stdin means the test went away.
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
  let queue = Promise.resolve()
  rl.on('line', (line) => {
    queue = queue.then(async () => {
      if (stopping) return
      if (await peer.handle(line)) await stop()
    })
  })
  rl.on('close', () => { queue = queue.then(stop) })
}

process.on('unhandledRejection', (err) => emitError(undefined, err))
await main()
