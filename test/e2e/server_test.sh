#!/usr/bin/env bash
# Issue 7's end-to-end proof for a real server from Debian: record it outside any container
# while traffic, a reload and a graceful stop happen; generate a profile for the crun
# runtime; run the same server in podman under that profile with the same traffic; assert
# the traffic, reload and graceful stop succeed and that what the server never did
# (unshare, mount, ptrace, socket(AF_NETLINK), clone with namespace flags) gets EPERM.
# The container gets CAP_SYS_ADMIN and CAP_SYS_PTRACE, and a control run without the
# profile shows the probes succeed, so every EPERM is the profile's.
#
#   server_test.sh SYSCRIBE PROBE nginx|redis [podman|crun|runc]
# podman (the default) runs the server with --rootfs; crun and runc run a raw OCI bundle
# (bundle.py) with the profile generated for that runtime as linux.seccomp.
# Exit 77 (skip) with a message when the runtime cannot run containers here.
set -uo pipefail
syscribe="$(realpath "$1")"
probe="$(realpath "$2")"
server="$3"
runtime="${4:-podman}"
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
label=$server
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (rootful podman, ptrace of a root server)"
cache="$("$src/scripts/e2e-setup.sh" --servers | tail -n 1)"
rc=$?
[ "$rc" = 0 ] || skip "scripts/e2e-setup.sh --servers exited $rc"
command -v podman >/dev/null || skip "podman is not installed"
command -v "$runtime" >/dev/null || skip "$runtime is not installed"

work="$(mktemp -d /tmp/syscribe-e2e-$server.XXXXXX)"
chmod 755 "$work"
name="syscribe-e2e-$server-$runtime-$$"
port="$(free_port)"
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1
  case "$runtime" in crun|runc) "$runtime" delete -f "$name" >/dev/null 2>&1 ;; esac
  [ -n "${rec_pid:-}" ] && kill "$rec_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The server's configuration, at the same absolute path outside and (bind-mounted) inside.
case "$server" in
  nginx)
    rootfs="$cache/rootfs/nginx-light"
    mkdir -p "$work/html"
    echo "hello from syscribe" > "$work/html/index.html"
    cat > "$work/server.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
user www-data;
pid $work/server.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    root $work/html;
  }
}
CONF
    chmod 755 "$work" "$work/html"
    server_cmd=(/usr/sbin/nginx -c "$work/server.conf")
    stop_signal=QUIT    # nginx: graceful shutdown
    traffic() {
      local body
      body="$(curl -sf "http://127.0.0.1:$port/index.html")" || return 1
      [ "$body" = "hello from syscribe" ] || return 1
      # A miss takes the error path.
      [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/missing")" = 404 ]
    }
    ;;
  redis)
    rootfs="$cache/rootfs/redis-server"
    server_cmd=(/usr/bin/redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no
                --dir "$work" --pidfile "$work/server.pid" --daemonize no)
    stop_signal=TERM    # redis: graceful shutdown on SIGTERM
    traffic() {
      local reply
      reply="$(printf 'SET k v\r\nGET k\r\nINCR n\r\nQUIT\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; cat >&3; cat <&3")" || return 1
      grep -q '^v' <<<"$reply" && grep -q '^:1' <<<"$reply"
    }
    ;;
  *) echo "usage: $0 SYSCRIBE PROBE nginx|redis" >&2; exit 2 ;;
esac


signal_recorded() {  # signal_recorded SIG: via the pid file, once written (nginx and redis write it after listen)
  for _ in $(seq 100); do
    [ -s "$work/server.pid" ] && { kill -"$1" "$(cat "$work/server.pid")"; return; }
    sleep 0.1
  done
  die "no pid file from $server: $(tail -n 5 "$work/record.log")"
}

# 1. Record outside any container: startup, traffic, reload (SIGHUP), traffic, graceful stop.
"$syscribe" record -q -o "$work/server.evidence.json" -- "${server_cmd[@]}" > "$work/record.log" 2>&1 &
rec_pid=$!
wait_port 20 || die "did not listen on $port under syscribe record: $(tail -n 5 "$work/record.log")"
traffic || die "traffic failed while recording"
[ "$server" = nginx ] && { signal_recorded HUP; sleep 1; traffic || die "traffic after reload failed while recording"; }
signal_recorded "$stop_signal"
wait "$rec_pid" || die "syscribe record exited $? (graceful stop): $(tail -n 5 "$work/record.log")"
rec_pid=
# The probe's own harmless baseline (its start, write, exit): it runs beside the server.
"$syscribe" record -q -o "$work/probe.evidence.json" -- "$probe" getpid > /dev/null || die "recording the probe failed"

