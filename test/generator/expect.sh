# Shared by the generator's shell tests (sourced; they run in test/generator and set
# fail=0 first). Each helper sets fail=1 and says why when its check does not hold.

# expect RC PATTERN CMD...: runs CMD, checks its exit status and that stderr+stdout match PATTERN.
expect() {
  local rc=$1 pat=$2
  shift 2
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" != "$rc" ] || ! grep -qE -- "$pat" <<<"$out"; then
    echo "FAIL: $* -> $got (want $rc, /$pat/):"
    echo "$out" | head -5
    fail=1
  fi
}

# lacks PATTERN CMD...: the output of CMD (any exit status) does not match PATTERN.
lacks() {
  local pat=$1
  shift
  out=$("$@" 2>&1)
  if grep -qE -- "$pat" <<<"$out"; then
    echo "FAIL: $* printed /$pat/:"
    grep -E -- "$pat" <<<"$out" | head -3
    fail=1
  fi
}

# lacks_rc RC PATTERN CMD...: CMD exits with RC and its output does not match PATTERN.
lacks_rc() {
  local rc=$1 pat=$2
  shift 2
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" != "$rc" ] || grep -qE -- "$pat" <<<"$out"; then
    echo "FAIL: $* -> $got (want $rc, not /$pat/):"
    echo "$out" | head -5
    fail=1
  fi
}

# nothing_written PATH: a failed command left no output behind.
nothing_written() {
  if [ -e "$1" ]; then echo "FAIL: $1 was written"; fail=1; fi
}
