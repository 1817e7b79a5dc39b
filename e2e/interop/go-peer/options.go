package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/libp2p/go-libp2p/core/crypto"
)

// options are the command-line flags shared with the js peer (see ../README.md).
type options struct {
	listen       []string
	keySeed      string
	muxer        string
	dial         []string
	topics       []string
	pubsub       string
	protocols    []string
	d, dlo, dhi  int
	heartbeatMs  int
	floodPublish bool
	traceRPC     bool
	benchStats   bool
	peerExchange bool
	agent        string
	// testExtension turns on gossipsub v1.3's experimental test extension.
	testExtension bool
	// partialMessages turns on the partial-messages extension; every topic requests partials.
	partialMessages bool
}

func parseOptions(args []string) (*options, error) {
	o := &options{muxer: "both", pubsub: "gossipsub", floodPublish: true}
	for i := 0; i < len(args); i++ {
		name := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("flag %s needs a value", name)
			}
			i++
			return args[i], nil
		}
		intValue := func() (int, error) {
			v, err := value()
			if err != nil {
				return 0, err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("flag %s needs a non-negative integer, got %q", name, v)
			}
			return n, nil
		}
		var err error
		var v string
		switch name {
		case "--listen":
			v, err = value()
			o.listen = append(o.listen, v)
		case "--key-seed":
			o.keySeed, err = value()
		case "--muxer":
			o.muxer, err = value()
			if err == nil && o.muxer != "yamux" && o.muxer != "mplex" && o.muxer != "both" {
				err = fmt.Errorf("--muxer must be yamux, mplex or both, got %q", o.muxer)
			}
		case "--dial":
			v, err = value()
			o.dial = append(o.dial, v)
		case "--topic":
			v, err = value()
			o.topics = append(o.topics, v)
		case "--pubsub":
			o.pubsub, err = value()
			if err == nil && o.pubsub != "gossipsub" && o.pubsub != "floodsub" && o.pubsub != "none" {
				err = fmt.Errorf("--pubsub must be gossipsub, floodsub or none, got %q", o.pubsub)
			}
		case "--protocols":
			v, err = value()
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					o.protocols = append(o.protocols, p)
				}
			}
		case "--d":
			o.d, err = intValue()
		case "--dlo":
			o.dlo, err = intValue()
		case "--dhi":
			o.dhi, err = intValue()
		case "--heartbeat-ms":
			o.heartbeatMs, err = intValue()
		case "--flood-publish":
			v, err = value()
			o.floodPublish = v == "true"
			if err == nil && v != "true" && v != "false" {
				err = fmt.Errorf("--flood-publish must be true or false, got %q", v)
			}
		case "--trace-rpc":
			o.traceRPC = true
		case "--bench-stats":
			o.benchStats = true
		case "--px":
			o.peerExchange = true
		case "--test-extension":
			o.testExtension = true
		case "--partial-messages":
			o.partialMessages = true
		case "--agent":
			o.agent, err = value()
		default:
			err = fmt.Errorf("unknown flag %q", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(o.protocols) > 0 && o.pubsub != "gossipsub" {
		return nil, errors.New("--protocols needs --pubsub gossipsub")
	}
	if len(o.listen) == 0 {
		o.listen = []string{"/ip4/127.0.0.1/tcp/0"}
	}
	return o, nil
}

// identityKey derives the Ed25519 key from --key-seed so both peers (and the Java tests) get the
// same PeerId for the same seed: the 32-byte Ed25519 seed is SHA-256("topicmesh-interop-key-seed:" + n).
func identityKey(seed string) (crypto.PrivKey, error) {
	if seed == "" {
		priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
		return priv, err
	}
	digest := sha256.Sum256([]byte("topicmesh-interop-key-seed:" + seed))
	return crypto.UnmarshalEd25519PrivateKey(ed25519.NewKeyFromSeed(digest[:]))
}
