# Sourced by the bench scripts: installs packages, builds fsnode and fsbench (release), and
# starts one node on $port with the sample repo, stopped when the script exits.
#   SWIFT_BUILD_FLAGS="--scratch-path .build-release" reuses another build folder.
scripts/setup.sh
swift build -c release ${SWIFT_BUILD_FLAGS:-} --product fsnode >/dev/null
swift build -c release ${SWIFT_BUILD_FLAGS:-} --product fsbench >/dev/null
bin="$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)"
# The node's offline store: a write (fsbench load) is acknowledged once it is durable there.
segments="$(mktemp -d)"
"$bin/fsnode" --repo examples/feature_repo --segments "$segments" --port "$port" --log-level warning &
node_pid=$!
trap 'kill -TERM $node_pid 2>/dev/null; wait $node_pid 2>/dev/null; rm -rf "$segments"' EXIT
for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
node="127.0.0.1:$port"
