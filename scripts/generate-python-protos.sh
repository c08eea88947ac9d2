#!/usr/bin/env bash
# Regenerates python/skewless/_proto/*_pb2.py and their .pyi stubs from Protos/.
# Needs protoc (Debian: protobuf-compiler, which scripts/setup.sh installs; 3.21.12 on
# Debian 12). Its output runs on the protobuf runtime python/pyproject.toml pins (>= 4.21.12:
# the runtime must be at least as new as the protoc that generated the code). Run it by hand
# when a .proto changes; the generated code is committed, so installing the package needs
# no protoc.
#
#   scripts/generate-python-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=python/skewless/_proto
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
protoc -I Protos --python_out="$work" --pyi_out="$work" Protos/skewless/v1/*.proto
# protoc writes skewless/v1/NAME_pb2.py, which would import each other as `skewless.v1`;
# they live in the package as skewless._proto instead (the descriptors keep their
# skewless/v1/... names, so they are the same messages as anyone else's).
for file in "$work"/skewless/v1/*_pb2.py "$work"/skewless/v1/*_pb2.pyi; do
    sed -e 's/^from skewless\.v1 import /from skewless._proto import /' "$file" > "$out/$(basename "$file")"
done
echo "generated with $(protoc --version): $(cd "$out" && ls ./*_pb2.py* | tr '\n' ' ')"
