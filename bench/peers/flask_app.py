"""The article's Flask app, served by gunicorn as a peer in bench.

GET /hello sleeps LBWS_DELAY seconds (default 0.2, the article's
time.sleep(0.2)) and answers "Hello World". bench runs it as

    LBWS_DELAY=0.2 gunicorn -w 8 -k sync -b 127.0.0.1:PORT --chdir bench/peers flask_app:app

and sets LBWS_DELAY=0 for the overhead workload.
"""

import os
import time

from flask import Flask, Response

DELAY = float(os.environ.get("LBWS_DELAY", "0.2"))

app = Flask(__name__)


@app.route("/hello")
def hello():
    if DELAY > 0:
        time.sleep(DELAY)
    return Response("Hello World", mimetype="text/plain")
