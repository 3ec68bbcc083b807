"""Print the PostgreSQL URL the test suite should use, or nothing when none is reachable.

DATABASE_URL wins when it names PostgreSQL; otherwise a local server on 127.0.0.1:5432
(user postgres, trust authentication) is tried. Exit status 0 either way.
"""

import os

import psycopg

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/cellrelay"


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        print(url)
        return
    try:
        with psycopg.connect(LOCAL_SERVER, connect_timeout=3):
            print(LOCAL_URL)
    except psycopg.Error:
        pass


if __name__ == "__main__":
    main()
