#!/usr/bin/env bash
# The test command: installs system packages if missing, then builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift test
