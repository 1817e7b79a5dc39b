#!/usr/bin/env bash
# Builds the interop peers into ${TOPICMESH_CACHE:-~/.cache/topicmesh}/interop/ (see README.md):
#   go/<hash>/go-peer          keyed by go.mod, go.sum, the Go sources and the Go version
#   js/deps-<hash>/node_modules  `npm ci` keyed by package-lock.json and the Node major version
#   js/<hash>/peer.js …        the js sources, node_modules linked to the deps dir above
#   rust/<hash>/rust-peer      keyed by Cargo.toml, Cargo.lock, the Rust sources and the rustc version
#   go-peer, js-peer, rust-peer  symlinks to the newest build: what the Java harness runs
# Idempotent: a warm run only hashes files. Fails with what is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cache="${TOPICMESH_CACHE:-$HOME/.cache/topicmesh}/interop"
mkdir -p "$cache"

die() { echo "interop build: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH; $2"
}
need go "install Go >= 1.26 (go-libp2p v0.52 needs it)"
need node "install Node.js >= 20"
need npm "install npm (ships with Node.js)"
need sha256sum "install coreutils"
need flock "install util-linux"

go_version="$(go env GOVERSION)"
go_minor="$(echo "$go_version" | sed -E 's/^go1\.([0-9]+).*/\1/')"
[[ "$go_minor" =~ ^[0-9]+$ && "$go_minor" -ge 26 ]] || die "Go >= 1.26 needed, found $go_version"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 needed, found $(node --version)"

# Several worktrees share the cache: one build at a time.
exec 9>"$cache/.lock"
flock 9

hash_files() { (cd "$1" && sha256sum "${@:2}" | sha256sum | cut -c1-16); }

# Replaces the symlink atomically so a test starting meanwhile sees the old or the new build.
point() {
  ln -sfn "$2" "$cache/.$1.tmp"
  mv -T "$cache/.$1.tmp" "$cache/$1"
}

# --- go peer ----------------------------------------------------------------------------------
go_src="$here/go-peer"
go_hash="$( (hash_files "$go_src" go.mod go.sum $(cd "$go_src" && ls *.go); echo "$go_version") | sha256sum | cut -c1-16)"
go_out="$cache/go/$go_hash"
if [ -x "$go_out/go-peer" ]; then
  touch "$go_out"
  echo "go-peer: up to date ($go_out)"
else
  echo "go-peer: building into $go_out"
  start=$(date +%s)
  mkdir -p "$go_out"
  (cd "$go_src" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build -trimpath -o "$go_out/go-peer.tmp" .) \
    || die "go build failed in $go_src (are the modules reachable through GOPROXY=$(go env GOPROXY)?)"
  mv "$go_out/go-peer.tmp" "$go_out/go-peer"
  echo "go-peer: built in $(( $(date +%s) - start ))s"
fi
point go-peer "$go_out/go-peer"

# --- js peer ----------------------------------------------------------------------------------
js_src="$here/js-peer"
deps_hash="$( (hash_files "$js_src" package-lock.json; echo "node$node_major") | sha256sum | cut -c1-16)"
deps_dir="$cache/js/deps-$deps_hash"
if [ -f "$deps_dir/.installed" ]; then
  touch "$deps_dir"
  echo "js-peer deps: up to date ($deps_dir)"
