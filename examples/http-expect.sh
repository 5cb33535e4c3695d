# shellcheck shell=bash
# `expect` for the examples' traffic scripts (sourced): one HTTP request that must answer
# with a given status, or the traffic fails loudly instead of missing a code path.

# expect STATUS DESCRIPTION CURL-ARGS...: runs curl, compares the HTTP status.
expect() {
  local want=$1 what=$2; shift 2
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@") || got="curl-exit-$?"
  if [ "$got" != "$want" ]; then
    echo "traffic: $what: expected HTTP $want, got $got" >&2
    exit 1
  fi
  echo "traffic: $what: $got"
}
