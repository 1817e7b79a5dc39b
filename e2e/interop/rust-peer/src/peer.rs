//! The libp2p host (TCP + noise + yamux/mplex, identify, ping, gossipsub), its events printed as
//! JSON lines and its stdin commands. Everything runs on one task: a command that waits on the
//! network (dial, ping, identify) keeps polling the swarm until its answer or its 10 s bound.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::transport::{Boxed, Transport};
use libp2p::core::upgrade::{SelectUpgrade, Version};
use libp2p::core::ConnectedPoint;
use libp2p::futures::future::Either;
use libp2p::futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, MessageId, TopicHash};
use libp2p::identity::{Keypair, PeerId};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::dial_opts::{DialOpts, PeerCondition};
use libp2p::swarm::{ConnectionId, NetworkBehaviour, Swarm, SwarmEvent};
use libp2p::{identify, noise, ping, tcp, yamux, Multiaddr};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval};

use crate::options::{MessageIdFn, Muxer, Options, Protocols, Pubsub};

/// Bound on every command that waits on the network (dial, ping, identify), and on start-up's
/// wait for the listen addresses.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often meshes and negotiated protocols are compared with what was last printed.
const CHANGE_POLL: Duration = Duration::from_millis(50);
/// Muxer names recorded by the transport and not yet claimed by a connection; a bound against
/// upgrades whose connection never gets established.
const MAX_PENDING_MUXERS: usize = 1024;

const YAMUX_ID: &str = "/yamux/1.0.0";
const MPLEX_ID: &str = "/mplex/6.7.0";
const DEFAULT_AGENT: &str =
    "topicmesh-interop-rust/0.1.0 (rust-libp2p 0.57.1, libp2p-gossipsub 0.50.1)";

/// Writes one JSON object per line to stdout, "event" first.
#[derive(Clone, Copy)]
pub struct Emitter;

impl Emitter {
    pub fn emit(&self, kind: &str, fields: Vec<(&str, Value)>) {
        let mut m = Map::new();
        m.insert("event".into(), Value::String(kind.into()));
        for (k, v) in fields {
            m.insert(k.into(), v);
        }
        let mut line = Value::Object(m).to_string();
        line.push('\n');
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let _ = lock.write_all(line.as_bytes());
        let _ = lock.flush();
    }

    pub fn error(&self, command: Option<&str>, message: &str) {
        match command {
            Some(c) => self.emit("error", vec![("command", json!(c)), ("message", json!(message))]),
            None => self.emit("error", vec![("message", json!(message))]),
        }
    }
}

