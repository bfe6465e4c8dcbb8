#!/usr/bin/env bash
# wrk.sh: the article's load test against 07-io-uring.
#
#   wrk -t8 -c1000 -d60s http://127.0.0.1:8888/hello
#
# Start the server first, in another terminal, from the repository root:
#
#   go run ./07-io-uring
#
# Every value can be changed through the environment:
#
#   THREADS=8 CONNECTIONS=1000 DURATION=60s   wrk's -t, -c and -d
#   HOST=127.0.0.1 PORT=8888 URL_PATH=/hello  the target, or all of it as
#   URL=http://127.0.0.1:8888/hello           (URL wins; the path variable is
#                                             URL_PATH because PATH is the shell's)
#   DELAY_MS=200                              the app's sleep, for the bound below
#   WRK_ARGS="--latency --timeout 10s"        more wrk flags
#
# Example: DURATION=15s CONNECTIONS=100 ./07-io-uring/wrk.sh
#
# What to expect: with its default worker pool this server keeps every
# connection busy, so with a 200 ms app and 1000 connections it answers
# close to 1000 / 0.2 s = 5000 requests per second (Little's law:
# throughput = concurrency / latency). Started with -workers 0 it calls
# the app inside its one loop, as the article's select server does, and
# answers at most 1 / 0.2 s = 5 requests per second.
# CONNECTIONS=10000 are all served; an idle connection pins a 4 KiB recv
# buffer, the kernel's until the client sends (see uconn in server_linux.go).
set -euo pipefail

STAGE=07-io-uring
WRK_EXTRA=()

# bound prints what Little's law allows this stage.
bound() {
	echo "wrk.sh: with a ${DELAY_MS} ms app, $CONNECTIONS connections allow at most $((CONNECTIONS * 1000 / DELAY_MS)) requests/s (Little's law); -workers 0 allows $((1000 / DELAY_MS)) (one loop)"
}

# shellcheck source=../shared/stage/wrk.sh
. "$(dirname "$0")/../shared/stage/wrk.sh"
wrk_main "$@"
