#!/usr/bin/env bash
# The test command: installs system packages if missing, then builds and runs every test.
# The build fails when a target imports a module of the package it does not declare, so the
# dependency arrows in Package.swift stay the truth.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift test --explicit-target-dependency-import-check error
