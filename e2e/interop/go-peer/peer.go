package main

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	mplex "github.com/libp2p/go-libp2p-mplex"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/identify"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// commandTimeout bounds every command that waits on the network (dial, ping, identify).
const commandTimeout = 10 * time.Second

const defaultAgent = "topicmesh-interop-go/0.1.0 (go-libp2p v0.52.0, go-libp2p-pubsub v0.19.0)"

type peerState struct {
	h    host.Host
	ps   *pubsub.PubSub
	out  *emitter
	mesh *meshTracer
	// bench is set with --bench-stats: deliveries are counted, not printed.
	bench *benchStats
	// partial is set with --partial-messages (see partial.go).
	partial *partialState

	mu       sync.Mutex
	topics   map[string]*pubsub.Topic
	subs     map[string]*pubsub.Subscription
	identity map[peer.ID]identifyInfo
	// identified is closed (and replaced) whenever identity gets a new result.
	identified chan struct{}
}

// identifyInfo is what the remote peer told us in its last identify response.
type identifyInfo struct {
	protocols       []string
	listenAddrs     []string
	observedAddr    string
	agentVersion    string
	protocolVersion string
	publicKey       string
	// signedPeerRecord says whether the peer sent a signed peer record that verified.
	signedPeerRecord bool
}

func startPeer(ctx context.Context, o *options, out *emitter) (*peerState, error) {
	priv, err := identityKey(o.keySeed)
	if err != nil {
		return nil, fmt.Errorf("identity key: %w", err)
	}
	agent := o.agent
	if agent == "" {
		agent = defaultAgent
	}
	hostOpts := []libp2p.Option{
		libp2p.Identity(priv),
		libp2p.ListenAddrStrings(o.listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.UserAgent(agent),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
		libp2p.Ping(true),
	}
	// Listing order is preference order when we dial.
	if o.muxer == "yamux" || o.muxer == "both" {
		hostOpts = append(hostOpts, libp2p.Muxer(yamux.ID, yamux.DefaultTransport))
	}
	if o.muxer == "mplex" || o.muxer == "both" {
		hostOpts = append(hostOpts, libp2p.Muxer(mplex.ID, mplex.DefaultTransport))
	}
	h, err := libp2p.New(hostOpts...)
	if err != nil {
		return nil, fmt.Errorf("creating host: %w", err)
	}
	p := &peerState{
		h:          h,
		out:        out,
		topics:     map[string]*pubsub.Topic{},
		subs:       map[string]*pubsub.Subscription{},
		identity:   map[peer.ID]identifyInfo{},
		identified: make(chan struct{}),
	}
	if o.benchStats {
		p.bench = &benchStats{}
	}
	pubKey, _ := crypto.MarshalPublicKey(priv.GetPublic())
	out.emit("peer-id", "id", h.ID().String(), "publicKey", base64.StdEncoding.EncodeToString(pubKey), "impl", "go")

	h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			st := c.ConnState()
			out.emit("connected", "peer", c.RemotePeer().String(), "direction", directionName(c.Stat().Direction),
				"muxer", string(st.StreamMultiplexer), "security", string(st.Security),
				"addr", c.RemoteMultiaddr().String(), "earlyMuxerNegotiation", st.UsedEarlyMuxerNegotiation)
		},
		DisconnectedF: func(_ network.Network, c network.Conn) {
			out.emit("disconnected", "peer", c.RemotePeer().String(), "addr", c.RemoteMultiaddr().String())
		},
	})
	if err := p.watchIdentify(); err != nil {
		return nil, err
	}

	if o.pubsub != "none" {
		p.mesh = newMeshTracer(out, o.traceRPC)
		psOpts := []pubsub.Option{pubsub.WithRawTracer(p.mesh)}
		if o.pubsub == "gossipsub" {
			// err is the function's: the NewGossipSub error below must reach the check after it.
			var params pubsub.GossipSubParams
			params, err = gossipParams(o)
			if err != nil {
				return nil, err
			}
			psOpts = append(psOpts, pubsub.WithGossipSubParams(params), pubsub.WithFloodPublish(o.floodPublish))
			if o.peerExchange {
				psOpts = append(psOpts, pubsub.WithPeerExchange(true))
			}
			if o.testExtension {
				psOpts = append(psOpts, pubsub.WithTestExtension(pubsub.TestExtensionConfig{
					OnReceiveTestExtension: func(from peer.ID) {
						out.emit("test-extension", "peer", from.String())
					},
				}))
			}
			if o.partialMessages {
				st, ext := newPartialExtension(out, func() *pubsub.PubSub { return p.ps })
				p.partial = st
				psOpts = append(psOpts, pubsub.WithPartialMessagesExtension(ext))
			}
			if len(o.protocols) > 0 {
				ids := make([]protocol.ID, len(o.protocols))
				for i, s := range o.protocols {
					ids[i] = protocol.ID(s)
				}
				psOpts = append(psOpts, pubsub.WithGossipSubProtocols(ids, pubsub.GossipSubDefaultFeatures))
			}
			p.ps, err = pubsub.NewGossipSub(ctx, h, psOpts...)
		} else {
			p.ps, err = pubsub.NewFloodSub(ctx, h, psOpts...)
		}
		if err != nil {
			return nil, fmt.Errorf("starting %s: %w", o.pubsub, err)
		}
	}

	for _, a := range h.Addrs() {
		out.emit("listening", "addr", a.String()+"/p2p/"+h.ID().String())
	}
	for _, t := range o.topics {
		if err := p.subscribe(ctx, t); err != nil {
			out.errorf("--topic "+t, err)
		}
	}
	for _, a := range o.dial {
		if err := p.dial(ctx, a); err != nil {
			out.errorf("--dial "+a, err)
		}
	}
	addrs := make([]string, 0)
	for _, a := range h.Addrs() {
		addrs = append(addrs, a.String()+"/p2p/"+h.ID().String())
	}
	out.emit("ready", "id", h.ID().String(), "addrs", addrs)
	return p, nil
}

