package main

// Partial messages (gossipsub v1.3 partial-messages extension) with go-libp2p-pubsub's
// partialmessages.PartialMessagesExtension. The parts and parts-metadata encoding is topicmesh's
// "indexed parts" (docs/pubsub-router.md, "Partial messages"), which the spec leaves to the
// application:
//   metadata: uvarint total, then a bitmap of ceil(total/8) bytes, part i at byte i/8, bit i%8
//             (least significant first): the parts the sender has;
//   parts:    uvarint total, then per part uvarint index, uvarint length, bytes; indexes increasing.

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p-pubsub/partialmessages"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	partialMaxParts      = 1024
	partialMaxGroupBytes = 1 << 20
	partialMaxGroups     = 1024
)

// partialView is what we believe a peer has of one group (nil has: not known yet).
type partialView struct {
	has      []byte
	sentMeta []byte
}

type partialGroup struct {
	total     int
	parts     map[int][]byte
	bytes     int
	assembled bool
}

// partialState holds the groups; the extension's callbacks run on pubsub's event loop, commands on
// the main goroutine, hence the mutex.
type partialState struct {
	mu     sync.Mutex
	groups map[string]*partialGroup // key: topic + "\x00" + group id
	ps     func() *pubsub.PubSub
	out    *emitter
}

func newPartialExtension(out *emitter, ps func() *pubsub.PubSub) (*partialState, *partialmessages.PartialMessagesExtension[*partialView]) {
	st := &partialState{groups: map[string]*partialGroup{}, ps: ps, out: out}
	ext := &partialmessages.PartialMessagesExtension[*partialView]{
		Logger:             slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		GroupTTLByHeatbeat: 20,
		OnIncomingRPC:      st.onIncoming,
		OnEmitGossip: func(topic string, groupID []byte, _ []peer.ID, _ map[peer.ID]*partialView) {
			go st.republish(topic, groupID)
		},
	}
	return st, ext
}

func groupKey(topic string, gid []byte) string { return topic + "\x00" + string(gid) }

func encodeMeta(g *partialGroup) []byte {
	out := binary.AppendUvarint(nil, uint64(g.total))
	bm := make([]byte, (g.total+7)/8)
	for i := range g.parts {
		bm[i/8] |= 1 << (uint(i) % 8)
	}
	return append(out, bm...)
}

func decodeMeta(b []byte) (int, []byte, error) {
	total, n := binary.Uvarint(b)
	if n <= 0 || total == 0 || total > partialMaxParts {
		return 0, nil, errors.New("bad part count in parts metadata")
	}
	if len(b)-n != int(total+7)/8 {
		return 0, nil, fmt.Errorf("parts metadata bitmap is %d bytes, want %d", len(b)-n, (total+7)/8)
	}
	return int(total), append([]byte(nil), b[n:]...), nil
}