#[derive(NetworkBehaviour)]
#[behaviour(prelude = "libp2p::swarm::derive_prelude")]
struct Behaviour {
    gossipsub: Toggle<gossipsub::Behaviour>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

struct ConnInfo {
    peer: PeerId,
    direction: &'static str,
    muxer: String,
    addr: Multiaddr,
}

/// What a peer told us in its last identify.
struct IdentifyInfo {
    protocols: Vec<String>,
    listen_addrs: Vec<String>,
    observed_addr: String,
    agent_version: String,
    protocol_version: String,
    public_key: String,
    signed_peer_record: bool,
}

type MuxerLog = Arc<Mutex<HashMap<(PeerId, Multiaddr), &'static str>>>;

pub struct Peer {
    out: Emitter,
    swarm: Swarm<Behaviour>,
    tick: Interval,
    muxers: MuxerLog,
    conns: BTreeMap<ConnectionId, ConnInfo>,
    identity: HashMap<PeerId, IdentifyInfo>,
    subscribed: BTreeSet<String>,
    /// Last printed mesh per subscribed topic.
    meshes: BTreeMap<String, Vec<String>>,
    /// Last printed gossipsub protocol per peer.
    protocols: HashMap<PeerId, &'static str>,
    /// Results of dials started by commands, by connection id.
    dial_results: HashMap<ConnectionId, Result<(), String>>,
    /// Latest successful ping round trip per peer, with a counter to tell new ones apart.
    pings: HashMap<PeerId, (u64, Duration)>,
    ping_count: u64,
    /// Listen addresses with /p2p/<id>, in the order they were reported.
    listen_addrs: Vec<String>,
    /// A listener failure not yet reported (start-up fails with it).
    listen_error: Option<String>,
}

impl Peer {
    pub async fn start(o: Options) -> Result<Peer, String> {
        let out = Emitter;
        let key = identity_key(o.key_seed.as_deref())?;
        let local_id = key.public().to_peer_id();
        let muxers: MuxerLog = Arc::new(Mutex::new(HashMap::new()));
        let transport = build_transport(&key, o.muxer, muxers.clone())?;
        let gossipsub = match o.pubsub {
            Pubsub::Gossipsub => Some(build_gossipsub(&key, &o)?),
            Pubsub::None => None,
        };
        let agent = o.agent.clone().unwrap_or_else(|| DEFAULT_AGENT.to_string());
        let behaviour = Behaviour {
            gossipsub: Toggle::from(gossipsub),
            identify: identify::Behaviour::new(
                identify::Config::new_with_signed_peer_record("ipfs/0.1.0".into(), &key)
                    .with_agent_version(agent),
            ),
            // Pings every second, so a `ping` command is answered by the next round.
            ping: ping::Behaviour::new(
                ping::Config::new().with_interval(Duration::from_secs(1)).with_timeout(COMMAND_TIMEOUT),
            ),
        };
        let swarm = Swarm::new(
            transport,
            behaviour,
            local_id,
            libp2p::swarm::Config::with_tokio_executor()
                // Tests leave connections idle for long stretches; only hangup and quit close them.
                .with_idle_connection_timeout(Duration::from_secs(3600)),
        );
        let mut tick = tokio::time::interval(CHANGE_POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut p = Peer {
            out,
            swarm,
            tick,
            muxers,
            conns: BTreeMap::new(),
            identity: HashMap::new(),
            subscribed: BTreeSet::new(),
            meshes: BTreeMap::new(),
            protocols: HashMap::new(),
            dial_results: HashMap::new(),
            pings: HashMap::new(),
            ping_count: 0,
            listen_addrs: Vec::new(),
            listen_error: None,
        };
        out.emit(
            "peer-id",
            vec![
                ("id", json!(local_id.to_base58())),
                ("publicKey", json!(B64.encode(key.public().encode_protobuf()))),
                ("impl", json!("rust")),
            ],
        );

        let mut listeners = 0usize;
        for a in &o.listen {
            let addr: Multiaddr = a.parse().map_err(|e| format!("bad --listen multiaddr {a:?}: {e}"))?;
            p.swarm.listen_on(addr).map_err(|e| format!("listening on {a}: {e}"))?;
            listeners += 1;
        }
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        while p.listen_addrs.len() < listeners {
            if let Some(e) = p.listen_error.take() {
                return Err(e);
            }
            if !p.step(deadline).await {
                return Err(format!("no listen address within {COMMAND_TIMEOUT:?} (got {:?})", p.listen_addrs));
            }
        }
        let addrs = p.listen_addrs.clone();
        for t in &o.topics {
            if let Err(e) = p.subscribe(t) {
                out.error(Some(&format!("--topic {t}")), &e);
            }
        }
        for a in &o.dial {
            if let Err(e) = p.dial(a).await {
                out.error(Some(&format!("--dial {a}")), &e);
            }
        }
        out.emit("ready", vec![("id", json!(local_id.to_base58())), ("addrs", json!(addrs))]);
        Ok(p)
    }

    /// Runs commands from `lines` until quit, stdin's end or SIGTERM/SIGINT.
    pub async fn run(mut self, mut lines: mpsc::Receiver<Result<String, String>>) {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
        loop {
            tokio::select! {
                line = lines.recv() => match line {
                    None => break,
                    Some(Err(e)) => self.out.error(None, &e),
                    Some(Ok(line)) => {
                        if self.command(&line).await {
                            break;
                        }
                    }
                },
                ev = self.swarm.select_next_some() => self.handle(ev),
                _ = self.tick.tick() => self.check_changes(),
                _ = recv_signal(&mut term) => break,
                _ = recv_signal(&mut int) => break,
            }
        }
        self.out.emit("bye", vec![]);
    }

    /// Handles the next swarm event (and change ticks until it comes); false when the deadline
    /// passed first.
    async fn step(&mut self, deadline: Instant) -> bool {
        let sleep = tokio::time::sleep_until(deadline);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                ev = self.swarm.select_next_some() => {
                    self.handle(ev);
                    return true;
                }
                _ = self.tick.tick() => self.check_changes(),
                _ = &mut sleep => return false,
            }
        }
    }

