// muxpeer is a go-yamux / go-mplex peer for the Java muxer interop test (MuxInteropIT).
//
// Usage: muxpeer <yamux|mplex> <listen address>
//
// It prints "LISTEN <address>", accepts one TCP connection as the non-initiating side, echoes
// every stream the Java side opens (then half-closes it), opens three streams of its own that
// send "hello from go <i>" and print "REPLY <i> <reply>" once the Java side has echoed and
// half-closed, and prints "DONE" when the connection ends.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	mplex "github.com/libp2p/go-mplex"
	yamux "github.com/libp2p/go-yamux/v5"
)

type stream interface {
	io.ReadWriter
	CloseWrite() error
	Close() error
}

type session interface {
	accept() (stream, error)
	open() (stream, error)
}

type yamuxSession struct{ s *yamux.Session }

func (y yamuxSession) accept() (stream, error) { return y.s.AcceptStream() }
func (y yamuxSession) open() (stream, error)   { return y.s.OpenStream(context.Background()) }

type mplexSession struct{ m *mplex.Multiplex }

func (m mplexSession) accept() (stream, error) { return m.m.Accept() }
func (m mplexSession) open() (stream, error)   { return m.m.NewStream(context.Background()) }

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: muxpeer <yamux|mplex> <listen address>")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Println("LISTEN", ln.Addr().String())
	conn, err := ln.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "accept:", err)
		os.Exit(1)
	}
	var sess session
	switch os.Args[1] {
	case "yamux":
		cfg := yamux.DefaultConfig()
		cfg.LogOutput = io.Discard
		s, err := yamux.Server(conn, cfg, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "yamux:", err)
			os.Exit(1)
		}
		sess = yamuxSession{s}
	case "mplex":
		m, err := mplex.NewMultiplex(conn, false, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mplex:", err)
			os.Exit(1)
		}
		sess = mplexSession{m}
	default:
		fmt.Fprintln(os.Stderr, "unknown muxer", os.Args[1])
		os.Exit(2)
	}

	var out sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := sess.open()
			if err != nil {
				fmt.Fprintln(os.Stderr, "open:", err)
				return
			}
			defer s.Close()
			if _, err := fmt.Fprintf(s, "hello from go %d", i); err != nil {
				fmt.Fprintln(os.Stderr, "write:", err)
				return
			}
			s.CloseWrite()
			reply, err := io.ReadAll(s)
			if err != nil {
				fmt.Fprintln(os.Stderr, "read:", err)
				return
			}
			out.Lock()
			fmt.Printf("REPLY %d %s\n", i, reply)
			out.Unlock()
		}(i)
	}

	for {
		s, err := sess.accept()
		if err != nil {
			break
		}
		go func(s stream) {
			defer s.Close()
			if _, err := io.Copy(s, s); err != nil {
				fmt.Fprintln(os.Stderr, "echo:", err)
				return
			}
			s.CloseWrite()
		}(s)
	}
	wg.Wait()
	fmt.Println("DONE")
}
