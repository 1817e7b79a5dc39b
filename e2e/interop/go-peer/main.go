// Command go-peer is a go-libp2p host with gossipsub that topicmesh's interop tests drive as a child
// process: flags configure it, stdin carries one command per line and stdout carries one JSON
// event per line. The contract is shared with ../js-peer and documented in ../README.md.
//
// "go-peer bench ..." runs the transport benchmark instead (see bench.go).
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	out := newEmitter(os.Stdout)
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		if err := runBench(os.Args[2:], out); err != nil {
			out.errorf("", err)
			os.Exit(1)
		}
		return
	}
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		out.errorf("", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := startPeer(ctx, opts, out)
	if err != nil {
		out.errorf("", err)
		os.Exit(1)
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	lines := make(chan string)
	go func() {
		// A closed stdin means the test process went away: shut down rather than linger.
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 64*1024), maxCommandLineBytes)
		for sc.Scan() {
			lines <- sc.Text()
		}
		if err := sc.Err(); err != nil {
			out.errorf("", fmt.Errorf("reading stdin: %w", err))
		}
	}()

	for {
		select {
		case line, ok := <-lines:
			if !ok {
				p.shutdown()
				return
			}
			if p.handleCommand(ctx, line) {
				p.shutdown()
				return
			}
		case <-signals:
			p.shutdown()
			return
		}
	}
}

// maxCommandLineBytes bounds one stdin command (a publish carries base64 data).
const maxCommandLineBytes = 8 * 1024 * 1024
