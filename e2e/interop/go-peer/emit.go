package main

import (
	"bufio"
	"encoding/json"
	"io"
	"sync"
)

// emitter writes one JSON object per line. Keys keep the order they are given in (with "event"
// first) so a person reading a test log sees the event kind at the start of every line.
type emitter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func newEmitter(w io.Writer) *emitter {
	return &emitter{w: bufio.NewWriter(w)}
}

// emit writes {"event":kind, k1:v1, ...}; kv alternates string keys and JSON-encodable values.
func (e *emitter) emit(kind string, kv ...any) {
	buf := make([]byte, 0, 128)
	buf = append(buf, `{"event":`...)
	buf = appendJSON(buf, kind)
	for i := 0; i+1 < len(kv); i += 2 {
		buf = append(buf, ',')
		buf = appendJSON(buf, kv[i].(string))
		buf = append(buf, ':')
		buf = appendJSON(buf, kv[i+1])
	}
	buf = append(buf, '}', '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(buf)
	_ = e.w.Flush()
}

func (e *emitter) errorf(command string, err error) {
	if command == "" {
		e.emit("error", "message", err.Error())
		return
	}
	e.emit("error", "command", command, "message", err.Error())
}

func appendJSON(buf []byte, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal("unencodable: " + err.Error())
	}
	return append(buf, b...)
}