// gossipParams applies --d/--dlo/--dhi/--heartbeat-ms to go's defaults, shrinking Dout and Dscore
// when needed so a small mesh still passes go-libp2p-pubsub's own validation.
func gossipParams(o *options) (pubsub.GossipSubParams, error) {
	params := pubsub.DefaultGossipSubParams()
	if o.d > 0 {
		params.D = o.d
	}
	if o.dlo > 0 {
		params.Dlo = o.dlo
	}
	if o.dhi > 0 {
		params.Dhi = o.dhi
	}
	if o.heartbeatMs > 0 {
		params.HeartbeatInterval = time.Duration(o.heartbeatMs) * time.Millisecond
	}
	if !(params.Dlo <= params.D && params.D <= params.Dhi) {
		return params, fmt.Errorf("gossipsub degrees must satisfy dlo <= d <= dhi, got dlo=%d d=%d dhi=%d", params.Dlo, params.D, params.Dhi)
	}
	params.Dout = min(params.Dout, params.Dlo-1, params.D/2)
	if params.Dout < 0 {
		params.Dout = 0
	}
	params.Dscore = min(params.Dscore, params.Dhi)
	return params, nil
}

func (p *peerState) watchIdentify() error {
	sub, err := p.h.EventBus().Subscribe([]any{new(event.EvtPeerIdentificationCompleted), new(event.EvtPeerIdentificationFailed)})
	if err != nil {
		return fmt.Errorf("subscribing to identify events: %w", err)
	}
	go func() {
		for e := range sub.Out() {
			switch ev := e.(type) {
			case event.EvtPeerIdentificationCompleted:
				info := identifyInfo{
					protocols:        make([]string, 0, len(ev.Protocols)),
					listenAddrs:      make([]string, 0, len(ev.ListenAddrs)),
					agentVersion:     ev.AgentVersion,
					protocolVersion:  ev.ProtocolVersion,
					signedPeerRecord: ev.SignedPeerRecord != nil,
				}
				for _, pr := range ev.Protocols {
					info.protocols = append(info.protocols, string(pr))
				}
				for _, a := range ev.ListenAddrs {
					info.listenAddrs = append(info.listenAddrs, a.String())
				}
				if ev.ObservedAddr != nil {
					info.observedAddr = ev.ObservedAddr.String()
				}
				// Identify checked the key it was sent against the PeerId and stored it; go keeps
				// the key, not the bytes, and re-marshalling a valid key gives the same protobuf.
				if pk := p.h.Peerstore().PubKey(ev.Peer); pk != nil {
					if b, err := crypto.MarshalPublicKey(pk); err == nil {
						info.publicKey = base64.StdEncoding.EncodeToString(b)
					}
				}
				p.mu.Lock()
				p.identity[ev.Peer] = info
				close(p.identified)
				p.identified = make(chan struct{})
				p.mu.Unlock()
				p.emitIdentify(ev.Peer, info)
			case event.EvtPeerIdentificationFailed:
				p.out.emit("error", "message", fmt.Sprintf("identify of %s failed: %v", ev.Peer, ev.Reason), "peer", ev.Peer.String())
			}
		}
	}()
	return nil
}

