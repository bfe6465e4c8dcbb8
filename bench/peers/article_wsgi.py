"""What the three article_*.py servers share: the app, the WSGI call, the flags.

The article ("Let's build a WSGI server", csrgxtu, 2020) benchmarks its
servers with a Flask app whose /hello sleeps 200 ms and answers
"Hello World". Here that app is a plain WSGI callable, so the servers
need nothing but the standard library. Each server reads one request with
a single recv(1024), builds a minimal environ (PEP 3333), calls the app
with a start_response that records the status and headers, and sends the
response with sendall, as the article's servers do.

Two things differ from the article, both so that bench's answer check
passes and wrk's counts mean what they say: the response carries
Content-Length (Flask sets it too), and a server that closes after the
response says "Connection: close" (RFC 9112 section 9.6), where the
article's stay silent and wrk counts every close as a read error.
"""

import argparse
import email.utils
import io
import signal
import socket
import sys
import time

# The listen queue of every bench target (shared/sock.Backlog in Go, and
# gunicorn --backlog 4096 and nginx backlog=4096 in bench); the article
# used 1 for its first server and 1024 for the others.
BACKLOG = 4096

BODY = b"Hello World"


def make_app(delay):
    """Return the article's app: GET /hello sleeps delay seconds."""

    def hello(environ, start_response):
        if environ["PATH_INFO"] != "/hello":
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return [b""]
        if delay > 0:
            time.sleep(delay)
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                                  ("Content-Length", str(len(BODY)))])
        return [BODY]

    return hello


def parse_args(description):
    """Parse --addr HOST:PORT and --delay SECONDS, as bench passes them."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--addr", default="127.0.0.1:8888", help="listen address HOST:PORT")
    p.add_argument("--delay", type=float, default=0.2, help="seconds /hello sleeps (0 for bench's overhead workload)")
    a = p.parse_args()
    host, _, port = a.addr.rpartition(":")
    return (host or "127.0.0.1", int(port)), a.delay


def listen(addr):
    """Return a listening TCP socket on addr, with SO_REUSEADDR as the article sets it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.listen(BACKLOG)
    return s


def exit_on_sigterm():
    """Turn SIGTERM into SystemExit, so the server exits 0 from wherever it waits."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def parse_request(data):
    """Return (method, path, version, headers) from the bytes of one recv, or None."""
    head = data.decode("latin-1").split("\r\n\r\n", 1)[0].split("\r\n")
    parts = head[0].split()
    if len(parts) != 3:
        return None
    headers = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], parts[2], headers


def wants_close(version, headers):
    """Whether the client asked to close after this response (RFC 9112 9.3)."""
    tokens = [t.strip().lower() for t in headers.get("connection", "").split(",")]
    if version == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


def respond(app, data, server, close):
    """Run app on the request in data; return the response bytes and whether to close.

    close forces Connection: close (the iterative and fork servers close
    every connection); otherwise the request decides.
    """
    req = parse_request(data)
    if req is None:
        return b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", True
    method, target, version, headers = req
    path, _, query = target.partition("?")
    environ = {
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "REQUEST_METHOD": method, "PATH_INFO": path,
        "QUERY_STRING": query, "SERVER_NAME": server[0], "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": version,
    }
    started = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [status, response_headers]

    body = b"".join(app(environ, start_response))
    close = close or wants_close(version, headers)
    status, response_headers = started
    lines = ["HTTP/1.1 " + status, "Date: " + email.utils.formatdate(usegmt=True), "Server: article-py"]
    lines += ["%s: %s" % h for h in response_headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body, close
