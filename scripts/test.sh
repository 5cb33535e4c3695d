#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
scripts/e2e-setup.sh --servers >/dev/null || echo "test: container runtimes unavailable; the e2e runtime tests will skip" >&2
meson test -C build --print-errorlogs "$@"
