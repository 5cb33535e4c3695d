#!/usr/bin/env bash
# Traffic for the redis example: strings, counters, a hash, a list, expiry, 500 keys
# through one pipelined connection, then a BGSAVE, waiting until the forked child has
# written the snapshot. Exits 1 on the first wrong answer, so a recording driven by it
# fails loudly instead of missing a code path.
#
# Usage: traffic.sh PORT [HOST]        e.g. traffic.sh 6390
set -euo pipefail

port=${1:?usage: traffic.sh PORT [HOST]}
host=${2:-127.0.0.1}
cli() { timeout 10 redis-cli -h "$host" -p "$port" "$@"; }

# expect WANT DESCRIPTION COMMAND...: one redis-cli call, its reply compared with WANT.
expect() {
  local want=$1 what=$2; shift 2
  local got
  got=$(cli "$@") || got="redis-cli-exit-$?"
  if [ "$got" != "$want" ]; then
    echo "traffic: $what: expected '$want', got '$got'" >&2
    exit 1
  fi
  echo "traffic: $what: $got"
}

expect PONG "ping" PING
expect OK "set" SET greeting "recorded by syscribe"
expect "recorded by syscribe" "get" GET greeting
expect 1 "incr" INCR visits
expect 5 "incrby" INCRBY visits 4
expect 2 "hset" HSET user:1 name ada lang c
expect ada "hget" HGET user:1 name
expect 3 "rpush" RPUSH queue a b c
expect a "lpop" LPOP queue
expect OK "set with expiry" SET session token EX 300
ttl=$(cli TTL session)
if [ "$ttl" -le 0 ] || [ "$ttl" -gt 300 ]; then
  echo "traffic: ttl: expected 1..300, got '$ttl'" >&2
  exit 1
fi
echo "traffic: ttl: $ttl"
expect "" "get of a missing key" GET missing

# 500 keys through one connection (redis-cli --pipe speaks the raw protocol).
reply=$(for i in $(seq 500); do printf 'SET key:%d value-%d\r\n' "$i" "$i"; done | cli --pipe 2>&1)
if ! grep -q 'errors: 0, replies: 500' <<<"$reply"; then
  echo "traffic: pipelined SETs: $reply" >&2
  exit 1
fi
echo "traffic: pipelined SETs: 500 replies"
expect 505 "dbsize" DBSIZE

# A background save: redis forks, the child writes the snapshot, the parent keeps serving.
saves() { cli INFO persistence | tr -d '\r' | sed -n 's/^rdb_saves://p'; }
before=$(saves)
expect "Background saving started" "bgsave" BGSAVE
for _ in $(seq 200); do
  info=$(cli INFO persistence | tr -d '\r')
  if grep -q '^rdb_bgsave_in_progress:0' <<<"$info" && [ "$(saves)" -gt "$before" ]; then
    break
  fi
  sleep 0.05
done
if ! grep -q '^rdb_bgsave_in_progress:0' <<<"$info" || [ "$(saves)" -le "$before" ]; then
  echo "traffic: bgsave did not finish within 10 s" >&2
  exit 1
fi
if ! grep -q '^rdb_last_bgsave_status:ok' <<<"$info"; then
  echo "traffic: bgsave failed: $(grep '^rdb_last_bgsave_status' <<<"$info")" >&2
  exit 1
fi
echo "traffic: bgsave finished: ok"
expect "recorded by syscribe" "get after the save" GET greeting