func (p *peerState) emitIdentify(id peer.ID, info identifyInfo) {
	var observed any
	if info.observedAddr != "" {
		observed = info.observedAddr
	}
	p.out.emit("identify", "peer", id.String(), "protocols", info.protocols, "listenAddrs", info.listenAddrs,
		"observedAddr", observed, "agentVersion", info.agentVersion, "protocolVersion", info.protocolVersion,
		"publicKey", info.publicKey, "signedPeerRecord", info.signedPeerRecord)
}

// handleCommand runs one stdin command and prints its answer; it returns true on quit.
func (p *peerState) handleCommand(ctx context.Context, line string) bool {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return false
	}
	arg := func(i int) string {
		if i < len(fields) {
			return fields[i]
		}
		return ""
	}
	var err error
	switch fields[0] {
	case "dial":
		err = p.dial(ctx, arg(1))
	case "ping":
		err = p.ping(ctx, arg(1))
	case "identify":
		err = p.identify(ctx, arg(1))
	case "subscribe":
		err = p.subscribe(ctx, arg(1))
	case "unsubscribe":
		err = p.unsubscribe(arg(1))
	case "publish":
		err = p.publish(ctx, arg(1), arg(2))
	case "publish-batch":
		err = p.publishBatch(ctx, arg(1), fields[min(2, len(fields)):])
	case "partial-publish":
		err = p.partialPublish(fields[1:])
	case "mesh":
		err = p.meshCommand(arg(1))
	case "subscribers":
		err = p.subscribers(arg(1))
	case "peers":
		p.peers()
	case "hangup":
		err = p.hangup(arg(1))
	case "bench-publish":
		err = p.benchPublish(ctx, fields[1:])
	case "bench-stats":
		err = p.benchStatsCommand()
	case "quit":
		return true
	default:
		err = fmt.Errorf("unknown command %q (known: dial, ping, identify, subscribe, unsubscribe, publish, publish-batch, partial-publish, mesh, subscribers, peers, hangup, bench-publish, bench-stats, quit)", fields[0])
	}
	if err != nil {
		p.out.errorf(line, err)
	}
	return false
}

