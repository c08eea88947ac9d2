#!/usr/bin/env bash
# Regenerates Sources/SkewlessWire/Generated/*.pb.swift from Protos/.
# Needs protoc (Debian: protobuf-compiler) and swift-protobuf's protoc-gen-swift at the
# version Package.swift names. Building the plugin takes minutes, so this is run by hand
# when a .proto changes, never in CI; the generated code is committed.
#
#   PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift scripts/generate-protos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
    scratch=.build-protoc-gen-swift
    if [ ! -x "$scratch/swift-protobuf/.build/release/protoc-gen-swift" ]; then
        mkdir -p "$scratch"
        [ -d "$scratch/swift-protobuf" ] || git clone -q https://github.com/apple/swift-protobuf.git "$scratch/swift-protobuf"
        git -C "$scratch/swift-protobuf" checkout -q 1.39.0
        (cd "$scratch/swift-protobuf" && swift build -c release --product protoc-gen-swift)
    fi
    plugin="$scratch/swift-protobuf/.build/release/protoc-gen-swift"
fi
out=Sources/SkewlessWire/Generated
mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" \
    --swift_opt=Visibility=Package \
    --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" \
    -I Protos Protos/skewless/v1/*.proto
echo "generated: $(ls "$out")"
