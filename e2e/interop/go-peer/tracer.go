package main

import (
	"encoding/base64"
	"encoding/hex"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// meshTracer mirrors the router's mesh from its GRAFT/PRUNE/leave/peer-down hooks (go-libp2p-pubsub
// has no public mesh accessor), reports remote subscription changes, and with --trace-rpc
// summarises every RPC in and out. The router calls it synchronously on its event loop, so it only
// updates a small map and prints.
type meshTracer struct {
	out      *emitter
	traceRPC bool

	mu   sync.Mutex
	mesh map[string]map[peer.ID]struct{}

	// duplicates counts messages received again after the first time (bench-stats).
	duplicates atomic.Int64
}

var _ pubsub.RawTracer = (*meshTracer)(nil)

func newMeshTracer(out *emitter, traceRPC bool) *meshTracer {
	return &meshTracer{out: out, traceRPC: traceRPC, mesh: map[string]map[peer.ID]struct{}{}}
}

func (t *meshTracer) peers(topic string) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sortedLocked(topic)
}

func (t *meshTracer) sortedLocked(topic string) []string {
	ids := make([]string, 0, len(t.mesh[topic]))
	for id := range t.mesh[topic] {
		ids = append(ids, id.String())
	}
	sort.Strings(ids)
	return ids
}

func (t *meshTracer) changed(topic string) {
	t.out.emit("mesh", "topic", topic, "peers", t.sortedLocked(topic))
}

func (t *meshTracer) Join(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mesh[topic] == nil {
		t.mesh[topic] = map[peer.ID]struct{}{}
	}
}

func (t *meshTracer) Leave(topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.mesh[topic]; ok {
		delete(t.mesh, topic)
		t.changed(topic)
	}
}

func (t *meshTracer) Graft(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mesh[topic] == nil {
		t.mesh[topic] = map[peer.ID]struct{}{}
	}
	t.mesh[topic][p] = struct{}{}
	t.changed(topic)
}

func (t *meshTracer) Prune(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.mesh[topic][p]; ok {
		delete(t.mesh[topic], p)
		t.changed(topic)
	}
}

// OnClosedOutboundStream is where gossipsub drops a departed peer from every mesh without a Prune.
func (t *meshTracer) OnClosedOutboundStream(p peer.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for topic, members := range t.mesh {
		if _, ok := members[p]; ok {
			delete(members, p)
			t.changed(topic)
		}
	}
}

// OnNewOutboundStream reports the pubsub protocol the router negotiated with a peer.
func (t *meshTracer) OnNewOutboundStream(p peer.ID, proto protocol.ID) {
	t.out.emit("pubsub-stream", "peer", p.String(), "protocol", string(proto))
}

func (t *meshTracer) SendRPCCompleted(*pubsub.RPC, peer.ID, time.Duration) {}
func (t *meshTracer) ValidateMessage(*pubsub.Message)                      {}
func (t *meshTracer) DeliverMessage(*pubsub.Message)                       {}
func (t *meshTracer) RejectMessage(m *pubsub.Message, reason string) {
	t.out.emit("rejected", "topic", m.GetTopic(), "from", m.GetFrom().String(),
		"receivedFrom", m.ReceivedFrom.String(), "reason", reason)
}
func (t *meshTracer) DuplicateMessage(*pubsub.Message)     { t.duplicates.Add(1) }
func (t *meshTracer) ThrottlePeer(peer.ID)                 {}
func (t *meshTracer) DropRPC(*pubsub.RPC, peer.ID)         {}
func (t *meshTracer) UndeliverableMessage(*pubsub.Message) {}

func (t *meshTracer) RecvRPC(rpc *pubsub.RPC) {
	from := rpc.From().String()
	for _, s := range rpc.GetSubscriptions() {
		t.out.emit("subscription", "peer", from, "topic", s.GetTopicid(), "subscribed", s.GetSubscribe())
	}
	if t.traceRPC {
		t.emitRPC("in", from, &rpc.RPC)
	}
}