else
  echo "js-peer deps: npm ci into $deps_dir"
  start=$(date +%s)
  rm -rf "$deps_dir"
  mkdir -p "$deps_dir"
  cp "$js_src/package.json" "$js_src/package-lock.json" "$deps_dir/"
  (cd "$deps_dir" && npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci failed in $deps_dir (is the npm registry $(npm config get registry 2>/dev/null) reachable?)"
  touch "$deps_dir/.installed"
  echo "js-peer deps: installed in $(( $(date +%s) - start ))s"
fi
js_files=(package.json package-lock.json $(cd "$js_src" && ls *.js))
js_hash="$( (hash_files "$js_src" "${js_files[@]}"; echo "$deps_hash") | sha256sum | cut -c1-16)"
js_out="$cache/js/$js_hash"
if [ -f "$js_out/peer.js" ]; then
  touch "$js_out"
  echo "js-peer: up to date ($js_out)"
else
  rm -rf "$js_out.tmp"
  mkdir -p "$js_out.tmp"
  (cd "$js_src" && cp "${js_files[@]}" "$js_out.tmp/")
  ln -sfn "$deps_dir/node_modules" "$js_out.tmp/node_modules"
  rm -rf "$js_out"
  mv "$js_out.tmp" "$js_out"
  echo "js-peer: staged in $js_out"
fi
# A quick import check: catches a broken install before a test does.
(cd "$js_out" && node --input-type=module -e "import './polyfill.js'; await import('libp2p'); await import('@chainsafe/libp2p-gossipsub')") \
  || die "js-peer dependencies in $deps_dir do not load; delete that directory and rerun"
point js-peer "$js_out"

# --- rust peer --------------------------------------------------------------------------------
# rust/<hash>/rust-peer keyed by Cargo.toml, Cargo.lock, the Rust sources and the rustc version.
# Crates download into CARGO_HOME=${TOPICMESH_CARGO_HOME:-<cache>/../cargo}; one target dir (rust-target/) is
# shared by all builds so a source change recompiles only the peer.
rust_src="$here/rust-peer"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  PATH="$HOME/.cargo/bin:$PATH"   # rustup's default place, when the shell did not add it
fi
need cargo "install Rust >= 1.88 with cargo (rustup.rs); libp2p 0.57 needs it"
need rustc "install Rust >= 1.88 (rustup.rs)"
rust_version="$(rustc -V)"
rust_minor="$(echo "$rust_version" | sed -E 's/^rustc 1\.([0-9]+).*/\1/')"
[[ "$rust_minor" =~ ^[0-9]+$ && "$rust_minor" -ge 88 ]] || die "Rust >= 1.88 needed, found $rust_version"
rust_hash="$( (hash_files "$rust_src" Cargo.toml Cargo.lock $(cd "$rust_src" && ls src/*.rs); echo "$rust_version") | sha256sum | cut -c1-16)"
rust_out="$cache/rust/$rust_hash"
if [ -x "$rust_out/rust-peer" ]; then
  touch "$rust_out"
  echo "rust-peer: up to date ($rust_out)"
else
  echo "rust-peer: building into $rust_out (a cold build downloads and compiles ~190 crates: minutes)"
  start=$(date +%s)
  export CARGO_HOME="${TOPICMESH_CARGO_HOME:-$(dirname "$cache")/cargo}"
  (cd "$rust_src" && cargo build --release --locked --quiet --target-dir "$cache/rust-target") \
    || die "cargo build failed in $rust_src (is crates.io reachable through cargo's registry config in $CARGO_HOME?)"
  mkdir -p "$rust_out"
  cp "$cache/rust-target/release/rust-peer" "$rust_out/rust-peer.tmp"
  mv "$rust_out/rust-peer.tmp" "$rust_out/rust-peer"
  echo "rust-peer: built in $(( $(date +%s) - start ))s"
fi
point rust-peer "$rust_out/rust-peer"
ls -1dt "$cache"/rust/*/ 2>/dev/null | tail -n +5 | while read -r old; do rm -rf "$old"; done
echo "rust peer ready: $cache/rust-peer"

# Keep the few most recently used builds (other worktrees may be on other versions), drop the rest.
prune() { # <keep> <glob…>
  local keep="$1"; shift
  [ "$#" -gt 0 ] || return 0
  ls -1dt "$@" 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do rm -rf "$old"; done
}
prune 4 "$cache"/go/*/
prune 3 "$cache"/js/deps-*/
prune 8 $(ls -1d "$cache"/js/*/ | grep -v '/deps-')

echo "interop peers ready: $cache/go-peer, $cache/js-peer/peer.js"
