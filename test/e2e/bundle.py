#!/usr/bin/env python3
"""Writes an OCI bundle (config.json) that crun and runc both run: ROOTFS as the root,
PROFILE (an OCI or Docker seccomp JSON file, or "none") as linux.seccomp, host files
bind-mounted (--bind SRC:DST, read-only unless SRC:DST:rw), and the given command.

  bundle.py DIR ROOTFS PROFILE [--bind SRC:DST[:rw]]... [--cap CAP]... [--net host] [--nnp true|false] [--user UID:GID] -- CMD...
"""
import json
import os
import sys


def seccomp_section(path):
    with open(path) as f:
        prof = json.load(f)
    # Docker's dialect: the runtimes' own config wants the flat OCI structure.
    if "archMap" in prof and "architectures" not in prof:
        prof["architectures"] = sorted({a for m in prof["archMap"]
                                        for a in [m["architecture"]] + m.get("subArchitectures", [])})
    keep = ("defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath",
            "listenerMetadata", "syscalls")
    out = {k: prof[k] for k in keep if k in prof}
    for rule in out.get("syscalls", []):
        for k in ("comment", "includes", "excludes"):
            rule.pop(k, None)
    return out


def main(argv):
    if "--" not in argv or len(argv) < 4:
        sys.exit(__doc__)
    cut = argv.index("--")
    opts, cmd = argv[1:cut], argv[cut + 1:]
    bundle, rootfs, profile = opts[0], opts[1], opts[2]
    binds, caps, net_host = [], ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"], False
    # As podman runs containers by default: no_new_privs off (runc then loads the filter
    # earlier, before it drops capabilities).
    nnp = False
    user = {"uid": 0, "gid": 0}
    i = 3
    while i < len(opts):
        if opts[i] == "--bind":
            src, dst, *mode = opts[i + 1].split(":")
            binds.append({"destination": dst, "type": "bind", "source": os.path.abspath(src),
                          "options": ["rbind", "rw" if mode == ["rw"] else "ro"]})
        elif opts[i] == "--cap":
            caps.append(opts[i + 1])
        elif opts[i] == "--user":
            uid, gid = (int(x) for x in opts[i + 1].split(":"))
            user = {"uid": uid, "gid": gid, "additionalGids": [gid]}
        elif opts[i] == "--nnp":
            nnp = opts[i + 1] == "true"
        elif opts[i] == "--net":
            net_host = opts[i + 1] == "host"
        else:
            sys.exit(f"bundle.py: unknown option {opts[i]}")
        i += 2
    caps = sorted(set(caps))
    namespaces = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
    if not net_host:
        namespaces.append({"type": "network"})
    config = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": user,
            "args": cmd,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "cwd": "/",
            "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": nnp,
        },
        "root": {"path": os.path.abspath(rootfs), "readonly": False},
        "hostname": "syscribe-e2e",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
        ] + binds,
        "linux": {"namespaces": namespaces},
    }
    if profile != "none":
        config["linux"]["seccomp"] = seccomp_section(profile)
    os.makedirs(bundle, exist_ok=True)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main(sys.argv)
