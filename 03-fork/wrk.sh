#!/usr/bin/env bash
# wrk.sh: the article's load test against 03-fork.
#
#   wrk -t8 -c1000 -d60s http://127.0.0.1:8888/hello
#
# Start the server first, in another terminal, from the repository root:
#
#   go run ./03-fork
#
# Every value can be changed through the environment:
#
#   THREADS=8 CONNECTIONS=1000 DURATION=60s   wrk's -t, -c and -d
#   HOST=127.0.0.1 PORT=8888 URL_PATH=/hello  the target, or all of it as
#   URL=http://127.0.0.1:8888/hello           (URL wins; the path variable is
#                                             URL_PATH because PATH is the shell's)
#   DELAY_MS=200                              the app's sleep, for the bound below
#   PREFORK=0                                 the server's -prefork, for the bound below
#   CLOSE=0                                   1: one request per connection (see below)
#   WRK_ARGS="--latency --timeout 10s"        more wrk flags
#
# Example: DURATION=15s CONNECTIONS=100 ./03-fork/wrk.sh
#
# What to expect: every connection gets a process of its own, which keeps
# it open, so 1000 connections are served at once and a 200 ms app allows
# 1000 / 0.2 s = 5000 requests/s (Little's law: throughput = concurrency /
# latency).
#
# CLOSE=1 sends "Connection: close" with every request: each request is
# then a new connection, hence a new process, and the rate at which this
# machine starts processes is the bound instead (BenchmarkReexec in
# 03-fork measures it).
#
# Against "go run ./03-fork -prefork 8", the bound is 8 / 0.2 s = 40
# requests/s (gunicorn -w 8 with sync workers); start it with PREFORK=8 in
# the environment of this script to have that bound printed.
set -euo pipefail

STAGE=03-fork
PREFORK=${PREFORK:-0}
CLOSE=${CLOSE:-0}
WRK_EXTRA=()
if [[ $CLOSE == 1 ]]; then
	WRK_EXTRA=(-H "Connection: close")
fi

# bound prints what Little's law allows this stage.
bound() {
	local busy=$CONNECTIONS what="a process per connection, $CONNECTIONS connections"
	if ((PREFORK > 0)); then
		busy=$((PREFORK < CONNECTIONS ? PREFORK : CONNECTIONS)) what="-prefork $PREFORK, one request per worker at a time"
	fi
	echo "wrk.sh: $what, ${DELAY_MS} ms app: at most $((busy * 1000 / DELAY_MS)) requests/s (Little's law: $busy requests / ${DELAY_MS} ms)"
	if [[ $CLOSE == 1 ]]; then
		echo "wrk.sh: Connection: close, so every request starts a process: the rate of process starts bounds it"
	fi
}

# shellcheck source=../shared/stage/wrk.sh
. "$(dirname "$0")/../shared/stage/wrk.sh"
wrk_main "$@"
