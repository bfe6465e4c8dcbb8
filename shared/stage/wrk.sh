# shared/stage/wrk.sh: what every stage's wrk.sh shares. A stage's script
# sets STAGE (its directory), defines bound (prints what Little's law
# allows for that stage) and may set WRK_EXTRA (more wrk flags), then
# sources this file and calls wrk_main "$@". Its own header comment is its
# -h text.
#
# Settings come from the environment; the defaults are the article's run.

THREADS=${THREADS:-8}
CONNECTIONS=${CONNECTIONS:-1000}
DURATION=${DURATION:-60s}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8888}
URL_PATH=${URL_PATH:-/hello}
DELAY_MS=${DELAY_MS:-200}
WRK_ARGS=${WRK_ARGS:-}
if [[ $HOST == *:* && $HOST != \[* ]]; then
	HOST="[$HOST]" # an IPv6 literal needs brackets in a URL
fi
URL=${URL:-http://$HOST:$PORT$URL_PATH}

# The file-descriptor margin over CONNECTIONS: wrk's own files, its
# threads' epoll descriptors, stdin/stdout/stderr.
FD_MARGIN=64

usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

check_wrk() {
	if ! command -v wrk >/dev/null 2>&1; then
		echo "wrk.sh: wrk is not installed. On Debian or Ubuntu:" >&2
		echo "    sudo apt-get install wrk" >&2
		exit 2
	fi
}

# check_server sends one request and fails with the command to start the
# server if nothing answers within a few seconds.
check_server() {
	local code
	if command -v curl >/dev/null 2>&1; then
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL" || true)
	else
		code=$(probe_dev_tcp || true)
	fi
	if [[ -z $code || $code == 000 ]]; then
		echo "wrk.sh: nothing answers at $URL. Start the server first, from the repository root:" >&2
		echo "    go run ./$STAGE" >&2
		exit 1
	fi
	echo "wrk.sh: $URL answers $code"
}

# probe_dev_tcp is check_server without curl: bash's /dev/tcp, the
# status code from the first line of the response.
probe_dev_tcp() {
	local hostport=${URL#*://}
	hostport=${hostport%%/*}
	local host=${hostport%:*} port=${hostport##*:}
	host=${host#[}
	host=${host%]}
	timeout 5 bash -c '
		exec 3<>"/dev/tcp/$1/$2" || exit 1
		printf "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" "$3" "$1" >&3
		read -r _ code _ <&3 && echo "$code"
	' _ "$host" "$port" "/${URL#*://*/}"
}

# check_ulimit raises the soft open-file limit to the hard limit if it is
# too low for CONNECTIONS sockets, and stops with an explanation if even
# the hard limit is too low. The raised limit applies to wrk, started by
# this shell.
check_ulimit() {
	local need=$((CONNECTIONS + FD_MARGIN))
	local soft hard
	soft=$(ulimit -Sn)
	hard=$(ulimit -Hn)
	if [[ $soft != unlimited && $soft -lt $need ]]; then
		if [[ $hard == unlimited || $hard -ge $need ]]; then
			ulimit -Sn "$need"
			echo "wrk.sh: raised the open-file limit from $soft to $need"
		else
			echo "wrk.sh: $CONNECTIONS connections need $need open files, but the hard limit (ulimit -Hn) is $hard." >&2
			echo "    Use fewer connections (CONNECTIONS=$((hard - FD_MARGIN)) ./wrk.sh), or raise the hard limit" >&2
			echo "    (as root: ulimit -Hn $need, or nofile in /etc/security/limits.conf) and log in again." >&2
			exit 1
		fi
	fi
}

# wrk_main runs the checks, prints the stage's bound and runs wrk.
wrk_main() {
	case ${1:-} in
	-h | --help)
		usage
		exit 0
		;;
	esac
	check_wrk
	check_ulimit
	check_server
	if ((DELAY_MS > 0)); then
		bound
	fi
	# WRK_ARGS is split into words on purpose: it holds several flags.
	# shellcheck disable=SC2086
	set -x
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${WRK_EXTRA[@]}" $WRK_ARGS "$URL"
}
