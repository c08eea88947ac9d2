# shellcheck shell=bash
# The mechanics every bench script shares, sourced by them after `set -euo pipefail` and a `cd`
# to the repository's root:
#
#   . bench/lib.sh
#   bench_build "$scratch" fsnode fsbench       # scripts/setup.sh, release build, sets $bin
#   segments="$(mktemp -d)"
#   bench_remove_at_exit "$segments"
#   bench_start_node "$port" --repo examples/feature_repo --segments "$segments"
#   node_pid=$bench_started_pid                 # listening: its --port-file is written
#
# A process that exits before it listens, or does not listen in time (10 s unless --timeout),
# stops the script with a message (and, with --log, the process's output).
#
# Sourcing it installs one cleanup, run on exit, Ctrl-C (exit 130) and failure: it stops every
# process started or tracked here (bench_stop_signal, TERM unless the script sets it; then
# waits for each) and removes every path registered with bench_remove_at_exit. A script needing
# more at exit calls bench_cleanup from its own trap.

bench_pids=()            # what bench_cleanup stops: bench_spawn, bench_start*, bench_track
bench_paths=()           # what bench_cleanup removes: bench_remove_at_exit
bench_stop_signal=TERM   # the signal bench_stop and bench_cleanup send
bench_started_pid=""     # the pid of the last process bench_spawn or bench_start* started

# bench_build SCRATCH PRODUCT...: installs the system packages (scripts/setup.sh), builds each
# product in release mode in the scratch folder SCRATCH, and sets `bin` to its bin folder.
# Prints "== building A, B and C (release, SCRATCH)"; the build's own output only if it fails.
bench_build() {
    local scratch=$1 product log names
    shift
    if [ -n "${SWIFT_BUILD_FLAGS:-}" ]; then
        echo "bench: SWIFT_BUILD_FLAGS is no longer read; name the build folder with SCRATCH=DIR" >&2
        return 1
    fi
    scripts/setup.sh
    names="$1"
    if [ $# -gt 1 ]; then
        names="$(IFS=,; echo "${*:1:$#-1}")"
        names="${names//,/, } and ${*: -1}"
    fi
    echo "== building $names (release, $scratch)"
    for product in "$@"; do
        if ! log="$(swift build -c release --scratch-path "$scratch" --product "$product" 2>&1)"; then
            printf '%s\n' "$log" >&2
            echo "bench: the release build of $product failed (its output is above)" >&2
            return 1
        fi
    done
    bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
}

# bench_remove_at_exit PATH...: removes each PATH (a temporary folder, say) at exit.
bench_remove_at_exit() {
    bench_paths+=("$@")
}

# bench_track PID...: stops each PID at exit (a process the script started itself).
bench_track() {
    bench_pids+=("$@")
}

# bench_untrack PID...: forgets each PID (the script waited for it: its pid may be reused).
bench_untrack() {
    local pid kept=() gone
    for pid in "${bench_pids[@]}"; do
        for gone in "$@"; do [ "$pid" = "$gone" ] && continue 2; done
        kept+=("$pid")
    done
    bench_pids=("${kept[@]}")
}

# bench_spawn COMMAND [ARGUMENT...]: runs COMMAND in the background, stopped at exit; its pid
# in bench_started_pid. Redirections on the call apply to COMMAND.
bench_spawn() {
    "$@" &
    bench_started_pid=$!
    bench_pids+=("$bench_started_pid")
}

# bench_wait_until SECONDS PID WHAT TEST...: runs TEST every 0.1 s until it succeeds, at most
# SECONDS; fails, saying it was waiting for WHAT, if it does not or if PID (when not empty)
# exits first.
bench_wait_until() {
    local seconds=$1 pid=$2 what=$3
    shift 3
    for _ in $(seq 1 $((seconds * 10))); do
        "$@" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            echo "bench: process $pid exited before $what" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "bench: still not $what after $seconds s" >&2
    return 1
}

# bench_port_open PORT: whether something accepts a TCP connection on 127.0.0.1:PORT.
bench_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# bench_wait_for_port PORT [SECONDS [PID]]: waits until something accepts a TCP connection on
# 127.0.0.1:PORT, at most SECONDS (10); fails, saying so, if it does not or if PID exits first.
bench_wait_for_port() {
    bench_wait_until "${2:-10}" "${3:-}" "listening on 127.0.0.1:$1" bench_port_open "$1"
}

# bench_start_sample_node PORT [FSNODE-OPTION...]: one node serving the sample feature repo
# (examples/feature_repo) on 127.0.0.1:PORT, with an offline store of its own in a temporary
# folder (a write, such as fsbench load's, is acknowledged once it is durable there), removed at
# exit; logs at warning level. Sets `segments`, `node_pid` and `node` (HOST:PORT).
bench_start_sample_node() {
    local port=$1
    shift
    segments="$(mktemp -d)"
    bench_remove_at_exit "$segments"
    bench_start_node "$port" --repo examples/feature_repo --segments "$segments" --log-level warning "$@"
    # shellcheck disable=SC2034  # for the script that sources this file
    node_pid=$bench_started_pid node="127.0.0.1:$port"
}

# bench_start [--log FILE] [--timeout SECONDS] [--ready-file FILE] PORT COMMAND [ARGUMENT...]:
# runs COMMAND in the background (stopped at exit; pid in bench_started_pid) and waits until it
# listens on PORT, at most SECONDS (10): until something accepts a TCP connection there, or,
# with --ready-file, until COMMAND has written FILE (removed first). With --log, COMMAND's
# output goes to FILE, printed if it fails to start.
bench_start() {
    local log="" timeout=10 ready_file=""
    while true; do
        case "$1" in
            --log) log=$2; shift 2 ;;
            --timeout) timeout=$2; shift 2 ;;
            --ready-file) ready_file=$2; shift 2 ;;
            *) break ;;
        esac
    done
    local port=$1 ready=(bench_port_open "$1")
    shift
    if [ -n "$ready_file" ]; then
        rm -f "$ready_file"
        ready=(test -s "$ready_file")
    fi
    if [ -n "$log" ]; then
        bench_spawn "$@" >"$log" 2>&1
    else
        bench_spawn "$@"
    fi
    bench_wait_until "$timeout" "$bench_started_pid" "listening on 127.0.0.1:$port" "${ready[@]}" || bench_start_failed "$log" "$@"
}

