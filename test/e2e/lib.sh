# shellcheck shell=bash
# What the end-to-end container tests share; sourced after setting `label` (the name in
# their messages) and, before wait_port is used, `port`. Sets fail=0: the checks that do
# not stop the test set fail=1 and say why.
fail=0
skip() { echo "SKIP $label: $*" >&2; exit 77; }
die() { echo "FAIL $label: $*" >&2; exit 1; }

# free_port: a TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port SECONDS: until $port accepts a connection.
wait_port() {
  for _ in $(seq $(($1 * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# expect_lines OUTPUT WHAT LINE...: each LINE is a whole line of OUTPUT (the probe's answers).
expect_lines() {
  local out=$1 what=$2 want
  shift 2
  for want in "$@"; do
    grep -qx "$want" <<<"$out" ||
      { echo "FAIL $label: $what expected '$want', got:" >&2; sed 's/^/  /' <<<"$out" >&2; fail=1; }
  done
}
