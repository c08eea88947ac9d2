#!/usr/bin/env bash
# The test command: installs system packages if missing, then builds and runs every test:
# the Swift suite, then the Python package's (scripts/test-python.sh: a virtualenv with the
# package, mypy, pytest against the fsnode and fsctl that swift test built).
# The Swift build fails when a target imports a module of the package it does not declare,
# so the dependency arrows in Package.swift stay the truth.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift test --explicit-target-dependency-import-check error
scripts/test-python.sh
