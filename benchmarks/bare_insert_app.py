"""The floor under the journaled write (``writes.py --floor``): the same HTTP request through the same gunicorn and
clients, answered by a WSGI application of a dozen lines that does only the raw INSERT+COMMIT — no Django, no
authentication, no journal. What it reaches is the most any Python application served this way could reach on this
machine; the journaled write's ratio to the raw rate cannot exceed this one's. Never part of the application.
"""

import datetime as dt
import json
import os

import psycopg

_connection = None  # one per worker, opened at its first request (after the fork)


def application(environ, start_response):
    global _connection
    if _connection is None:
        _connection = psycopg.connect(os.environ["BARE_DATABASE_URL"], autocommit=True)
    tank = int(environ["PATH_INFO"].rstrip("/").split("/")[-2])  # /api/v1/pharmacy/tanks/{id}/readings
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    new = _connection.execute(
        "INSERT INTO pharmacy_tankreading (tank_id, at, ln2_level_percent, temperature_c, source) "
        "VALUES (%s, %s, %s, %s, 'probe') RETURNING id",
        [tank, dt.datetime.now(dt.timezone.utc), body["ln2_level_percent"], body["temperature_c"]]).fetchone()[0]
    answer = json.dumps({"id": new, "tank_id": tank}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]
