#!/usr/bin/env python3
"""Forwards TCP from a loopback address of this network namespace into another network namespace.

The local cluster lives in its own network namespace, so that its pod and service ranges exist
nowhere else. Its API server listens there; this forwarder makes it reachable from the machine's
loopback (kubectl, helm, the e2e suite), and nothing else crosses.

How: the listening socket is created first, in the namespace the forwarder starts in; then the
process enters the cluster's namespace (setns), so every socket it opens afterwards, the
connections to the target, lives there. A thread per direction per connection, at most
--max-connections connections at once (further ones are refused by closing them).

usage: netns_forward.py --listen 127.0.0.1:16443 --netns /var/run/netns/NAME --to 127.0.0.1:6443
"""

import argparse
import ctypes
import os
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def log(msg):
    print(f"netns-forward: {msg}", file=sys.stderr, flush=True)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s, how in ((dst, socket.SHUT_WR), (src, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass


def serve(conn, target, slots):
    try:
        try:
            upstream = socket.create_connection(target, timeout=10)
        except OSError as e:
            log(f"connect {target[0]}:{target[1]} in the cluster namespace failed: {e}")
            conn.close()
            return
        upstream.settimeout(None)
        back = threading.Thread(target=pump, args=(upstream, conn), daemon=True)
        back.start()
        pump(conn, upstream)
        back.join()
        upstream.close()
        conn.close()
    finally:
        slots.release()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--max-connections", type=int, default=256)
    a = ap.parse_args()
    host, port = a.listen.rsplit(":", 1)
    thost, tport = a.to.rsplit(":", 1)
    target = (thost, int(tport))

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, int(port)))
    listener.listen(128)

    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(a.netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        sys.exit(f"netns-forward: setns({a.netns}) failed: {os.strerror(err)}")
    os.close(fd)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log(f"forwarding {a.listen} -> {a.to} in {a.netns}")

    slots = threading.BoundedSemaphore(a.max_connections)
    while True:
        conn, _ = listener.accept()
        if not slots.acquire(blocking=False):
            log(f"refused a connection: {a.max_connections} already open")
            conn.close()
            continue
        threading.Thread(target=serve, args=(conn, target, slots), daemon=True).start()


if __name__ == "__main__":
    main()
