#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job:
# records the bundled webhook example through its lifecycle, generates its profile and
# review report, and prints where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec examples/webhook/record.sh "${1:-examples/webhook/out}"