func (t *meshTracer) SendRPC(rpc *pubsub.RPC, p peer.ID) {
	if t.traceRPC {
		t.emitRPC("out", p.String(), &rpc.RPC)
	}
}

type subSummary struct {
	Topic     string `json:"topic"`
	Subscribe bool   `json:"subscribe"`
}

type msgSummary struct {
	Topic string `json:"topic"`
	From  string `json:"from"`
	Seqno string `json:"seqno"`
	Bytes int    `json:"bytes"`
}

type ihaveSummary struct {
	Topic string   `json:"topic"`
	IDs   []string `json:"ids"`
}

// extensionsSummary is the v1.3 Extensions control message; absent (null) when not sent.
type extensionsSummary struct {
	PartialMessages bool `json:"partialMessages"`
	TestExtension   bool `json:"testExtension"`
}

// partialSummary is the partial-messages extension part of an RPC; absent (null) when not sent.
type partialSummary struct {
	Topic         string `json:"topic"`
	GroupID       string `json:"groupId"`
	Message       string `json:"message"`
	PartsMetadata string `json:"partsMetadata"`
}

type pruneSummary struct {
	Topic   string `json:"topic"`
	Backoff uint64 `json:"backoff"`
	Peers   int    `json:"peers"`
}

// emitRPC prints one "rpc" event: message ids are base64 like the "id" of message events.
func (t *meshTracer) emitRPC(direction, peerID string, rpc *pb.RPC) {
	subs := make([]subSummary, 0)
	for _, s := range rpc.GetSubscriptions() {
		subs = append(subs, subSummary{s.GetTopicid(), s.GetSubscribe()})
	}
	msgs := make([]msgSummary, 0)
	for _, m := range rpc.GetPublish() {
		msgs = append(msgs, msgSummary{m.GetTopic(), peerIDString(m.GetFrom()), hex.EncodeToString(m.GetSeqno()), len(m.GetData())})
	}
	ihave := make([]ihaveSummary, 0)
	iwant := make([]string, 0)
	graft := make([]string, 0)
	prune := make([]pruneSummary, 0)
	idontwant := make([]string, 0)
	var extensions *extensionsSummary
	var partial *partialSummary
	if pm := rpc.GetPartial(); pm != nil {
		partial = &partialSummary{pm.GetTopicID(), base64.StdEncoding.EncodeToString(pm.GetGroupID()),
			base64.StdEncoding.EncodeToString(pm.GetPartialMessage()), base64.StdEncoding.EncodeToString(pm.GetPartsMetadata())}
	}
	if c := rpc.GetControl(); c != nil {
		if e := c.GetExtensions(); e != nil {
			extensions = &extensionsSummary{e.GetPartialMessages(), e.GetTestExtension()}
		}
		for _, x := range c.GetIhave() {
			ihave = append(ihave, ihaveSummary{x.GetTopicID(), encodeIDs(x.GetMessageIDs())})
		}
		for _, x := range c.GetIwant() {
			iwant = append(iwant, encodeIDs(x.GetMessageIDs())...)
		}
		for _, x := range c.GetGraft() {
			graft = append(graft, x.GetTopicID())
		}
		for _, x := range c.GetPrune() {
			prune = append(prune, pruneSummary{x.GetTopicID(), x.GetBackoff(), len(x.GetPeers())})
		}
		for _, x := range c.GetIdontwant() {
			idontwant = append(idontwant, encodeIDs(x.GetMessageIDs())...)
		}
	}
	t.out.emit("rpc", "direction", direction, "peer", peerID,
		"subscriptions", subs, "messages", msgs, "ihave", ihave, "iwant", iwant,
		"graft", graft, "prune", prune, "idontwant", idontwant,
		"extensions", extensions, "testExtension", rpc.GetTestExtension() != nil, "partial", partial)
}

func encodeIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = base64.StdEncoding.EncodeToString([]byte(id))
	}
	return out
}
