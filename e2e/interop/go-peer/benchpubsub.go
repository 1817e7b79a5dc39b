package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
)

// Pubsub benchmark support (--bench-stats): deliveries are counted and their first-delivery
// latency recorded instead of printing a "message" event each (printing would dominate the cost).
// The first 8 bytes of a benchmark message are the publisher's wall clock (Unix nanoseconds,
// big-endian); publisher and subscribers share the machine's clock.

// maxBenchLatencies bounds the latencies kept between two bench-stats commands.
const maxBenchLatencies = 2_000_000

type benchStats struct {
	mu          sync.Mutex
	deliveries  int64
	latenciesUs []int64
}

func (b *benchStats) record(m *pubsub.Message) {
	now := time.Now().UnixNano()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deliveries++
	data := m.GetData()
	if len(data) >= 8 && len(b.latenciesUs) < maxBenchLatencies {
		sent := int64(binary.BigEndian.Uint64(data[:8]))
		b.latenciesUs = append(b.latenciesUs, (now-sent)/1000)
	}
}

// benchStatsCommand prints and resets the counters: bench-stats
func (p *peerState) benchStatsCommand() error {
	if p.bench == nil {
		return errors.New("bench-stats needs --bench-stats")
	}
	p.bench.mu.Lock()
	deliveries, lat := p.bench.deliveries, p.bench.latenciesUs
	p.bench.deliveries, p.bench.latenciesUs = 0, nil
	p.bench.mu.Unlock()
	if lat == nil {
		lat = []int64{}
	}
	dups := p.mesh.duplicates.Swap(0)
	p.out.emit("bench-stats", "deliveries", deliveries, "duplicates", dups, "latenciesUs", lat)
	return nil
}

// benchPublish publishes stamped messages: bench-publish <topic> <per-second, 0 = as fast as
// Publish returns> <milliseconds> <size>
func (p *peerState) benchPublish(ctx context.Context, args []string) error {
	if len(args) != 4 {
		return errors.New("usage: bench-publish <topic> <rate> <millis> <size>")
	}
	rate, err1 := strconv.Atoi(args[1])
	millis, err2 := strconv.Atoi(args[2])
	size, err3 := strconv.Atoi(args[3])
	if err := errors.Join(err1, err2, err3); err != nil || rate < 0 || millis <= 0 || size < 8 {
		return fmt.Errorf("bench-publish needs rate >= 0, millis > 0, size >= 8: %v", args)
	}
	p.mu.Lock()
	t, err := p.topicLocked(args[0])
	p.mu.Unlock()
	if err != nil {
		return err
	}
	start := time.Now()
	end := start.Add(time.Duration(millis) * time.Millisecond)
	sent := 0
	for {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if rate > 0 {
			due := start.Add(time.Duration(int64(sent) * int64(time.Second) / int64(rate)))
			if due.After(now) {
				time.Sleep(due.Sub(now))
				continue
			}
		}
		data := make([]byte, size)
		binary.BigEndian.PutUint64(data[:8], uint64(time.Now().UnixNano()))
		binary.BigEndian.PutUint64(data[8:16], uint64(sent))
		if err := t.Publish(ctx, data); err != nil {
			return err
		}
		sent++
	}
	p.out.emit("bench-published", "topic", args[0], "count", sent,
		"seconds", time.Since(start).Seconds())
	return nil
}