func (p *peerState) dial(ctx context.Context, addr string) error {
	m, err := ma.NewMultiaddr(addr)
	if err != nil {
		return fmt.Errorf("bad multiaddr %q: %w", addr, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(m)
	if err != nil {
		return fmt.Errorf("dial address must end with /p2p/<peer-id>: %w", err)
	}
	p.h.Peerstore().AddAddrs(info.ID, info.Addrs, peerstore.TempAddrTTL)
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	// Network().DialPeer, not host.Connect: Connect also waits for identify, and a peer under test
	// whose identify is broken should still show up as connected (identify reports separately).
	c, err := p.h.Network().DialPeer(ctx, info.ID)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	p.out.emit("dialed", "peer", info.ID.String(), "addr", c.RemoteMultiaddr().String(), "muxer", string(c.ConnState().StreamMultiplexer))
	return nil
}

func (p *peerState) ping(ctx context.Context, id string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("bad peer id %q: %w", id, err)
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	res, ok := <-ping.Ping(ctx, p.h, pid)
	if !ok {
		return errors.New("ping ended without a result")
	}
	if res.Error != nil {
		return fmt.Errorf("ping %s: %w", id, res.Error)
	}
	p.out.emit("ping", "peer", id, "rttMs", float64(res.RTT.Microseconds())/1000.0)
	return nil
}

func (p *peerState) identify(ctx context.Context, id string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("bad peer id %q: %w", id, err)
	}
	conns := p.h.Network().ConnsToPeer(pid)
	if ids, ok := p.h.(interface{ IDService() identify.IDService }); ok && len(conns) > 0 {
		ctx, cancel := context.WithTimeout(ctx, commandTimeout)
		defer cancel()
		select {
		case <-ids.IDService().IdentifyWait(conns[0]):
		case <-ctx.Done():
			return fmt.Errorf("identify of %s did not complete within %s", id, commandTimeout)
		}
	}
	// The event-bus subscriber records the result; it may run just after IdentifyWait returns.
	timeout := time.NewTimer(time.Second)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		info, ok := p.identity[pid]
		changed := p.identified
		p.mu.Unlock()
		if ok {
			p.emitIdentify(pid, info)
			return nil
		}
		select {
		case <-changed:
		case <-timeout.C:
			return fmt.Errorf("no identify result from %s (connections: %d)", id, len(conns))
		}
	}
}

func (p *peerState) requirePubsub() error {
	if p.ps == nil {
		return errors.New("pubsub is disabled (--pubsub none)")
	}
	return nil
}

// topic returns the joined topic handle; callers hold p.mu.
func (p *peerState) topicLocked(name string) (*pubsub.Topic, error) {
	if t, ok := p.topics[name]; ok {
		return t, nil
	}
	var topicOpts []pubsub.TopicOpt
	if p.partial != nil {
		topicOpts = append(topicOpts, pubsub.RequestPartialMessages())
	}
	t, err := p.ps.Join(name, topicOpts...)
	if err != nil {
		return nil, err
	}
	p.topics[name] = t
	return t, nil
}

func (p *peerState) subscribe(ctx context.Context, name string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	if name == "" {
		return errors.New("usage: subscribe <topic>")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.subs[name]; ok {
		p.out.emit("subscribed", "topic", name)
		return nil
	}
	t, err := p.topicLocked(name)
	if err != nil {
		return err
	}
	sub, err := t.Subscribe()
	if err != nil {
		return err
	}
	p.subs[name] = sub
	self := p.h.ID()
	go func() {
		for {
			m, err := sub.Next(ctx)
			if err != nil {
				return // cancelled by unsubscribe or shutdown
			}
			if m.ReceivedFrom == self {
				continue // our own publish; the js peer does not echo its own either
			}
			if p.bench != nil {
				p.bench.record(m)
				continue
			}
			p.out.emit("message", "topic", m.GetTopic(), "from", m.GetFrom().String(),
				"seqno", hex.EncodeToString(m.GetSeqno()), "id", base64.StdEncoding.EncodeToString([]byte(m.ID)),
				"data", base64.StdEncoding.EncodeToString(m.GetData()), "receivedFrom", m.ReceivedFrom.String())
		}
	}()
	p.out.emit("subscribed", "topic", name)
	return nil
}

func (p *peerState) unsubscribe(name string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	sub, ok := p.subs[name]
	if !ok {
		return fmt.Errorf("not subscribed to %q", name)
	}
	sub.Cancel()
	delete(p.subs, name)
	p.out.emit("unsubscribed", "topic", name)
	return nil
}

func (p *peerState) publish(ctx context.Context, name, data string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	if name == "" {
		return errors.New("usage: publish <topic> <base64-data>")
	}
	payload, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return fmt.Errorf("publish data must be base64: %w", err)
	}
	p.mu.Lock()
	t, err := p.topicLocked(name)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	if err := t.Publish(ctx, payload); err != nil {
		return err
	}
	p.out.emit("published", "topic", name, "bytes", len(payload))
	return nil
}

