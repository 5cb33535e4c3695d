#!/usr/bin/env bash
# syscribe-runtime in front of a fake "real runtime" that keeps the argv and config.json it
# receives: a container without syscribe.dev/record reaches it byte for byte (config.json
# and every argument, global flags included), every other command and its exit status pass
# through, and an annotated one arrives rewritten with its evidence directory prepared.
# Needs no container engine.
#
#   passthrough_test.sh SYSCRIBE_RUNTIME
set -uo pipefail
wrapper="$(realpath "$1")"
label=runtime-passthrough
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../e2e/lib.sh
. "$here/../e2e/lib.sh"

work="$(mktemp -d /tmp/syscribe-passthrough.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle" "$work/got"
# The fake runtime: argv one per line, and a copy of the bundle's config.json at create.
cat > "$work/fake-runtime" <<FAKE
#!/bin/sh
printf '%s\n' "\$@" > "$work/got/argv"
prev=
for a in "\$@"; do
  case "\$prev" in --bundle|-b) cp "\$a/config.json" "$work/got/config.json" ;; esac
  prev=\$a
done
case "\$1" in kill) exit 7 ;; esac
exit 0
FAKE
chmod +x "$work/fake-runtime"
printf 'runtime = %s\nsyscribe = %s\nevidence-dir = %s\n' "$work/fake-runtime" "$work/fake-runtime" "$work/evidence" > "$work/runtime.conf"
export SYSCRIBE_RUNTIME_CONFIG="$work/runtime.conf"

# An unannotated config with the shapes a reformatter would change: key order, spacing,
# escapes, a long number, unicode, no trailing newline.
printf '%s' '{"ociVersion":"1.0.2", "process":{"args":["/bin/sh","-c","echo \u00e9 \"x\""],"cwd":"/", "user":{"uid":0,"gid":0}},
  "root":{"path":"rootfs"},"annotations":{"other.example/record":"true"},
  "linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}}}' > "$work/bundle/config.json"
cp "$work/bundle/config.json" "$work/original.json"

args=(--root /run/x --log "$work/log.json" --log-format json --systemd-cgroup create --bundle "$work/bundle" --pid-file "$work/pid" --console-socket "$work/sock" ctr1)
"$wrapper" "${args[@]}" || die "create through the wrapper exited $?"
cmp "$work/original.json" "$work/got/config.json" || die "the real runtime got a different config.json"
cmp "$work/original.json" "$work/bundle/config.json" || die "the bundle's config.json was changed"
[ "$(cat "$work/got/argv")" = "$(printf '%s\n' "${args[@]}")" ] || die "the real runtime got other arguments: $(cat "$work/got/argv")"
[ ! -e "$work/evidence" ] || die "an evidence directory was made for an unannotated container"

for cmd in "start ctr1" "state ctr1" "delete --force ctr1" "exec --process /p.json ctr1" "features" "--version" "run --bundle $work/bundle ctr2"; do
  # shellcheck disable=SC2086
  "$wrapper" $cmd || die "'$cmd' through the wrapper exited $?"
  [ "$(cat "$work/got/argv")" = "$(printf '%s\n' $cmd)" ] || die "'$cmd' reached the real runtime as: $(cat "$work/got/argv")"
done
cmp "$work/original.json" "$work/got/config.json" || die "run: the real runtime got a different config.json"
"$wrapper" kill ctr1 HUP
rc=$?
[ "$rc" = 7 ] || die "the real runtime's exit status 7 came back as $rc"

# Annotated: rewritten, the evidence directory made and owned by the container's user.
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["annotations"]["syscribe.dev/record"] = "true"
c["process"]["user"] = {"uid": 4242, "gid": 4343}
json.dump(c, open(sys.argv[1], "w"))
PY
chmod 600 "$work/bundle/config.json"
"$wrapper" create --bundle "$work/bundle" 0123456789abcdef 2> "$work/stderr" || die "annotated create exited $?: $(cat "$work/stderr")"
python3 - "$work/got/config.json" <<'PY' || die "the annotated config was not rewritten as expected"
import json, sys
c = json.load(open(sys.argv[1]))
a = c["process"]["args"]
assert a[:2] == ["/dev/.syscribe/syscribe", "record"], a
assert a[a.index("--") + 1:] == ["/bin/sh", "-c", 'echo \u00e9 "x"'], a
assert "seccomp" not in c["linux"], c["linux"]
PY
[ "$(stat -c '%u:%g %a' "$work/evidence/0123456789ab")" = "4242:4343 700" ] ||
  die "evidence directory: $(stat -c '%u:%g %a' "$work/evidence/0123456789ab" 2>&1)"
[ "$(stat -c '%a' "$work/bundle/config.json")" = 600 ] || die "config.json lost its mode 600"
grep -q "seccomp filter (default SCMP_ACT_ERRNO, 1 rules) is removed" "$work/stderr" || die "no seccomp note on stderr: $(cat "$work/stderr")"
grep -q "seccomp filter" "$work/evidence/syscribe-runtime.log" || die "no seccomp note in the log"

# A bad annotation fails the create, naming the file, and the real runtime is not run.
rm -f "$work/got/argv"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["annotations"]={"syscribe.dev/record":"true","syscribe.dev/ready":"port 80"}; json.dump(c,open(sys.argv[1],"w"))' "$work/bundle/config.json"
out="$("$wrapper" create --bundle "$work/bundle" bad 2>&1)" && die "a bad annotation was accepted"
grep -q "^syscribe-runtime: $work/bundle/config.json: annotation syscribe.dev/ready=\"port 80\"" <<<"$out" || die "message: $out"
[ ! -e "$work/got/argv" ] || die "the real runtime ran despite the bad annotation"
echo "unannotated container: config.json and argv byte-identical; commands and exit status pass through"
