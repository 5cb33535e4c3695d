#!/usr/bin/env bash
# Prepares this machine for the end-to-end tests in real container runtimes: podman,
# crun and runc with the configuration this kind of VM needs (see DESIGN.md, "Real
# clients to test against"), and root filesystems cached outside the repo.
#
#   scripts/e2e-setup.sh            # packages, containers.conf, hugetlb cgroup, busybox rootfs
#   scripts/e2e-setup.sh --servers  # also nginx-light and redis-server and their rootfs
#   scripts/e2e-setup.sh --webhook WEBHOOK PROBE
#                                   # also a rootfs holding this build of the example webhook
#                                   # (/usr/bin/webhook), its libraries and the probe (/probe)
#
# Idempotent: a second run changes nothing. Prints the cache dir on its last line; with
# --webhook, the webhook's root filesystem instead (named after the two binaries' contents,
# so tests of two builds never share one).
# Exit status 77 (meson's "skip") when the machine cannot host the runtimes (not root).
set -euo pipefail

cache="${SYSCRIBE_E2E_CACHE:-/var/cache/syscribe}"
servers=0
webhook=
probe=
while [ "$#" -gt 0 ]; do
  case "$1" in
    --servers) servers=1; shift ;;
    --webhook)
      [ "$#" -ge 3 ] && [ -x "$2" ] && [ -x "$3" ] ||
        { echo "e2e-setup: --webhook needs the webhook and probe executables" >&2; exit 2; }
      webhook="$(realpath "$2")"
      probe="$(realpath "$3")"
      shift 3 ;;
    *) echo "e2e-setup: unknown argument '$1' (usage: e2e-setup.sh [--servers] [--webhook WEBHOOK PROBE])" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "e2e-setup: skipped: the container runtime tests need root (rootful podman, crun, runc)" >&2
  exit 77
fi

# The e2e tests run in parallel and each calls this script: one at a time.
mkdir -p "$cache"
exec 9>"$cache/.setup.lock"
flock 9

pkgs=(podman crun runc busybox-static)
[ "$servers" = 1 ] && pkgs+=(nginx-light redis-server)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "e2e-setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another apt run (a parallel setup) holds the lock for a while: wait for it.
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# podman: this VM has no CAP_SYS_RESOURCE and a hard nofile limit of 20000, no systemd
# (so no systemd cgroup manager and no journald).
conf=/etc/containers/containers.conf
want_conf='# Written by syscribe scripts/e2e-setup.sh for the end-to-end tests.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want_conf" ]; then
  mkdir -p /etc/containers
  [ -f "$conf" ] && ! grep -q "syscribe scripts/e2e-setup.sh" "$conf" && cp "$conf" "$conf.syscribe-saved"
  printf '%s\n' "$want_conf" > "$conf.tmp" && mv "$conf.tmp" "$conf"
fi

# crun refuses a hybrid cgroup layout while cgroup v2 still owns hugetlb: give hugetlb
# its own v1 hierarchy (runc does not mind either way).
if [ -d /sys/fs/cgroup/cpu ] && ! grep -q " /sys/fs/cgroup/hugetlb " /proc/mounts; then
  mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null || mount -o remount,rw /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/hugetlb
  mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb ||
    echo "e2e-setup: warning: could not mount the hugetlb cgroup; crun may refuse to run" >&2
fi

# A busybox root filesystem: the static binary and a few applet links.
bb="$cache/rootfs/busybox"
if [ ! -x "$bb/bin/busybox" ]; then
  rm -rf "$bb.tmp"
  mkdir -p "$bb.tmp"/{bin,dev,proc,sys,tmp,etc,run,var/run}
  cp /bin/busybox "$bb.tmp/bin/busybox"
  for applet in sh ls cat echo sleep true false id ps kill wget nc; do
    ln -s busybox "$bb.tmp/bin/$applet"
  done
  echo "root:x:0:0:root:/:/bin/sh" > "$bb.tmp/etc/passwd"
  echo "root:x:0:" > "$bb.tmp/etc/group"
  rm -rf "$bb" && mkdir -p "$(dirname "$bb")" && mv "$bb.tmp" "$bb"
fi