// publishBatch publishes the messages as one MessageBatch through PubSub.PublishBatch (the
// default round-robin scheduler): each is validated as it is added, then the batch is sent.
func (p *peerState) publishBatch(ctx context.Context, name string, data []string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	if name == "" || len(data) == 0 {
		return errors.New("usage: publish-batch <topic> <base64-data>...")
	}
	payloads := make([][]byte, 0, len(data))
	for i, d := range data {
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return fmt.Errorf("publish-batch message %d must be base64: %w", i, err)
		}
		payloads = append(payloads, b)
	}
	p.mu.Lock()
	t, err := p.topicLocked(name)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	var batch pubsub.MessageBatch
	bytes := 0
	for i, b := range payloads {
		if err := t.AddToBatch(ctx, &batch, b); err != nil {
			return fmt.Errorf("publish-batch message %d: %w", i, err)
		}
		bytes += len(b)
	}
	if err := p.ps.PublishBatch(&batch); err != nil {
		return err
	}
	p.out.emit("published-batch", "topic", name, "count", len(payloads), "bytes", bytes)
	return nil
}

func (p *peerState) meshCommand(name string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	p.out.emit("mesh", "topic", name, "peers", p.mesh.peers(name))
	return nil
}

func (p *peerState) subscribers(name string) error {
	if err := p.requirePubsub(); err != nil {
		return err
	}
	ids := make([]string, 0)
	for _, id := range p.ps.ListPeers(name) {
		ids = append(ids, id.String())
	}
	sort.Strings(ids)
	p.out.emit("subscribers", "topic", name, "peers", ids)
	return nil
}

type connInfo struct {
	Peer      string `json:"peer"`
	Direction string `json:"direction"`
	Muxer     string `json:"muxer"`
	Addr      string `json:"addr"`
}

func (p *peerState) peers() {
	ids := make([]string, 0)
	for _, id := range p.h.Network().Peers() {
		ids = append(ids, id.String())
	}
	sort.Strings(ids)
	conns := make([]connInfo, 0)
	for _, c := range p.h.Network().Conns() {
		conns = append(conns, connInfo{c.RemotePeer().String(), directionName(c.Stat().Direction),
			string(c.ConnState().StreamMultiplexer), c.RemoteMultiaddr().String()})
	}
	p.out.emit("peers", "peers", ids, "connections", conns)
}

func (p *peerState) hangup(id string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("bad peer id %q: %w", id, err)
	}
	if err := p.h.Network().ClosePeer(pid); err != nil {
		return err
	}
	p.out.emit("hung-up", "peer", id)
	return nil
}

func (p *peerState) shutdown() {
	p.out.emit("bye")
	_ = p.h.Close()
}

func directionName(d network.Direction) string {
	switch d {
	case network.DirInbound:
		return "inbound"
	case network.DirOutbound:
		return "outbound"
	default:
		return "unknown"
	}
}

func peerIDString(b []byte) string {
	id, err := peer.IDFromBytes(b)
	if err != nil {
		return "invalid:" + hex.EncodeToString(b)
	}
	return id.String()
}
