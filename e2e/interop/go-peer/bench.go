package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/sec"
	"github.com/libp2p/go-libp2p/core/transport"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/upgrader"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

// The transport benchmark behind "go-peer bench": two endpoints in this process over loopback TCP,
// measuring what our Java stack measures the same way (see ../README.md):
//   - noiseMBps: one noise-secured TCP connection, no muxer, one direction
//   - yamux1MBps / yamuxNMBps: noise + yamux, the same bytes over 1 and over N concurrent streams
//   - handshakesPerSec: TCP dial + multistream + noise XX + yamux, until both sides hold the
//     upgraded connection, one at a time; go-libp2p negotiates the muxer inside the noise handshake
//     when both sides can, so handshakesPerSecMultistreamMuxer repeats it with that turned off
// MB is 10^6 bytes. Reads and writes are benchChunk bytes at a time.

const benchChunk = 64 * 1024

type benchOptions struct {
	megabytes  int
	streams    int
	handshakes int
	rounds     int
}

func runBench(args []string, out *emitter) error {
	o := benchOptions{megabytes: 256, streams: 64, handshakes: 300, rounds: 3}
	for i := 0; i < len(args); i++ {
		if i+1 >= len(args) {
			return fmt.Errorf("flag %s needs a value", args[i])
		}
		n, err := strconv.Atoi(args[i+1])
		if err != nil || n <= 0 {
			return fmt.Errorf("flag %s needs a positive integer, got %q", args[i], args[i+1])
		}
		switch args[i] {
		case "--mb":
			o.megabytes = n
		case "--streams":
			o.streams = n
		case "--handshakes":
			o.handshakes = n
		case "--rounds":
			o.rounds = n
		default:
			return fmt.Errorf("unknown bench flag %q (known: --mb, --streams, --handshakes, --rounds)", args[i])
		}
		i++
	}
	total := int64(o.megabytes) * 1_000_000

	// A short warm-up so the first measurement does not pay for heap growth.
	if _, err := benchNoise(8_000_000); err != nil {
		return fmt.Errorf("noise warm-up: %w", err)
	}
	// Each figure is the median of --rounds runs: the machine is shared and single runs are noisy.
	noiseRate, err := median(o.rounds, func() (float64, error) { return benchNoise(total) })
	if err != nil {
		return fmt.Errorf("noise throughput: %w", err)
	}
	yamux1, err := median(o.rounds, func() (float64, error) { return benchYamux(total, 1) })
	if err != nil {
		return fmt.Errorf("yamux throughput, 1 stream: %w", err)
	}
	yamuxN, err := median(o.rounds, func() (float64, error) { return benchYamux(total, o.streams) })
	if err != nil {
		return fmt.Errorf("yamux throughput, %d streams: %w", o.streams, err)
	}
	hs, err := median(o.rounds, func() (float64, error) { return benchHandshakes(o.handshakes, true) })
	if err != nil {
		return fmt.Errorf("handshakes: %w", err)
	}
	hsMultistream, err := median(o.rounds, func() (float64, error) { return benchHandshakes(o.handshakes, false) })
	if err != nil {
		return fmt.Errorf("handshakes without early muxer negotiation: %w", err)
	}
	out.emit("bench", "impl", "go-libp2p v0.52.0", "runtime", runtime.Version(), "cpus", runtime.NumCPU(),
		"rounds", o.rounds, "bytes", total, "chunkBytes", benchChunk, "streams", o.streams,
		"noiseMBps", round1(noiseRate), "yamux1MBps", round1(yamux1), "yamuxNMBps", round1(yamuxN),
		"handshakes", o.handshakes, "handshakesPerSec", round1(hs), "handshakesPerSecMultistreamMuxer", round1(hsMultistream))
	return nil
}

func median(rounds int, run func() (float64, error)) (float64, error) {
	results := make([]float64, 0, rounds)
	for i := 0; i < rounds; i++ {
		r, err := run()
		if err != nil {
			return 0, err
		}
		results = append(results, r)
	}
	sort.Float64s(results)
	return results[len(results)/2], nil
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func mbps(bytes int64, d time.Duration) float64 { return float64(bytes) / 1e6 / d.Seconds() }

func benchKey() (crypto.PrivKey, peer.ID, error) {
	priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, "", err
	}
	id, err := peer.IDFromPrivateKey(priv)
	return priv, id, err
}

func benchNoise(total int64) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	k1, _, err := benchKey()
	if err != nil {
		return 0, err
	}
	k2, id2, err := benchKey()
	if err != nil {
		return 0, err
	}
	t1, err := noise.New(noise.ID, k1, nil)
	if err != nil {
		return 0, err
	}
	t2, err := noise.New(noise.ID, k2, nil)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	serverErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer c.Close()
		sc, err := t2.SecureInbound(ctx, c, "")
		if err != nil {
			serverErr <- err
			return
		}
		if err := readN(sc, total); err != nil {
			serverErr <- err
			return
		}
		_, err = sc.Write([]byte{1})
		serverErr <- err
	}()

	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	sc, err := t1.SecureOutbound(ctx, raw, id2)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	if err := writeN(sc, total); err != nil {
		return 0, err
	}
	ack := make([]byte, 1)
	if _, err := io.ReadFull(sc, ack); err != nil {
		return 0, fmt.Errorf("reading ack: %w (server: %v)", err, drain(serverErr))
	}
	elapsed := time.Since(start)
	if err := <-serverErr; err != nil {
		return 0, err
	}
	return mbps(total, elapsed), nil
}

