"""The article's third server, in Python 3: select, with the app in the loop.

After the article's non-blocking model: one select() over the listening
socket and every open connection. A readable listener means one accept; a
readable connection means one recv(1024), the app, and sendall, all inside
the loop. Connections stay open for the next request (HTTP/1.1
keep-alive) until the client closes or asks to close. Non-blocking sockets
do not make the app non-blocking: while it sleeps 200 ms nothing else
runs, so the Little's-law bound is 1 / 0.2 s = 5 requests a second.
bench runs it as the target article-py-select:

    python3 bench/peers/article_select.py --addr 127.0.0.1:PORT --delay 0.2

It exits 0 on SIGTERM.
"""

import select

import article_wsgi

# select() cannot watch a descriptor at or above FD_SETSIZE; Python's
# select.select raises ValueError for one. Such a connection is closed at
# once, unanswered, rather than ending the server.
FD_SETSIZE = 1024


def serve(listener, app, server):
    """Run the select loop forever."""
    listener.setblocking(False)
    conns = []
    while True:
        readable, _, _ = select.select([listener] + conns, [], [])
        for sock in readable:
            if sock is listener:
                try:
                    conn, _ = listener.accept()
                except BlockingIOError:
                    continue  # another readiness took it
                if conn.fileno() >= FD_SETSIZE:
                    conn.close()
                    continue
                conns.append(conn)
                continue
            try:
                data = sock.recv(1024)
                close = not data
                if data:
                    response, close = article_wsgi.respond(app, data, server, close=False)
                    sock.sendall(response)
            except OSError:
                close = True  # reset by the client
            if close:
                conns.remove(sock)
                sock.close()


def main():
    addr, delay = article_wsgi.parse_args("The article's select WSGI server, app inside the loop (bench peer).")
    article_wsgi.exit_on_sigterm()
    listener = article_wsgi.listen(addr)
    print("article-py-select: serving on http://%s:%d/hello (delay %gs)" % (addr + (delay,)), flush=True)
    serve(listener, article_wsgi.make_app(delay), listener.getsockname())


if __name__ == "__main__":
    main()
