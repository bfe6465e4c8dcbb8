#!/usr/bin/env bash
# wrk.sh: the article's load test against 02-simple-wsgi.
#
#   wrk -t8 -c1000 -d60s http://127.0.0.1:8888/hello
#
# Start the server first, in another terminal, from the repository root:
#
#   go run ./02-simple-wsgi
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
# Example: DURATION=15s CONNECTIONS=100 ./02-simple-wsgi/wrk.sh
#
# What to expect: this server handles one connection at a time, so with a
# 200 ms app it answers at most 1 / 0.2 s = 5 requests per second, however
# many connections wrk opens (Little's law: throughput = concurrency /
# latency). Most of wrk's 1000 connections wait in the listen queue; those
# that wait longer than wrk's 2 s timeout are counted as timeouts.
set -euo pipefail

STAGE=02-simple-wsgi
WRK_EXTRA=()

# bound prints what Little's law allows this stage.
bound() {
	echo "wrk.sh: an iterative server with a ${DELAY_MS} ms app serves at most $((1000 / DELAY_MS)) requests/s (Little's law: 1 request / ${DELAY_MS} ms)"
}

# shellcheck source=../shared/stage/wrk.sh
. "$(dirname "$0")/../shared/stage/wrk.sh"
wrk_main "$@"