func drain(ch chan error) error {
	select {
	case err := <-ch:
		return err
	default:
		return nil
	}
}

func writeN(w io.Writer, total int64) error {
	buf := make([]byte, benchChunk)
	for sent := int64(0); sent < total; {
		n := int64(len(buf))
		if total-sent < n {
			n = total - sent
		}
		if _, err := w.Write(buf[:n]); err != nil {
			return err
		}
		sent += n
	}
	return nil
}

// readN reads total bytes (or to EOF when total < 0) benchChunk bytes at a time.
func readN(r io.Reader, total int64) error {
	buf := make([]byte, benchChunk)
	for got := int64(0); total < 0 || got < total; {
		n, err := r.Read(buf)
		got += int64(n)
		if err == io.EOF && total < 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// upgradedTCP is a TCP transport that upgrades with noise and yamux only, with no resource limits.
func upgradedTCP(key crypto.PrivKey, earlyMuxer bool) (*tcp.TcpTransport, error) {
	muxers := []upgrader.StreamMuxer{{ID: yamux.ID, Muxer: yamux.DefaultTransport}}
	var inNoise []upgrader.StreamMuxer
	if earlyMuxer {
		inNoise = muxers
	}
	n, err := noise.New(noise.ID, key, inNoise)
	if err != nil {
		return nil, err
	}
	rcmgr := &network.NullResourceManager{}
	upg, err := upgrader.New([]sec.SecureTransport{n}, muxers, nil, rcmgr, nil)
	if err != nil {
		return nil, err
	}
	return tcp.NewTCPTransport(upg, rcmgr, nil)
}

type benchPair struct {
	dialer   *tcp.TcpTransport
	listener transport.Listener
	target   peer.ID
}

func newBenchPair(earlyMuxer bool) (*benchPair, error) {
	k1, _, err := benchKey()
	if err != nil {
		return nil, err
	}
	k2, id2, err := benchKey()
	if err != nil {
		return nil, err
	}
	d, err := upgradedTCP(k1, earlyMuxer)
	if err != nil {
		return nil, err
	}
	l, err := upgradedTCP(k2, earlyMuxer)
	if err != nil {
		return nil, err
	}
	listener, err := l.Listen(ma.StringCast("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		return nil, err
	}
	return &benchPair{dialer: d, listener: listener, target: id2}, nil
}

func benchYamux(total int64, streams int) (float64, error) {
	pair, err := newBenchPair(true)
	if err != nil {
		return 0, err
	}
	defer pair.listener.Close()
	go func() {
		c, err := pair.listener.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		for {
			s, err := c.AcceptStream()
			if err != nil {
				return
			}
			go func() {
				defer s.Close()
				if err := readN(s, -1); err == nil {
					_, _ = s.Write([]byte{1})
				}
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pair.dialer.Dial(ctx, pair.listener.Multiaddr(), pair.target)
	if err != nil {
		return 0, err
	}
	defer conn.Close()

	per := total / int64(streams)
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	start := time.Now()
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := conn.OpenStream(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			if err := writeN(s, per); err != nil {
				errs <- err
				return
			}
			if err := s.CloseWrite(); err != nil {
				errs <- err
				return
			}
			ack := make([]byte, 1)
			if _, err := io.ReadFull(s, ack); err != nil {
				errs <- fmt.Errorf("reading ack: %w", err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return mbps(per*int64(streams), elapsed), nil
}

func benchHandshakes(n int, earlyMuxer bool) (float64, error) {
	pair, err := newBenchPair(earlyMuxer)
	if err != nil {
		return 0, err
	}
	defer pair.listener.Close()
	accepted := make(chan error, 1)
	go func() {
		for {
			c, err := pair.listener.Accept()
			if err != nil {
				if !errors.Is(err, transport.ErrListenerClosed) {
					accepted <- err
				}
				return
			}
			_ = c.Close()
			accepted <- nil
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	for i := 0; i < n; i++ {
		c, err := pair.dialer.Dial(ctx, pair.listener.Multiaddr(), pair.target)
		if err != nil {
			return 0, fmt.Errorf("dial %d: %w", i, err)
		}
		// The listener finishes its side of the upgrade after we finish ours: count a handshake
		// once both sides hold the connection.
		if err := <-accepted; err != nil {
			return 0, fmt.Errorf("accept %d: %w", i, err)
		}
		if cm := c.ConnState().UsedEarlyMuxerNegotiation; cm != earlyMuxer {
			return 0, fmt.Errorf("early muxer negotiation was %v, wanted %v", cm, earlyMuxer)
		}
		_ = c.Close()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
