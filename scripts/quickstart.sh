#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job
# on the bundled example.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
./build/cli/syscribe --help
