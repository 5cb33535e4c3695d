#!/bin/bash
# The bash completion completes commands, a command's options and fixed values, from the
# binary it completes. Usage: check_completion.sh SYSCRIBE COMPLETION_FILE
set -u
syscribe=$1
completion=$2
PATH="$(cd "$(dirname "$syscribe")" && pwd):$PATH"
# shellcheck disable=SC1090
source "$completion"
fails=0

complete_words() {  # complete_words WORD... : the completions for the last word
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  _syscribe
  echo "${COMPREPLY[*]}"
}

expect() {  # expect WANT WORD...
  local want=$1
  shift
  local got
  got=$(complete_words "$@")
  if [[ " $got " == *" $want "* ]]; then
    echo "ok   '$*' completes to $want"
  else
    echo "FAIL '$*' should complete to $want, got: $got"
    fails=$((fails + 1))
  fi
}

expect record syscribe rec
expect generate syscribe gen
expect record syscribe help rec
expect --format syscribe generate --for
expect --traffic-timeout syscribe record --traffic-t
expect docker syscribe generate --format do
expect runc syscribe generate --runtime ru
expect check syscribe review ch
expect --report syscribe review check --rep
[[ $fails == 0 ]]