func encodeParts(total int, parts map[int][]byte) []byte {
	idx := make([]int, 0, len(parts))
	for i := range parts {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := binary.AppendUvarint(nil, uint64(total))
	for _, i := range idx {
		out = binary.AppendUvarint(out, uint64(i))
		out = binary.AppendUvarint(out, uint64(len(parts[i])))
		out = append(out, parts[i]...)
	}
	return out
}

func decodeParts(b []byte) (int, map[int][]byte, error) {
	total, n := binary.Uvarint(b)
	if n <= 0 || total == 0 || total > partialMaxParts {
		return 0, nil, errors.New("bad part count in partial message")
	}
	b = b[n:]
	parts := map[int][]byte{}
	last := -1
	for len(b) > 0 {
		idx, n1 := binary.Uvarint(b)
		if n1 <= 0 || idx >= total || int(idx) <= last {
			return 0, nil, errors.New("bad part index")
		}
		b = b[n1:]
		l, n2 := binary.Uvarint(b)
		if n2 <= 0 || l > uint64(len(b)-n2) {
			return 0, nil, errors.New("bad part length")
		}
		b = b[n2:]
		parts[int(idx)] = append([]byte(nil), b[:l]...)
		b = b[l:]
		last = int(idx)
	}
	return int(total), parts, nil
}

func bit(bm []byte, i int) bool { return i/8 < len(bm) && bm[i/8]&(1<<(uint(i)%8)) != 0 }

func setBit(bm []byte, total, i int) []byte {
	if bm == nil {
		bm = make([]byte, (total+7)/8)
	}
	bm[i/8] |= 1 << (uint(i) % 8)
	return bm
}

// groupFor returns g, or a new group of total parts stored under key when g is nil. It refuses a
// new group beyond partialMaxGroups and a peer whose part count differs from the group's. The
// caller holds st.mu.
func (st *partialState) groupFor(key string, g *partialGroup, total int) (*partialGroup, error) {
	if g == nil {
		if len(st.groups) >= partialMaxGroups {
			return nil, errors.New("too many groups")
		}
		g = &partialGroup{total: total, parts: map[int][]byte{}}
		st.groups[key] = g
		return g, nil
	}
	if g.total != total {
		return g, fmt.Errorf("group has %d parts, peer says %d", g.total, total)
	}
	return g, nil
}

// onIncoming runs on pubsub's event loop: record what the peer has, keep new parts, tell the test,
// then answer and pass on from a goroutine (PublishPartial must not be called from the loop).
func (st *partialState) onIncoming(from peer.ID, states map[peer.ID]*partialView, rpc *pb.PartialMessagesExtension) error {
	topic, gid := rpc.GetTopicID(), rpc.GetGroupID()
	view := states[from]
	if view == nil {
		view = &partialView{}
		states[from] = view
	}
	st.mu.Lock()
	key := groupKey(topic, gid)
	g := st.groups[key]
	var fresh []int
	var err error
	func() {
		if md := rpc.GetPartsMetadata(); md != nil {
			total, bm, e := decodeMeta(md)
			if e != nil {
				err = e
				return
			}
			if g, err = st.groupFor(key, g, total); err != nil {
				return
			}
			view.has = bm
		}
		if data := rpc.GetPartialMessage(); data != nil {
			total, parts, e := decodeParts(data)
			if e != nil {
				err = e
				return
			}
			if g, err = st.groupFor(key, g, total); err != nil {
				return
			}
			for i, part := range parts {
				view.has = setBit(view.has, total, i)
				if _, ok := g.parts[i]; ok || g.bytes+len(part) > partialMaxGroupBytes {
					continue
				}
				g.parts[i] = part
				g.bytes += len(part)
				fresh = append(fresh, i)
			}
		}
	}()
	var assembled []byte
	held, total := 0, 0
	if g != nil {
		held, total = len(g.parts), g.total
		if len(fresh) > 0 && held == total && !g.assembled {
			g.assembled = true
			for i := 0; i < total; i++ {
				assembled = append(assembled, g.parts[i]...)
			}
		}
	}
	st.mu.Unlock()
	if err != nil {
		st.out.emit("error", "message", "partial RPC from "+from.String()+": "+err.Error())
		return err
	}
	if len(fresh) > 0 {
		sort.Ints(fresh)
		st.out.emit("partial-parts", "topic", topic, "group", base64.StdEncoding.EncodeToString(gid),
			"from", from.String(), "newParts", fresh, "held", held, "total", total)
	}
	if assembled != nil {
		st.out.emit("partial-assembled", "topic", topic, "group", base64.StdEncoding.EncodeToString(gid),
			"data", base64.StdEncoding.EncodeToString(assembled))
	}
	go st.republish(topic, gid)
	return nil
}

// actions sends every peer the parts it lacks (if it requested partials) and our metadata when it
// changed since we last sent it.
func (st *partialState) actions(topic string, gid []byte) partialmessages.PublishActionsFn[*partialView] {
	return func(states map[peer.ID]*partialView, requests func(peer.ID) bool) iter.Seq2[peer.ID, partialmessages.PublishAction] {
		return func(yield func(peer.ID, partialmessages.PublishAction) bool) {
			st.mu.Lock()
			g := st.groups[groupKey(topic, gid)]
			if g == nil {
				st.mu.Unlock()
				return
			}
			meta := encodeMeta(g)
			type todo struct {
				p peer.ID
				a partialmessages.PublishAction
			}
			var list []todo
			for p, v := range states {
				if v == nil {
					v = &partialView{}
					states[p] = v
				}
				var a partialmessages.PublishAction
				if requests(p) {
					lack := map[int][]byte{}
					for i, part := range g.parts {
						if !bit(v.has, i) {
							lack[i] = part
						}
					}
					if len(lack) > 0 {
						a.EncodedPartialMessage = encodeParts(g.total, lack)
						for i := range lack {
							v.has = setBit(v.has, g.total, i)
						}
					}
				}
				if !bytes.Equal(v.sentMeta, meta) {
					a.EncodedPartsMetadata = meta
					v.sentMeta = meta
				}
				if a.EncodedPartialMessage != nil || a.EncodedPartsMetadata != nil {
					list = append(list, todo{p, a})
				}
			}
			st.mu.Unlock()
			for _, t := range list {
				if !yield(t.p, t.a) {
					return
				}
			}
		}
	}
}

func (st *partialState) republish(topic string, gid []byte) {
	if err := pubsub.PublishPartial(st.ps(), topic, gid, st.actions(topic, gid)); err != nil {
		st.out.emit("error", "message", "partial publish on "+topic+": "+err.Error())
	}
}

// partialPublish: partial-publish <topic> <base64 group id> <total> [<index>=<base64 part>]...
func (p *peerState) partialPublish(args []string) error {
	if p.partial == nil {
		return errors.New("partial messages are off (start with --partial-messages)")
	}
	if len(args) < 3 {
		return errors.New("usage: partial-publish <topic> <base64-group-id> <total> [<index>=<base64-part>]...")
	}
	topic := args[0]
	gid, err := base64.StdEncoding.DecodeString(args[1])
	if err != nil || len(gid) == 0 {
		return fmt.Errorf("group id must be non-empty base64: %q", args[1])
	}
	total, err := strconv.Atoi(args[2])
	if err != nil || total <= 0 || total > partialMaxParts {
		return fmt.Errorf("total must be 1..%d, got %q", partialMaxParts, args[2])
	}
	parts := map[int][]byte{}
	for _, a := range args[3:] {
		i, d, ok := strings.Cut(a, "=")
		idx, err := strconv.Atoi(i)
		if !ok || err != nil || idx < 0 || idx >= total {
			return fmt.Errorf("part %q must be <index 0..%d>=<base64>", a, total-1)
		}
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return fmt.Errorf("part %d must be base64: %w", idx, err)
		}
		parts[idx] = b
	}
	p.mu.Lock()
	_, err = p.topicLocked(topic)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	st := p.partial
	st.mu.Lock()
	key := groupKey(topic, gid)
	g := st.groups[key]
	if g == nil {
		g = &partialGroup{total: total, parts: map[int][]byte{}}
		st.groups[key] = g
	} else if g.total != total {
		st.mu.Unlock()
		return fmt.Errorf("group has %d parts, not %d", g.total, total)
	}
	for i, b := range parts {
		if _, ok := g.parts[i]; !ok {
			g.parts[i] = b
			g.bytes += len(b)
		}
	}
	if len(g.parts) == g.total {
		g.assembled = true
	}
	held := len(g.parts)
	st.mu.Unlock()
	if err := pubsub.PublishPartial(p.ps, topic, gid, st.actions(topic, gid)); err != nil {
		return err
	}
	p.out.emit("partial-published", "topic", topic, "group", args[1], "held", held, "total", total)
	return nil
}
