"""The article's first server, in Python 3: one connection at a time.

After the article's iterative model: accept a connection, read the
request with one recv(1024), call the app, sendall the response, close,
and only then accept the next. While the app sleeps 200 ms nobody else is
served, so by Little's law it answers at most 1 / 0.2 s = 5 requests a
second, whatever the load. bench runs it as the target
article-py-iterative:

    python3 bench/peers/article_iterative.py --addr 127.0.0.1:PORT --delay 0.2

It exits 0 on SIGTERM.
"""

import article_wsgi


def serve(listener, app, server):
    """Serve one connection after another, forever."""
    while True:
        conn, _ = listener.accept()
        with conn:
            try:
                data = conn.recv(1024)
                if data:
                    response, _ = article_wsgi.respond(app, data, server, close=True)
                    conn.sendall(response)
            except OSError:
                pass  # the client went away: nothing to answer


def main():
    addr, delay = article_wsgi.parse_args("The article's iterative WSGI server (bench peer).")
    article_wsgi.exit_on_sigterm()
    listener = article_wsgi.listen(addr)
    print("article-py-iterative: serving on http://%s:%d/hello (delay %gs)" % (addr + (delay,)), flush=True)
    serve(listener, article_wsgi.make_app(delay), listener.getsockname())


if __name__ == "__main__":
    main()