# bench_start_node [--log FILE] [--timeout SECONDS] PORT [FSNODE-OPTION...]: bench_start for
# "$bin/fsnode" --port PORT FSNODE-OPTION..., waiting for the node's --port-file (written once
# the node listens), which another process on PORT cannot fake.
bench_start_node() {
    local options=()
    while [[ "$1" == --log || "$1" == --timeout ]]; do
        options+=("$1" "$2")
        shift 2
    done
    local port=$1 port_file
    shift
    port_file="$bench_run_dir/fsnode-$port.port"
    bench_start "${options[@]}" --ready-file "$port_file" "$port" "$bin/fsnode" --port "$port" --port-file "$port_file" "$@"
}

# bench_start_failed LOG COMMAND...: prints LOG (when not empty) and what did not start; fails.
bench_start_failed() {
    local log=$1
    shift
    if [ -n "$log" ]; then
        echo "bench: ${1##*/}'s output ($log):" >&2
        cat "$log" >&2
    fi
    echo "bench: ${1##*/} did not start: $*" >&2
    return 1
}

# bench_stop PID...: sends bench_stop_signal to each PID and to its children (a subshell's
# current command), waits for each, and forgets it.
bench_stop() {
    local pid children=()
    for pid in "$@"; do
        # shellcheck disable=SC2207  # pgrep prints one pid a line
        children+=($(pgrep -P "$pid" 2>/dev/null || true))
        kill -"$bench_stop_signal" "$pid" 2>/dev/null || true
    done
    for pid in "${children[@]}"; do kill -"$bench_stop_signal" "$pid" 2>/dev/null || true; done
    for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
    bench_untrack "$@"
}

# bench_stop_all: bench_stop for every process started or tracked.
bench_stop_all() {
    bench_stop "${bench_pids[@]}"
}

# bench_wait PID: waits for PID, forgets it, and returns its exit status.
bench_wait() {
    local status=0
    wait "$1" || status=$?
    bench_untrack "$1"
    return "$status"
}

# bench_cleanup: stops every process and removes every registered path; installed as the trap.
bench_cleanup() {
    trap - EXIT INT TERM
    bench_stop_all
    if [ ${#bench_paths[@]} -gt 0 ]; then rm -rf "${bench_paths[@]}"; fi
}
trap bench_cleanup EXIT
trap 'bench_cleanup; exit 130' INT TERM

# Where bench_start_node's port files go; removed at exit.
bench_run_dir="$(mktemp -d "${TMPDIR:-/tmp}/skewless-bench.XXXXXX")"
bench_remove_at_exit "$bench_run_dir"
