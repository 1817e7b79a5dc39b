#!/usr/bin/env python3
"""Writes a single-layer OCI image archive (the layout `ctr images import` and `docker load` read)
from a root filesystem directory, without a container engine or a registry.

The archive holds oci-layout, index.json, and blobs/sha256/<digest> for the gzip'd layer, the image
config and the manifest. Each --name becomes one index entry annotated with
io.containerd.image.name (the full, normalised reference containerd imports it as) and
org.opencontainers.image.ref.name (its tag).

The layer is reproducible: entries sorted, times fixed (--mtime), owners taken from --owner rules
(default root), gzip header without name or time. So the same inputs give the same digests.

usage: oci_archive.py --rootfs DIR --out FILE --name REF [--name REF...] [--entrypoint JSON]
                      [--cmd JSON] [--env K=V...] [--user U] [--workdir D] [--expose PORT/tcp...]
                      [--owner PATH=UID:GID...] [--label K=V...]
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def normalise(ref):
    """docker.io/library/x:tag style, as containerd and the kubelet see a short name."""
    name, tag = ref, "latest"
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = ref.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + name
    return name + ":" + tag, tag


def owner_for(rel, rules):
    best, match = (0, 0), -1
    for prefix, ids in rules:
        if (rel == prefix or rel.startswith(prefix + "/")) and len(prefix) > match:
            best, match = ids, len(prefix)
    return best


def layer_tar(rootfs, mtime, rules):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = []
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for n in dirnames + sorted(filenames):
                paths.append(os.path.join(dirpath, n))
        paths.sort(key=lambda p: os.path.relpath(p, rootfs))
        for full in paths:
            rel = os.path.relpath(full, rootfs)
            st = os.lstat(full)
            info = tarfile.TarInfo(rel)
            info.mtime = mtime
            info.mode = stat.S_IMODE(st.st_mode)
            info.uid, info.gid = owner_for(rel, rules)
            info.uname = info.gname = ""
            if stat.S_ISLNK(st.st_mode):
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(full)
                tar.addfile(info)
            elif stat.S_ISDIR(st.st_mode):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif stat.S_ISREG(st.st_mode):
                info.size = st.st_size
                with open(full, "rb") as f:
                    tar.addfile(info, f)
            else:
                sys.exit(f"oci_archive: {full}: only files, directories and symlinks are supported")
    return buf.getvalue()


def blob(store, data):
    digest = hashlib.sha256(data).hexdigest()
    store[digest] = data
    return "sha256:" + digest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", action="append", required=True)
    ap.add_argument("--entrypoint", default=None, help="JSON list")
    ap.add_argument("--cmd", default=None, help="JSON list")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--user", default="")
    ap.add_argument("--workdir", default="/")
    ap.add_argument("--expose", action="append", default=[])
    ap.add_argument("--label", action="append", default=[])
    ap.add_argument("--owner", action="append", default=[], help="PATH=UID:GID for PATH and below")
    ap.add_argument("--mtime", type=int, default=0)
    a = ap.parse_args()

    if not os.path.isdir(a.rootfs):
        sys.exit(f"oci_archive: --rootfs {a.rootfs} is not a directory")
    rules = []
    for o in a.owner:
        path, _, ids = o.partition("=")
        uid, _, gid = ids.partition(":")
        rules.append((path.strip("/"), (int(uid), int(gid or uid))))

    store = {}
    raw = layer_tar(a.rootfs, a.mtime, rules)
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", filename="", mtime=0, compresslevel=6) as g:
        g.write(raw)
    layer = gz.getvalue()
    layer_digest = blob(store, layer)
    diff_id = "sha256:" + hashlib.sha256(raw).hexdigest()

    cfg = {"Env": a.env, "WorkingDir": a.workdir}
    if a.entrypoint:
        cfg["Entrypoint"] = json.loads(a.entrypoint)
    if a.cmd:
        cfg["Cmd"] = json.loads(a.cmd)
    if a.user:
        cfg["User"] = a.user
    if a.expose:
        cfg["ExposedPorts"] = {p: {} for p in a.expose}
    if a.label:
        cfg["Labels"] = dict(l.split("=", 1) for l in a.label)
    config = {
        "created": "1970-01-01T00:00:00Z",
        "architecture": "amd64" if os.uname().machine == "x86_64" else "arm64",
        "os": "linux",
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "topicmesh e2e/images/oci_archive.py"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_digest = blob(store, config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {"mediaType": MEDIA_CONFIG, "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": MEDIA_LAYER, "digest": layer_digest, "size": len(layer)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifest_digest = blob(store, manifest_bytes)
    index = {"schemaVersion": 2, "manifests": []}
    for ref in a.name:
        full, tag = normalise(ref)
        index["manifests"].append({
            "mediaType": MEDIA_MANIFEST, "digest": manifest_digest, "size": len(manifest_bytes),
            "annotations": {"io.containerd.image.name": full, "org.opencontainers.image.ref.name": tag},
        })

    def add(tar, name, data, mode=0o644):
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), mode, a.mtime
        tar.addfile(info, io.BytesIO(data))

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add(tar, "index.json", json.dumps(index, sort_keys=True).encode())
        for digest in sorted(store):
            add(tar, "blobs/sha256/" + digest, store[digest])
    os.replace(tmp, a.out)
    print(f"{a.out}: {', '.join(normalise(r)[0] for r in a.name)} manifest {manifest_digest} "
          f"layer {len(layer) / 1048576:.1f} MiB")


if __name__ == "__main__":
    main()