    fn handle(&mut self, ev: SwarmEvent<BehaviourEvent>) {
        match ev {
            SwarmEvent::ConnectionEstablished { peer_id, connection_id, endpoint, .. } => {
                let addr = endpoint.get_remote_address().clone();
                let muxer = self
                    .muxers
                    .lock()
                    .map(|mut m| m.remove(&(peer_id, addr.clone())))
                    .ok()
                    .flatten()
                    .unwrap_or("unknown");
                let direction = if endpoint.is_dialer() { "outbound" } else { "inbound" };
                self.out.emit(
                    "connected",
                    vec![
                        ("peer", json!(peer_id.to_base58())),
                        ("direction", json!(direction)),
                        ("muxer", json!(muxer)),
                        ("security", json!("/noise")),
                        ("addr", json!(strip_p2p(&addr).to_string())),
                    ],
                );
                self.conns.insert(
                    connection_id,
                    ConnInfo { peer: peer_id, direction, muxer: muxer.to_string(), addr: strip_p2p(&addr) },
                );
                if let ConnectedPoint::Dialer { .. } = endpoint {
                    self.dial_results.entry(connection_id).or_insert(Ok(()));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, connection_id, endpoint, .. } => {
                self.conns.remove(&connection_id);
                self.out.emit(
                    "disconnected",
                    vec![
                        ("peer", json!(peer_id.to_base58())),
                        ("addr", json!(strip_p2p(endpoint.get_remote_address()).to_string())),
                    ],
                );
                if !self.swarm.is_connected(&peer_id) {
                    self.protocols.remove(&peer_id);
                }
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                let full = format!("{address}/p2p/{}", self.swarm.local_peer_id());
                self.out.emit("listening", vec![("addr", json!(full))]);
                self.listen_addrs.push(full);
            }
            SwarmEvent::ListenerClosed { addresses, reason: Err(e), .. } => {
                self.listen_error = Some(format!("listener on {addresses:?} closed: {e}"));
            }
            SwarmEvent::ListenerError { error, .. } => {
                self.listen_error = Some(format!("listener error: {error}"));
            }
            SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
                self.dial_results.insert(connection_id, Err(error.to_string()));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                for a in &info.listen_addrs {
                    self.swarm.add_peer_address(peer_id, a.clone());
                }
                let i = IdentifyInfo {
                    protocols: info.protocols.iter().map(|p| p.to_string()).collect(),
                    listen_addrs: info.listen_addrs.iter().map(|a| a.to_string()).collect(),
                    observed_addr: info.observed_addr.to_string(),
                    agent_version: info.agent_version.clone(),
                    protocol_version: info.protocol_version.clone(),
                    public_key: B64.encode(info.public_key.encode_protobuf()),
                    signed_peer_record: info.signed_peer_record.is_some(),
                };
                self.emit_identify(&peer_id, &i);
                self.identity.insert(peer_id, i);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Error { peer_id, error, .. })) => {
                self.out.emit(
                    "error",
                    vec![
                        ("message", json!(format!("identify of {peer_id} failed: {error}"))),
                        ("peer", json!(peer_id.to_base58())),
                    ],
                );
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event { peer, result: Ok(rtt), .. })) => {
                self.ping_count += 1;
                self.pings.insert(peer, (self.ping_count, rtt));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(e)) => self.gossip_event(e),
            _ => {}
        }
        self.check_changes();
    }

    fn gossip_event(&mut self, e: gossipsub::Event) {
        match e {
            gossipsub::Event::Message { propagation_source, message_id, message } => {
                let from = message.source.map(|p| p.to_base58()).unwrap_or_default();
                let seqno = message.sequence_number.map(|s| format!("{s:016x}")).unwrap_or_default();
                self.out.emit(
                    "message",
                    vec![
                        ("topic", json!(message.topic.as_str())),
                        ("from", json!(from)),
                        ("seqno", json!(seqno)),
                        ("id", json!(B64.encode(&message_id.0))),
                        ("data", json!(B64.encode(&message.data))),
                        ("receivedFrom", json!(propagation_source.to_base58())),
                    ],
                );
            }
            gossipsub::Event::Subscribed { peer_id, topic, .. } => self.out.emit(
                "subscription",
                vec![
                    ("peer", json!(peer_id.to_base58())),
                    ("topic", json!(topic.as_str())),
                    ("subscribed", json!(true)),
                ],
            ),
            gossipsub::Event::Unsubscribed { peer_id, topic } => self.out.emit(
                "subscription",
                vec![
                    ("peer", json!(peer_id.to_base58())),
                    ("topic", json!(topic.as_str())),
                    ("subscribed", json!(false)),
                ],
            ),
            gossipsub::Event::GossipsubNotSupported { peer_id } => self.out.emit(
                "pubsub-stream",
                vec![("peer", json!(peer_id.to_base58())), ("protocol", Value::Null)],
            ),
            gossipsub::Event::SlowPeer { peer_id, failed_messages } => self.out.emit(
                "error",
                vec![
                    ("message", json!(format!("slow peer {peer_id}: {failed_messages:?}"))),
                    ("peer", json!(peer_id.to_base58())),
                ],
            ),
        }
    }

    /// Prints `mesh` for every subscribed topic whose mesh changed and `pubsub-stream` for every
    /// peer whose negotiated gossipsub protocol is new (rust-libp2p has no event for either).
    fn check_changes(&mut self) {
        let Some(gs) = self.swarm.behaviour().gossipsub.as_ref() else { return };
        let mut changed = Vec::new();
        for t in &self.subscribed {
            let now = sorted_mesh(gs, t);
            if self.meshes.get(t) != Some(&now) {
                changed.push((t.clone(), now));
            }
        }
        let mut negotiated = Vec::new();
        for (peer, kind) in gs.peer_protocol() {
            if let Some(id) = protocol_id(kind.as_static_ref()) {
                if self.protocols.get(peer) != Some(&id) {
                    negotiated.push((*peer, id));
                }
            }
        }
        for (t, now) in changed {
            self.out.emit("mesh", vec![("topic", json!(t)), ("peers", json!(now))]);
            self.meshes.insert(t, now);
        }
        for (peer, id) in negotiated {
            self.out.emit("pubsub-stream", vec![("peer", json!(peer.to_base58())), ("protocol", json!(id))]);
            self.protocols.insert(peer, id);
        }
    }

    fn emit_identify(&self, peer: &PeerId, i: &IdentifyInfo) {
        self.out.emit(
            "identify",
            vec![
                ("peer", json!(peer.to_base58())),
                ("protocols", json!(i.protocols)),
                ("listenAddrs", json!(i.listen_addrs)),
                ("observedAddr", json!(i.observed_addr)),
                ("agentVersion", json!(i.agent_version)),
                ("protocolVersion", json!(i.protocol_version)),
                ("publicKey", json!(i.public_key)),
                ("signedPeerRecord", json!(i.signed_peer_record)),
            ],
        );
    }

    /// Runs one command line and prints its answer; returns true on quit.
    async fn command(&mut self, line: &str) -> bool {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(&name) = fields.first() else { return false };
        let arg = |i: usize| fields.get(i).copied().unwrap_or("");
        let result = match name {
            "dial" => self.dial(arg(1)).await,
            "ping" => self.ping(arg(1)).await,
            "identify" => self.identify(arg(1)).await,
            "subscribe" => self.subscribe(arg(1)),
            "unsubscribe" => self.unsubscribe(arg(1)),
            "publish" => self.publish(arg(1), arg(2)),
            "mesh" => self.mesh(arg(1)),
            "subscribers" => self.subscribers(arg(1)),
            "peers" => {
                self.peers();
                Ok(())
            }
            "hangup" => self.hangup(arg(1)),
            "quit" => return true,
            other => Err(format!(
                "unknown command {other:?} (known: dial, ping, identify, subscribe, unsubscribe, publish, mesh, \
                 subscribers, peers, hangup, quit)"
            )),
        };
        if let Err(e) = result {
            self.out.error(Some(line), &e);
        }
        false
    }

    async fn dial(&mut self, addr: &str) -> Result<(), String> {
        let m: Multiaddr = addr.parse().map_err(|e| format!("bad multiaddr {addr:?}: {e}"))?;
        let Some(Protocol::P2p(peer)) = m.iter().last() else {
            return Err(format!("dial address must end with /p2p/<peer-id>: {addr}"));
        };
        let transport_addr = strip_p2p(&m);
        self.swarm.add_peer_address(peer, transport_addr.clone());
        // Like go's DialPeer: an existing connection answers at once.
        if let Some((_, c)) = self.conns.iter().find(|(_, c)| c.peer == peer) {
            let (a, mx) = (c.addr.to_string(), c.muxer.clone());
            self.emit_dialed(&peer, &a, &mx);
            return Ok(());
        }
        let opts = DialOpts::peer_id(peer)
            .addresses(vec![transport_addr])
            .condition(PeerCondition::Always)
            .build();
        let id = opts.connection_id();
        self.swarm.dial(opts).map_err(|e| format!("dial {addr}: {e}"))?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            if let Some(r) = self.dial_results.remove(&id) {
                r.map_err(|e| format!("dial {addr}: {e}"))?;
                let (a, mx) = match self.conns.get(&id) {
                    Some(c) => (c.addr.to_string(), c.muxer.clone()),
                    None => return Err(format!("dial {addr}: the connection closed at once")),
                };
                self.emit_dialed(&peer, &a, &mx);
                return Ok(());
            }
            if !self.step(deadline).await {
                return Err(format!("dial {addr}: no connection within {COMMAND_TIMEOUT:?}"));
            }
        }
    }

    fn emit_dialed(&self, peer: &PeerId, addr: &str, muxer: &str) {
        self.out.emit(
            "dialed",
            vec![("peer", json!(peer.to_base58())), ("addr", json!(addr)), ("muxer", json!(muxer))],
        );
    }

    /// Answers with the round trip of the next ping to the peer (the ping behaviour pings every
    /// connection each second); dials the peer by id, from addresses it knows, if not connected.
    async fn ping(&mut self, id: &str) -> Result<(), String> {
        let peer: PeerId = id.parse().map_err(|e| format!("bad peer id {id:?}: {e}"))?;
        let seen = self.ping_count;
        if !self.swarm.is_connected(&peer) {
            self.swarm
                .dial(DialOpts::peer_id(peer).condition(PeerCondition::DisconnectedAndNotDialing).build())
                .map_err(|e| format!("ping {id}: dial: {e}"))?;
        }
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            if let Some((n, rtt)) = self.pings.get(&peer) {
                if *n > seen {
                    let ms = rtt.as_micros() as f64 / 1000.0;
                    self.out.emit("ping", vec![("peer", json!(id)), ("rttMs", json!(ms))]);
                    return Ok(());
                }
            }
            if !self.step(deadline).await {
                return Err(format!("ping {id}: no answer within {COMMAND_TIMEOUT:?}"));
            }
        }
    }

    async fn identify(&mut self, id: &str) -> Result<(), String> {
        let peer: PeerId = id.parse().map_err(|e| format!("bad peer id {id:?}: {e}"))?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            if let Some(i) = self.identity.get(&peer) {
                self.emit_identify(&peer, i);
                return Ok(());
            }
            if !self.swarm.is_connected(&peer) {
                return Err(format!("no identify result from {id} and not connected to it"));
            }
            if !self.step(deadline).await {
                return Err(format!("identify of {id} did not complete within {COMMAND_TIMEOUT:?}"));
            }
        }
    }

    fn gossipsub(&mut self) -> Result<&mut gossipsub::Behaviour, String> {
        self.swarm
            .behaviour_mut()
            .gossipsub
            .as_mut()
            .ok_or_else(|| "pubsub is disabled (--pubsub none)".to_string())
    }

    fn subscribe(&mut self, topic: &str) -> Result<(), String> {
        if topic.is_empty() {
            return Err("usage: subscribe <topic>".into());
        }
        self.gossipsub()?
            .subscribe(&IdentTopic::new(topic))
            .map_err(|e| format!("subscribe {topic}: {e:?}"))?;
        self.subscribed.insert(topic.to_string());
        self.out.emit("subscribed", vec![("topic", json!(topic))]);
        Ok(())
    }

    fn unsubscribe(&mut self, topic: &str) -> Result<(), String> {
        if !self.subscribed.contains(topic) {
            self.gossipsub()?;
            return Err(format!("not subscribed to {topic:?}"));
        }
        self.gossipsub()?.unsubscribe(&IdentTopic::new(topic));
        self.subscribed.remove(topic);
        self.meshes.remove(topic);
        self.out.emit("unsubscribed", vec![("topic", json!(topic))]);
        Ok(())
    }

    fn publish(&mut self, topic: &str, data: &str) -> Result<(), String> {
        if topic.is_empty() {
            return Err("usage: publish <topic> <base64-data>".into());
        }
        let payload = B64.decode(data).map_err(|e| format!("publish data must be base64: {e}"))?;
        let len = payload.len();
        match self.gossipsub()?.publish(IdentTopic::new(topic), payload) {
            // The contract allows publishing to a topic without peers (go and js do).
            Ok(_) | Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {}
            Err(e) => return Err(format!("publish to {topic}: {e}")),
        }
        self.out.emit("published", vec![("topic", json!(topic)), ("bytes", json!(len))]);
        Ok(())
    }

    fn mesh(&mut self, topic: &str) -> Result<(), String> {
        let gs = self.gossipsub()?;
        let peers = sorted_mesh(gs, topic);
        self.out.emit("mesh", vec![("topic", json!(topic)), ("peers", json!(peers))]);
        Ok(())
    }

    fn subscribers(&mut self, topic: &str) -> Result<(), String> {
        let gs = self.gossipsub()?;
        let hash = TopicHash::from_raw(topic);
        let mut ids: Vec<String> = gs
            .all_peers()
            .filter(|(_, topics)| topics.contains(&&hash))
            .map(|(p, _)| p.to_base58())
            .collect();
        ids.sort();
        self.out.emit("subscribers", vec![("topic", json!(topic)), ("peers", json!(ids))]);
        Ok(())
    }

    fn peers(&self) {
        let mut ids: Vec<String> = self.swarm.connected_peers().map(|p| p.to_base58()).collect();
        ids.sort();
        let conns: Vec<Value> = self
            .conns
            .values()
            .map(|c| {
                json!({"peer": c.peer.to_base58(), "direction": c.direction, "muxer": c.muxer,
                       "addr": c.addr.to_string()})
            })
            .collect();
        self.out.emit("peers", vec![("peers", json!(ids)), ("connections", json!(conns))]);
    }

    fn hangup(&mut self, id: &str) -> Result<(), String> {
        let peer: PeerId = id.parse().map_err(|e| format!("bad peer id {id:?}: {e}"))?;
        // Not being connected is no error (go's ClosePeer neither).
        let _ = self.swarm.disconnect_peer_id(peer);
        self.out.emit("hung-up", vec![("peer", json!(id))]);
        Ok(())
    }
}

