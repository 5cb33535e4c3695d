#!/bin/bash
# `syscribe lint` and `syscribe explain` on what operators hand them: syscribe's own profiles
# in every format (a high-risk syscall's reason as a Docker comment, an SPO annotation or a
# review decision), every libseccomp arch name, and directories given as files.
# Usage: lint_cli_test.sh SYSCRIBE (run in test/generator).
set -u
S=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
# shellcheck source=expect.sh
. "$(dirname "$0")/expect.sh"

# Evidence in which the application called unshare(CLONE_NEWUTS), and the decision allowing it.
python3 - data/webapp.evidence.json "$T/ev.json" <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))
calls = ev["processes"][-1]["phases"]["startup"]["x86_64"]
calls["unshare"] = {"count": 1, "first": 0.0, "last": 0.0, "args": {"flags": {"0x4000000": 1}}}
json.dump(ev, open(sys.argv[2], "w"))
PY
cat > "$T/review.yaml" <<'YAML'
decisions:
  - syscall: unshare
    decision: allow
    reason: "the app isolates its hostname in a UTS namespace"
YAML

# syscribe's own output, generated with the decision, lints clean in every format.
for f in oci docker spo; do
  "$S" generate -q "$T/ev.json" --review "$T/review.yaml" --format $f -o "$T/p.$f" || { echo "FAIL: generate $f"; fail=1; }
  expect 0 "p.$f: ok" $S lint --review "$T/review.yaml" "$T/p.$f"
  lacks 'unshare' $S lint --review "$T/review.yaml" "$T/p.$f"
done
# Without the decisions: Docker and SPO carry the reason themselves (comment, annotation);
# OCI has no field for it, so the missing reason is a warning, not a failure.
expect 0 'p.docker: ok$' $S lint "$T/p.docker"
expect 0 'p.spo: ok$' $S lint "$T/p.spo"
grep -q '^    syscribe.dev/reason.unshare: ".*"$' "$T/p.spo" || { echo "FAIL: SPO output lacks the unshare reason annotation"; fail=1; }
expect 0 'p.oci: \$\.syscalls\[[0-9]+\]\.names\[0\]: warning: high-risk unshare allowed; an OCI profile has no field for the reason' $S lint "$T/p.oci"
expect 0 'p.oci: ok \(1 warning\)$' $S lint "$T/p.oci"

# A Docker rule without a comment, or an SPO profile without the annotation, still fails.
cat > "$T/nocomment.docker.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": []}],
 "syscalls": [{"names": ["unshare"], "action": "SCMP_ACT_ALLOW"},
              {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}
JSON
expect 1 'high-risk unshare allowed without a comment saying why' $S lint "$T/nocomment.docker.json"
expect 0 'nocomment.docker.json: ok$' $S lint --review "$T/review.yaml" "$T/nocomment.docker.json"
cat > "$T/noreason.spo.yaml" <<'YAML'
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: app
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures:
  - SCMP_ARCH_X86_64
  syscalls:
  # a YAML comment is not data
  - action: SCMP_ACT_ALLOW
    names:
    - unshare
  - action: SCMP_ACT_ERRNO
    errnoRet: 38
    names:
    - clone3
YAML
expect 1 'high-risk unshare allowed without an annotation syscribe.dev/reason.unshare' $S lint "$T/noreason.spo.yaml"
sed 's/^  name: app$/  name: app\n  annotations:\n    syscribe.dev\/reason.unshare: "hostname isolation"/' "$T/noreason.spo.yaml" > "$T/reason.spo.yaml"
expect 0 'reason.spo.yaml: ok$' $S lint "$T/reason.spo.yaml"

# Every libseccomp / runtime-spec arch name is valid (podman's stock profile lists them all);
# a made-up one is not.
cat > "$T/arches.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ERRNO",
 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
             {"architecture": "SCMP_ARCH_MIPS64", "subArchitectures": ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"]},
             {"architecture": "SCMP_ARCH_MIPSEL64", "subArchitectures": ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"]},
             {"architecture": "SCMP_ARCH_PPC64LE", "subArchitectures": ["SCMP_ARCH_PPC64", "SCMP_ARCH_PPC"]},
             {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
             {"architecture": "SCMP_ARCH_PARISC64", "subArchitectures": ["SCMP_ARCH_PARISC"]},
             {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": []},
             {"architecture": "SCMP_ARCH_LOONGARCH64", "subArchitectures": []},
             {"architecture": "SCMP_ARCH_M68K", "subArchitectures": ["SCMP_ARCH_SH", "SCMP_ARCH_SHEB"]},
             {"architecture": "SCMP_ARCH_SPARC", "subArchitectures": []}],
 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "comment": "x"}]}
JSON
lacks 'unknown architecture "SCMP_ARCH_(MIPS|PPC|S390|PARISC|RISCV|LOONG|M68K|SH)' $S lint "$T/arches.json"
expect 1 '\$\.archMap\[9\]\.architecture: unknown architecture "SCMP_ARCH_SPARC"' $S lint "$T/arches.json"
# Our names and aliases are not libseccomp's: runc refuses them, so lint does too.
echo '{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["amd64"], "syscalls": []}' >"$T/alias.json"
expect 1 '\$\.architectures\[0\]: unknown architecture "amd64"' $S lint "$T/alias.json"
echo '{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "x86_64", "subArchitectures": []}], "syscalls": []}' >"$T/alias-map.json"
expect 1 '\$\.archMap\[0\]\.architecture: unknown architecture "x86_64"' $S lint "$T/alias-map.json"
if [ -r /usr/share/containers/seccomp.json ]; then
  # Exit 1 for its real findings (compat arches, high-risk syscalls without a comment).
  lacks_rc 1 'unknown architecture' $S lint /usr/share/containers/seccomp.json
fi

# A directory given as a file: one line naming it, exit 1, nothing written.
expect 1 "^syscribe lint: $T: is a directory$" $S lint "$T"
expect 1 "^syscribe explain: $T: is a directory$" $S explain --evidence "$T/audit.ev.json" "$T"
if [ -e "$T/audit.ev.json" ]; then echo "FAIL: explain of a directory wrote evidence"; fail=1; fi

[ $fail = 0 ] && echo "lint and explain CLI tests passed"
exit $fail