# Servers: a root filesystem made of the host's installed package files plus the
# shared libraries their binaries load (no network needed, a few MB, seconds).
if [ "$servers" = 1 ]; then
  for srv in nginx-light:/usr/sbin/nginx redis-server:/usr/bin/redis-server; do
    pkg="${srv%%:*}"
    bin="${srv#*:}"
    root="$cache/rootfs/$pkg"
    [ -x "$root$bin" ] && continue
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"/{dev,proc,sys,tmp,run,var/log,var/lib,etc,usr/bin,usr/sbin,usr/lib,usr/lib64}
    # Debian's merged /usr: the top-level directories are links.
    for d in bin sbin lib lib64; do ln -s "usr/$d" "$root.tmp/$d"; done
    # Every file of the package (and of its -common/-tools companions), as installed.
    for p in $(dpkg-query -W -f='${Package}\n' "${pkg%%-*}*" 2>/dev/null); do
      dpkg-query -W -f='${Status}' "$p" | grep -q "install ok installed" || continue
      dpkg -L "$p" | while read -r f; do
        [ -L "$f" ] && [ -d "$f" ] && continue
        [ -d "$f" ] && { mkdir -p "$root.tmp$f"; continue; }
        [ -f "$f" ] || [ -L "$f" ] || continue
        mkdir -p "$root.tmp$(dirname "$f")"
        cp -a "$f" "$root.tmp$f"
      done
    done
    # What the packages' maintainer scripts would create.
    mkdir -p "$root.tmp"/var/log/{nginx,redis} "$root.tmp"/var/lib/{nginx,redis} "$root.tmp/run/redis"
    # The libraries the binaries load, and the loader itself.
    for f in $(find "$root.tmp/usr/bin" "$root.tmp/usr/sbin" -type f 2>/dev/null); do
      ldd "${f#"$root.tmp"}" 2>/dev/null | grep -o '/[^ ]*' || true
    done | sort -u | while read -r lib; do
      mkdir -p "$root.tmp$(dirname "$lib")"
      cp -L "$lib" "$root.tmp$lib"
    done
    cp /bin/busybox "$root.tmp/usr/bin/busybox"
    ln -sf busybox "$root.tmp/usr/bin/sh"
    printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\nredis:x:100:101::/var/lib/redis:/bin/sh\n' > "$root.tmp/etc/passwd"
    printf 'root:x:0:\nwww-data:x:33:\nredis:x:101:\n' > "$root.tmp/etc/group"
    printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root.tmp/etc/nsswitch.conf"
    printf '127.0.0.1 localhost\n' > "$root.tmp/etc/hosts"
    rm -rf "$root" && mv "$root.tmp" "$root"
  done
fi

# The example webhook: this build's binary, the libraries it loads (ldd) and the loader,
# and the static probe. A rebuild gets a new directory; copies of other builds unused for a
# day are removed.
if [ -n "$webhook" ]; then
  key="$(cat "$webhook" "$probe" | sha256sum | cut -c1-16)"
  root="$cache/rootfs/webhook-$key"
  if [ ! -x "$root/usr/bin/webhook" ]; then
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"/{dev,proc,sys,tmp,run,etc,usr/bin,usr/sbin,usr/lib,usr/lib64}
    for d in bin sbin lib lib64; do ln -s "usr/$d" "$root.tmp/$d"; done
    # A static build has no libraries: ldd and grep find nothing.
    { ldd "$webhook" 2>/dev/null || true; } | { grep -o '/[^ ]*' || true; } | sort -u | while read -r lib; do
      mkdir -p "$root.tmp$(dirname "$lib")"
      cp -L "$lib" "$root.tmp$lib"
    done
    cp "$probe" "$root.tmp/probe"
    cp "$webhook" "$root.tmp/usr/bin/webhook"
    echo "root:x:0:0:root:/:/usr/sbin/nologin" > "$root.tmp/etc/passwd"
    echo "root:x:0:" > "$root.tmp/etc/group"
    rm -rf "$root" && mv "$root.tmp" "$root"
  fi
  touch "$root"
  find "$cache/rootfs" -mindepth 1 -maxdepth 1 -name 'webhook-*' ! -name "webhook-$key" -mmin +1440 \
    -exec rm -rf {} +
  echo "$root"
  exit 0
fi

echo "$cache"