async fn recv_signal(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

fn sorted_mesh(gs: &gossipsub::Behaviour, topic: &str) -> Vec<String> {
    let mut v: Vec<String> = gs.mesh_peers(&TopicHash::from_raw(topic)).map(|p| p.to_base58()).collect();
    v.sort();
    v
}

fn protocol_id(kind: &str) -> Option<&'static str> {
    match kind {
        "Gossipsub v1.3" => Some("/meshsub/1.3.0"),
        "Gossipsub v1.2" => Some("/meshsub/1.2.0"),
        "Gossipsub v1.1" => Some("/meshsub/1.1.0"),
        "Gossipsub v1.0" => Some("/meshsub/1.0.0"),
        // "Floodsub" is also what every peer counts as before its stream is negotiated.
        _ => None,
    }
}

fn strip_p2p(a: &Multiaddr) -> Multiaddr {
    a.iter().filter(|p| !matches!(p, Protocol::P2p(_))).collect()
}

/// The Ed25519 identity: from `--key-seed n`, the 32-byte seed SHA-256("topicmesh-interop-key-seed:" + n)
/// (the same PeerId as the go and js peers for the same n), else random.
fn identity_key(seed: Option<&str>) -> Result<Keypair, String> {
    match seed {
        None => Ok(Keypair::generate_ed25519()),
        Some(n) => {
            let digest = Sha256::digest(format!("topicmesh-interop-key-seed:{n}").as_bytes());
            let mut bytes: [u8; 32] = digest.into();
            Keypair::ed25519_from_bytes(&mut bytes).map_err(|e| format!("identity key: {e}"))
        }
    }
}