# 2. Generate for the runtime that will load it (podman uses crun here).
target="$runtime"
[ "$runtime" = podman ] && target=crun
"$syscribe" generate -q "$work/server.evidence.json" "$work/probe.evidence.json" --runtime "$target" \
  -o "$work/profile.json" || die "syscribe generate failed"

# The container, whichever runtime runs it.
start_server() {
  case "$runtime" in
    podman)
      podman run -d --name "$name" --network host --cap-add SYS_ADMIN --cap-add SYS_PTRACE \
        --security-opt "seccomp=$work/profile.json" -v "$work:$work" -v "$probe:/probe:ro" \
        --rootfs "$rootfs" "${server_cmd[@]}" > /dev/null ;;
    *)
      # A private copy of the root (the runtime writes mount points into it).
      mkdir -p "$work/bundle"
      cp -a "$rootfs" "$work/bundle/rootfs"
      mkdir -p "$work/bundle/rootfs$work"
      "$here/bundle.py" "$work/bundle" "$work/bundle/rootfs" "$work/profile.json" --net host \
        --cap CAP_SYS_ADMIN --cap CAP_SYS_PTRACE --cap CAP_SETUID --cap CAP_SETGID --cap CAP_CHOWN \
        --bind "$probe:/probe" --bind "$work:$work:rw" -- "${server_cmd[@]}" || return 1
      "$runtime" run -b "$work/bundle" "$name" > "$work/container.log" 2>&1 &
      server_pid=$! ;;
  esac
}
server_logs() {
  case "$runtime" in
    podman) podman logs "$name" 2>&1 | tail -n 5 ;;
    *) tail -n 5 "$work/container.log" ;;
  esac
}
signal_server() {
  case "$runtime" in
    podman) podman kill --signal "$1" "$name" > /dev/null ;;
    *) "$runtime" kill "$name" "$1" ;;
  esac
}
exec_probe() {
  case "$runtime" in
    podman) timeout 60 podman exec "$name" /probe "$@" ;;
    *) timeout 60 "$runtime" exec "$name" /probe "$@" ;;
  esac
}
wait_server() {  # sets status; not in a subshell, which could not wait for server_pid
  case "$runtime" in
    podman) status="$(timeout 30 podman wait "$name")" ;;
    *)
      for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$server_pid" 2>/dev/null && return 1
      wait "$server_pid"
      status=$? ;;
  esac
}

# 3. The same server in the container under the profile, with the same traffic.
start_server || die "$runtime could not start the container: $(server_logs)"
wait_port 20 || die "did not listen in the container: $(server_logs)"
traffic || die "traffic failed in the container: $(server_logs)"
if [ "$server" = nginx ]; then
  signal_server HUP
  sleep 1
  traffic || die "traffic after reload failed in the container: $(server_logs)"
fi

# 4. What the server never did is refused, with EPERM.
out="$(exec_probe getpid unshare mount ptrace netlink clone-ns 2>&1)"
expect_lines "$out" "the probe" "getpid ok" "unshare EPERM" "mount EPERM" "ptrace EPERM" "netlink EPERM" "clone-ns EPERM"

# 5. Graceful stop under the profile: the server exits 0 by itself.
signal_server "$stop_signal"
wait_server || die "did not stop within 30 s of SIG$stop_signal"
[ "$status" = 0 ] || { echo "FAIL $server: exit status $status after SIG$stop_signal: $(server_logs)" >&2; fail=1; }

# Control: the same probes without the profile, same capabilities, succeed.
control="$(timeout 60 podman run --rm --network none --cap-add SYS_ADMIN --cap-add SYS_PTRACE --security-opt seccomp=unconfined \
  -v "$probe:/probe:ro" --rootfs "$rootfs" /probe unshare mount ptrace netlink clone-ns 2>&1)"
expect_lines "$control" "the control run without a profile" "unshare ok" "mount ok" "ptrace ok" "netlink ok" "clone-ns ok"

what="traffic and graceful stop"
[ "$server" = nginx ] && what="traffic, reload and graceful stop"
[ "$fail" = 0 ] && echo "$server in $runtime: $what work under the generated profile; probes through $runtime exec get EPERM"
exit "$fail"
