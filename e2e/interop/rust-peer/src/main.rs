//! rust-peer: a rust-libp2p host with gossipsub that topicmesh's interop tests drive as a child
//! process. Flags configure it, stdin carries one command per line and stdout carries one JSON event
//! per line: the contract shared with ../go-peer and ../js-peer, documented in ../README.md (which
//! also lists what this peer does not support).

mod options;
mod peer;

use std::io::{BufRead, Read};

use tokio::sync::mpsc;

/// Longest stdin command accepted (a publish carries base64 data).
const MAX_COMMAND_LINE_BYTES: usize = 8 * 1024 * 1024;

fn main() {
    let out = peer::Emitter;
    let opts = match options::parse(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) => {
            out.error(None, &e);
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.error(None, &format!("starting the tokio runtime: {e}"));
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async move {
        let (tx, rx) = mpsc::channel(64);
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || read_stdin(tx))
            .expect("spawning the stdin reader");
        match peer::Peer::start(opts).await {
            Ok(p) => {
                p.run(rx).await;
                0
            }
            Err(e) => {
                out.error(None, &e);
                1
            }
        }
    });
    // Connections and tasks are dropped with the runtime; do not wait for them.
    runtime.shutdown_background();
    std::process::exit(code);
}

/// Reads stdin line by line into `tx`; a line longer than the bound is reported and skipped.
/// The channel closes when stdin does (the test process went away), which shuts the peer down.
fn read_stdin(tx: mpsc::Sender<Result<String, String>>) {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    loop {
        let mut buf = Vec::new();
        let n = match (&mut input).take(MAX_COMMAND_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(e) => {
                let _ = tx.blocking_send(Err(format!("reading stdin: {e}")));
                return;
            }
        };
        if n == 0 {
            return;
        }
        if buf.last() != Some(&b'\n') && buf.len() > MAX_COMMAND_LINE_BYTES {
            // Drop the rest of the oversized line.
            let mut rest = Vec::new();
            if input.read_until(b'\n', &mut rest).is_err() {
                return;
            }
            let msg = format!("command line longer than {MAX_COMMAND_LINE_BYTES} bytes ignored");
            if tx.blocking_send(Err(msg)).is_err() {
                return;
            }
            continue;
        }
        let line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
        if tx.blocking_send(Ok(line)).is_err() {
            return;
        }
    }
}