fn build_transport(key: &Keypair, muxer: Muxer, log: MuxerLog) -> Result<Boxed<(PeerId, StreamMuxerBox)>, String> {
    let noise = noise::Config::new(key).map_err(|e| format!("noise: {e}"))?;
    let base = tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
        .upgrade(Version::V1)
        .authenticate(noise);
    let record = move |peer: PeerId, endpoint: &ConnectedPoint, name: &'static str| {
        if let Ok(mut m) = log.lock() {
            if m.len() >= MAX_PENDING_MUXERS {
                m.clear();
            }
            m.insert((peer, endpoint.get_remote_address().clone()), name);
        }
    };
    Ok(match muxer {
        Muxer::Yamux => base
            .multiplex(yamux::Config::default())
            .map(move |(peer, m), endpoint| {
                record(peer, &endpoint, YAMUX_ID);
                (peer, StreamMuxerBox::new(m))
            })
            .boxed(),
        Muxer::Mplex => base
            .multiplex(libp2p_mplex::Config::default())
            .map(move |(peer, m), endpoint| {
                record(peer, &endpoint, MPLEX_ID);
                (peer, StreamMuxerBox::new(m))
            })
            .boxed(),
        // Offered in this order: yamux is preferred.
        Muxer::Both => base
            .multiplex(SelectUpgrade::new(yamux::Config::default(), libp2p_mplex::Config::default()))
            .map(move |(peer, m), endpoint| {
                let name = match &m {
                    Either::Left(_) => YAMUX_ID,
                    Either::Right(_) => MPLEX_ID,
                };
                record(peer, &endpoint, name);
                (peer, StreamMuxerBox::new(m))
            })
            .boxed(),
    })
}

