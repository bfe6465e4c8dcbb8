"""The article's second server, in Python 3: a process per connection.

After the article's multi-process model: the parent accepts a connection
and forks; the child reads the request with one recv(1024), calls the
app, sends the response, closes and exits; the parent closes its copy of
the connection and accepts the next. A SIGCHLD handler reaps the exited
children (waitpid with WNOHANG until none is left), so no zombie stays.
Every connection has its own process, so up to 1000 requests can sleep at
once: the Little's-law bound is 1000 / 0.2 s = 5000 requests a second,
and the cost of a fork per connection is what keeps it below. bench runs
it as the target article-py-fork:

    python3 bench/peers/article_fork.py --addr 127.0.0.1:PORT --delay 0.2

On SIGTERM the parent stops its children, waits for them and exits 0,
so no child outlives it.
"""

import os
import signal
import sys

import article_wsgi

children = set()  # pids forked and not reaped yet


def reap(signum, frame):
    """Collect every exited child without blocking."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)


def stop(signum, frame):
    """Stop the children, wait for them, and exit."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in list(children):
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    sys.exit(0)


def serve_one(conn, app, server):
    """The child's work: one request, one response, close."""
    try:
        data = conn.recv(1024)
        if data:
            response, _ = article_wsgi.respond(app, data, server, close=True)
            conn.sendall(response)
    except OSError:
        pass  # the client went away
    finally:
        conn.close()


def serve(listener, app, server):
    """Fork a child per accepted connection, forever."""
    while True:
        conn, _ = listener.accept()  # retried after a signal (PEP 475)
        # SIGCHLD stays blocked until the pid is in children: a child that
        # exits at once is reaped after it is recorded, not before.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = os.fork()
        except OSError as e:
            print("article-py-fork: fork: %s" % e, file=sys.stderr, flush=True)
            conn.close()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            continue
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
            listener.close()
            try:
                serve_one(conn, app, server)
            finally:
                os._exit(0)
        children.add(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        conn.close()


def main():
    addr, delay = article_wsgi.parse_args("The article's fork-per-connection WSGI server (bench peer).")
    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGTERM, stop)
    listener = article_wsgi.listen(addr)
    print("article-py-fork: serving on http://%s:%d/hello (delay %gs)" % (addr + (delay,)), flush=True)
    serve(listener, article_wsgi.make_app(delay), listener.getsockname())


if __name__ == "__main__":
    main()