fn build_gossipsub(key: &Keypair, o: &Options) -> Result<gossipsub::Behaviour, String> {
    let mut b = gossipsub::ConfigBuilder::default();
    // rust-libp2p's defaults: D=6, Dlo=5, Dhi=12, D_out=2.
    let d = o.d.unwrap_or(6);
    let dlo = o.dlo.unwrap_or(5.min(d));
    let dhi = o.dhi.unwrap_or(12.max(d));
    if !(dlo <= d && d <= dhi) {
        return Err(format!("gossipsub degrees must satisfy dlo <= d <= dhi, got dlo={dlo} d={d} dhi={dhi}"));
    }
    // D_out must stay below Dlo and at most D/2, as in go.
    let dout = 2.min(dlo.saturating_sub(1)).min(d / 2);
    b.mesh_n(d).mesh_n_low(dlo).mesh_n_high(dhi).mesh_outbound_min(dout);
    b.gossip_lazy(d);
    // rust-libp2p 0.49+: mesh degrees per topic, fixed at start (no live change).
    for (topic, d, dlo, dhi) in &o.topic_mesh {
        let hash = TopicHash::from_raw(topic.as_str());
        b.mesh_n_for_topic(*d, hash.clone())
            .mesh_n_low_for_topic(*dlo, hash.clone())
            .mesh_n_high_for_topic(*dhi, hash.clone())
            .mesh_outbound_min_for_topic(2.min(dlo.saturating_sub(1)).min(d / 2), hash);
    }
    if let Some(ms) = o.heartbeat_ms {
        b.heartbeat_interval(Duration::from_millis(ms));
        // rust's default first heartbeat comes after 5 s; tests asking for fast heartbeats want
        // the mesh built sooner.
        b.heartbeat_initial_delay(Duration::from_millis(ms.min(100)));
    }
    b.flood_publish(o.flood_publish);
    b.idontwant_on_publish(o.idontwant_on_publish);
    b.validation_mode(gossipsub::ValidationMode::Strict);
    if o.peer_exchange {
        b.do_px().prune_peers(16);
    }
    match o.message_id {
        MessageIdFn::FromSeqno => {
            b.message_id_fn(|m: &gossipsub::Message| {
                let mut id = m.source.map(|p| p.to_bytes()).unwrap_or_default();
                if let Some(s) = m.sequence_number {
                    id.extend_from_slice(&s.to_be_bytes());
                }
                MessageId::from(id)
            });
        }
        MessageIdFn::RustDefault => {}
    }
    match o.protocols {
        Protocols::Default => {}
        Protocols::UpTo11 => {
            b.protocol_id_prefix("/meshsub");
        }
        Protocols::Only11 => {
            b.protocol_id("/meshsub/1.1.0", gossipsub::Version::V1_1);
        }
        Protocols::Only10 => {
            b.protocol_id("/meshsub/1.0.0", gossipsub::Version::V1_0);
        }
    }
    // Also answers floodsub peers on /floodsub/1.0.0 (off by default in rust-libp2p).
    if o.support_floodsub {
        b.support_floodsub();
    }
    let config = b.build().map_err(|e| format!("gossipsub config: {e}"))?;
    gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config)
        .map_err(|e| format!("starting gossipsub: {e}"))
}
