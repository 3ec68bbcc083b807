"""Journaled writes through gunicorn against a raw INSERT+COMMIT, in the same run (issue #14).

A probe's tank reading posted to POST /api/v1/pharmacy/tanks/{id}/readings with a bearer token, by ``clients``
concurrent HTTP clients for ``seconds``; then the same clients doing a raw psycopg INSERT+COMMIT of a reading row
(pharmacy_tankreading). Reported: writes/s, p50/p95 latency, the CPU-seconds of the gunicorn workers, of the
PostgreSQL backends and of the clients (and per write), writes per server CPU-second, the raw rate and the ratio;
and the statements and commits of one write, counted in-process with an execute wrapper. Never part of the test suite.

Two bounds on the ratio, measured in the same run when asked: ``--floor`` serves the same request from the same
gunicorn to the same clients with a bare WSGI application that does only the raw INSERT+COMMIT
(``bare_insert_app.py``: what HTTP through sync workers allows at all); ``--chain`` runs the journaled write's
statements alone from the same clients, no application (the reading, the journal head locked, the entry with its
real hash, one commit: what one journal chain allows, its head row locked until each commit's WAL flush ends).

    python benchmarks/writes.py [--database-url URL] [--seconds 10] [--workers 2] [--centers 1] [--floor] [--chain] ...

Without a URL a database ``cr_writes_bench`` is made afresh on the local server (migrate, the demo organisation and
some synthetic patients so that it is not empty); with one, the database is migrated and filled only if it is empty
(the lead's cached databases plug in there). ``measure()`` returns the results as a dict (side_by_side.py).

Clients are processes of ``CLIENT_THREADS`` threads each, with http.client (connections kept alive when the server
allows it: sync workers close them after each response, so they reconnect) so they cost the server little CPU;
their own CPU is reported. With ``centers=2`` the writers post to two tanks at two centers with two tokens, to see
whether the one journal head is the limit; lock waits are sampled from pg_stat_activity during the run.
"""

import argparse
import http.client
import json
import os
from pathlib import Path
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "cr_writes_bench"
CLIENT_THREADS = 4  # threads per client process: 16 clients are 4 processes
SAMPLE_EVERY_S = 0.05  # pg_stat_activity sampling of lock waits
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
BODY = json.dumps({"ln2_level_percent": 55.0, "temperature_c": -190.0})


# Preparing the database (its own process: Django settings are read once) --------------------------------------------

def django_environment(database_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "CELLRELAY_SECOND_FACTOR": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver", "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "cellrelay.settings", "LOG_LEVEL": "ERROR"}


def prepare(patients: int, centers: int) -> dict:
    """Migrated, organised, not empty; a tank and a probe token per center. Runs inside Django."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    from cellrelay.demo import hospital
    from cellrelay.organisation.models import Center, Membership, Role
    from cellrelay.organisation.services import create_token
    from cellrelay.patients.models import Patient
    from cellrelay.pharmacy.models import Tank
    from cellrelay.pharmacy.services import storage

    call_command("migrate", verbosity=0)
    organisation = hospital.build_organisation()
    if not Patient.objects.exists():
        call_command("seed_synthetic", patients=patients, seed=1, no_progress=True, stdout=io.StringIO())
    admin, treating = organisation["users"]["admin"], organisation["treating"]
    targets = []
    for index in range(centers):
        center, probe = treating, organisation["users"]["tank-probe"]
        if index:
            center = Center.objects.get_or_create(name=f"Bench center {index}",
                                                  defaults={"kind": Center.Kind.TREATING, "city": "Bench"})[0]
            # A second treating center and its probe, set up as the demo sets up its own (hospital.py).
            probe = hospital.ensure_user(f"bench-probe-{index}", "Bench", "Probe", None)
            Membership.objects.get_or_create(user=probe, center=center, defaults={"role": Role.TANK_PROBE})
        tank = (Tank.objects.filter(center=center, name="Bench").first()
                or storage.create_tank(actor=admin, center=center, name="Bench", racks=1, boxes_per_rack=1,
                                       positions_per_box=1, ln2_min_level_percent=20, max_temperature_c=-150))
        _token, raw = create_token(actor=None, user=probe, name=f"bench {time.time()}")
        targets.append({"tank": tank.pk, "token": raw})
    return {"targets": targets, "per_write": statements_per_write(targets[0])}


def statements_per_write(target: dict) -> dict:
    """The statements and commits of one API write, counted by an execute wrapper around Django's test client (the
    same request as over HTTP, through the same middleware), after a first write has used the token."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {target['token']}")
    url = f"/api/v1/pharmacy/tanks/{target['tank']}/readings"
    client.post(url, data=BODY, content_type="application/json")
    seen, commits = [], []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    # A commit is no statement Django executes (psycopg's connection.commit()): counted where Django calls it.
    commit = connection._commit
    connection._commit = lambda: commits.append(1) or commit()
    try:
        with connection.execute_wrapper(count):
            status = client.post(url, data=BODY, content_type="application/json").status_code
    finally:
        del connection._commit
    return {"status": status, "statements": len(seen), "commits": len(commits), "sql": seen}


# The server -----------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_url: str, port: int, workers: int, worker_class: str, threads: int,
                   profile: str = "", app: str = "cellrelay.wsgi") -> subprocess.Popen:
    environment = {**django_environment(database_url), "BARE_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", worker_class, "--threads", str(threads),
               "--backlog", "256", "--log-level", "warning", "--keep-alive", "5",
               "--preload"]  # as the README's production command: the app loaded once in the master
    if profile:  # each worker profiled (cProfile, CPU time), its stats written when it exits
        command += ["--config", str(ROOT / "benchmarks" / "gunicorn_profile.py")]
        environment["BENCH_PROFILE_DIR"] = profile
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL)


def wait_until_serving(port: int, target: dict, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = post_once(port, target)
            if status == 201:
                return
            raise RuntimeError(f"the server answers {status} to a reading")
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def post_once(port: int, target: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        return post(connection, target).status
    finally:
        connection.close()


def post(connection: http.client.HTTPConnection, target: dict):
    connection.request("POST", f"/api/v1/pharmacy/tanks/{target['tank']}/readings", body=BODY,
                       headers={"Authorization": f"Bearer {target['token']}", "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.getheader("Connection", "").lower() == "close":
        connection.close()  # the next request opens another (sync workers keep no connection alive)
    return response


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def cpu_seconds(pids: list[int], *, system_only: bool = False) -> float:
    """utime + stime of the processes (those gone since count as nothing); stime alone with ``system_only``."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[12]) + (0 if system_only else int(fields[11]))  # utime, stime (fields 14, 15 of stat)
    return total / CLOCK_TICKS


def backend_pids(database_url: str) -> list[int]:
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(SERVER, autocommit=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])]


class LockWaits(threading.Thread):
    """Samples pg_stat_activity during a run: how often a backend of the database waits, and on what."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.name_of_database = database_url.rsplit("/", 1)[1].split("?")[0]
        self.stop, self.samples, self.waits = threading.Event(), 0, {}

    def run(self):
        import psycopg

        with psycopg.connect(SERVER, autocommit=True) as connection:
            while not self.stop.is_set():
                rows = connection.execute(
                    "SELECT wait_event_type, wait_event, count(*) FROM pg_stat_activity WHERE datname = %s "
                    "AND pid <> pg_backend_pid() AND state = 'active' GROUP BY 1, 2", [self.name_of_database])
                self.samples += 1
                for kind, event, count in rows:
                    key = f"{kind or 'CPU'}:{event or '-'}"
                    self.waits[key] = self.waits.get(key, 0) + count
                self.stop.wait(SAMPLE_EVERY_S)

    def result(self) -> dict:
        """Mean number of active backends in each state (CPU = running, Lock:transactionid = waiting on a row)."""
        return {key: round(count / max(self.samples, 1), 2) for key, count in sorted(self.waits.items())}


# The clients ----------------------------------------------------------------------------------------------------

def client_process(mode: str, address: str, targets: list[dict], threads: int, start: float, seconds: float,
                   first: int) -> dict:
    """``threads`` writers from ``start`` for ``seconds``; writer i posts to target (first + i) % len(targets)."""
    latencies = [[] for _ in range(threads)]

    def http_writer(index):
        target = targets[(first + index) % len(targets)]
        connection = http.client.HTTPConnection("127.0.0.1", int(address), timeout=60)
        wait_for(start)
        stop = start + seconds
        while (began := time.perf_counter_ns()) and time.time() < stop:
            response = post(connection, target)
            if response.status != 201:
                raise RuntimeError(f"status {response.status}")
            latencies[index].append((time.perf_counter_ns() - began) / 1e6)

    def raw_writer(index):
        import datetime as dt

        import psycopg

        target = targets[(first + index) % len(targets)]
        with psycopg.connect(address, autocommit=True) as connection:
            wait_for(start)
            stop = start + seconds
            while (began := time.perf_counter_ns()) and time.time() < stop:
                # autocommit: the INSERT is its own transaction, committed
                connection.execute(
                    "INSERT INTO pharmacy_tankreading (tank_id, at, ln2_level_percent, temperature_c, source) "
                    "VALUES (%s, %s, 55.0, -190.0, 'probe')", [target["tank"], dt.datetime.now(dt.timezone.utc)])
                latencies[index].append((time.perf_counter_ns() - began) / 1e6)

    def chain_writer(index):
        """The journaled write's statements and nothing else: the reading, the journal head locked, the entry (its
        real place and hash in the chain), one commit."""
        import datetime as dt

        import psycopg
        from psycopg.types.json import Jsonb

        from cellrelay.journal.chain import entry_hash

        target = targets[(first + index) % len(targets)]
        with psycopg.connect(address, prepare_threshold=0) as connection:
            wait_for(start)
            stop = start + seconds
            while (began := time.perf_counter_ns()) and time.time() < stop:
                with connection.transaction():
                    reading = connection.execute(
                        "INSERT INTO pharmacy_tankreading (tank_id, at, ln2_level_percent, temperature_c, source) "
                        "VALUES (%s, %s, 55.0, -190.0, 'probe') RETURNING id",
                        [target["tank"], dt.datetime.now(dt.timezone.utc)]).fetchone()[0]
                    last_id, last_hash = connection.execute(
                        "SELECT last_id, last_hash FROM journal_journalhead WHERE id = 1 FOR UPDATE").fetchone()
                    at = dt.datetime.now(dt.timezone.utc)
                    entry = {"id": last_id + 1, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor_id": None,
                             "actor_label": "bench-chain", "action": "tank_reading",
                             "object_type": "pharmacy.tankreading", "object_id": str(reading),
                             "object_repr": f"Tank reading {reading}", "patient_id": None, "center_id": None,
                             "before": None, "after": {"ln2_level_percent": "55.0", "temperature_c": "-190.0"},
                             "request_id": "bench-chain"}
                    connection.execute(
                        f"INSERT INTO journal_journalentry ({', '.join(entry)}, prev_hash, hash) "
                        f"VALUES ({', '.join(['%s'] * (len(entry) + 2))})",
                        [*{**entry, "at": at, "after": Jsonb(entry["after"])}.values(), last_hash,
                         entry_hash(last_hash, entry)])
                latencies[index].append((time.perf_counter_ns() - began) / 1e6)

    writer = {"http": http_writer, "raw": raw_writer, "chain": chain_writer}[mode]
    workers = [threading.Thread(target=writer, args=(index,)) for index in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    times = os.times()
    return {"latencies_ms": [value for per_thread in latencies for value in per_thread],
            "cpu_s": times.user + times.system}


def wait_for(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def run_clients(mode: str, address: str, targets: list[dict], clients: int, seconds: float) -> dict:
    """``clients`` writers in processes of CLIENT_THREADS threads, started together; their rate and latencies."""
    start = time.time() + 1.5  # every process imported and connected before the clock starts
    processes, first = [], 0
    while first < clients:
        threads = min(CLIENT_THREADS, clients - first)
        processes.append(subprocess.Popen(
            [sys.executable, __file__, "--client", mode, address, json.dumps(targets), str(threads), repr(start),
             str(seconds), str(first)], stdout=subprocess.PIPE, text=True))
        first += threads
    outputs = []
    for process in processes:
        stdout, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f"a {mode} client failed")
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    latencies = sorted(value for output in outputs for value in output["latencies_ms"])
    return {"writes": len(latencies), "per_s": len(latencies) / seconds,
            "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "client_cpu_s": sum(output["cpu_s"] for output in outputs)}


def percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


# The measure ----------------------------------------------------------------------------------------------------

def fresh_database(name: str = DEFAULT_DATABASE) -> str:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return SERVER.rsplit("/", 1)[0] + "/" + name


def measure(database_url: str | None = None, *, clients: int = 16, seconds: float = 10, workers: int = 2,
            worker_class: str = "sync", threads: int = 1, centers: int = 1, patients: int = 300,
            raw: bool = True, profile: str = "", floor: bool = False, chain: bool = False) -> dict:
    """The journaled API write rate through gunicorn and the raw INSERT+COMMIT rate, in one run; with ``floor``, also
    the bare application's (``bare_insert_app.py``: the same request and server, only the INSERT+COMMIT); with
    ``chain``, the journaled write's statements alone from the same clients (no application): one journal chain's
    ceiling, its head locked from the entry to the commit's end."""
    made_here = not database_url
    database_url = database_url or fresh_database()
    try:
        return _measure(database_url, clients=clients, seconds=seconds, workers=workers, worker_class=worker_class,
                        threads=threads, centers=centers, patients=patients, raw=raw, profile=profile, floor=floor,
                        chain=chain)
    finally:
        if made_here:
            drop_database(database_url)


def drop_database(database_url: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {database_url.rsplit('/', 1)[1]} WITH (FORCE)")


def _measure(database_url: str, *, clients, seconds, workers, worker_class, threads, centers, patients, raw,
             profile, floor, chain) -> dict:
    prepared = subprocess.run([sys.executable, __file__, "--prepare", str(patients), str(centers)], cwd=ROOT,
                              env=django_environment(database_url), capture_output=True, text=True)
    if prepared.returncode:
        raise RuntimeError(prepared.stderr)
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    targets = setup["targets"]
    journaled = served(database_url, targets, clients=clients, seconds=seconds, workers=workers,
                       worker_class=worker_class, threads=threads, profile=profile)
    server_cpu, database_cpu = journaled["server_cpu_s"], journaled["database_cpu_s"]
    result = {
        "clients": clients, "seconds": seconds, "centers": centers,
        "server": f"gunicorn {workers} {worker_class} workers" + (f" × {threads} threads" if threads > 1 else ""),
        "journaled_per_s": journaled["per_s"], "journaled_p50_ms": journaled["p50_ms"],
        "journaled_p95_ms": journaled["p95_ms"], "server_cpu_s": server_cpu,
        "server_system_cpu_s": journaled["server_system_cpu_s"],  # the kernel's part: a connection per request (sync)
        "writes_per_server_cpu_s": journaled["writes"] / server_cpu if server_cpu else float("nan"),
        "server_cpu_ms_per_write": 1000 * server_cpu / journaled["writes"],
        "database_cpu_s": database_cpu,
        "database_cpu_ms_per_write": 1000 * database_cpu / journaled["writes"] if database_cpu is not None else None,
        "client_cpu_s": journaled["client_cpu_s"], "lock_waits": journaled["lock_waits"],
        "statements_per_write": setup["per_write"]["statements"], "commits_per_write": setup["per_write"]["commits"],
        "load_average": os.getloadavg(),
    }
    if floor:
        bare = served(database_url, targets, clients=clients, seconds=seconds, workers=workers,
                      worker_class=worker_class, threads=threads, app="benchmarks.bare_insert_app")
        result.update({"floor_per_s": bare["per_s"], "floor_p50_ms": bare["p50_ms"],
                       "floor_server_cpu_ms_per_write": 1000 * bare["server_cpu_s"] / bare["writes"],
                       "floor_database_cpu_ms_per_write": 1000 * bare["database_cpu_s"] / bare["writes"]
                       if bare["database_cpu_s"] is not None else None})
    if chain:
        appended = run_clients("chain", database_url, targets, clients, seconds)
        result.update({"chain_per_s": appended["per_s"], "chain_p50_ms": appended["p50_ms"]})
    if raw:
        inserted = run_clients("raw", database_url, targets, clients, seconds)
        result.update({"raw_per_s": inserted["per_s"], "raw_p50_ms": inserted["p50_ms"],
                       "raw_p95_ms": inserted["p95_ms"], "raw_client_cpu_s": inserted["client_cpu_s"],
                       "ratio": journaled["per_s"] / inserted["per_s"]})
        if floor:
            result["floor_ratio"] = result["floor_per_s"] / inserted["per_s"]
        if chain:
            result["chain_ratio"] = result["chain_per_s"] / inserted["per_s"]
    return result


def served(database_url: str, targets: list[dict], *, clients, seconds, workers, worker_class, threads,
           profile: str = "", app: str = "cellrelay.wsgi") -> dict:
    """The HTTP clients' run against gunicorn serving ``app``, with the CPU its workers and the database's backends
    spent meanwhile and the lock waits sampled."""
    port = free_port()
    server = start_gunicorn(database_url, port, workers, worker_class, threads, profile, app)
    try:
        wait_until_serving(port, targets[0])
        run_clients("http", str(port), targets, clients, 2)  # warm-up: every worker connected, imports done
        gunicorn_pids, backends = children(server.pid), backend_pids(database_url)
        server_before, backends_before = cpu_seconds(gunicorn_pids), cpu_seconds(backends)
        server_system_before = cpu_seconds(gunicorn_pids, system_only=True)
        waits = LockWaits(database_url)
        waits.start()
        run = run_clients("http", str(port), targets, clients, seconds)
        waits.stop.set()
        waits.join()
        server_cpu = cpu_seconds(gunicorn_pids) - server_before
        server_system_cpu = cpu_seconds(gunicorn_pids, system_only=True) - server_system_before
        backends_after = backend_pids(database_url)
        database_cpu = cpu_seconds(backends_after) - backends_before  # backends that did not change
    finally:
        server.terminate()
        server.wait(30)
    return {**run, "server_cpu_s": server_cpu, "server_system_cpu_s": server_system_cpu,
            "database_cpu_s": database_cpu if set(backends_after) == set(backends) else None,
            "lock_waits": waits.result()}


def main() -> int:
    if sys.argv[1:2] == ["--prepare"]:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(prepare(int(sys.argv[2]), int(sys.argv[3]))))
        return 0
    if sys.argv[1:2] == ["--client"]:
        sys.path.insert(0, str(ROOT))  # the chain's writers hash as the journal does (cellrelay.journal.chain)
        mode, address, targets, threads, start, seconds, first = sys.argv[2:9]
        print(json.dumps(client_process(mode, address, json.loads(targets), int(threads), float(start),
                                        float(seconds), int(first))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--centers", type=int, default=1)
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--no-raw", action="store_true")
    parser.add_argument("--profile", default="", help="a directory: cProfile each gunicorn worker's CPU into it")
    parser.add_argument("--floor", action="store_true",
                        help="also the bare application's rate: the same request and server, only the INSERT+COMMIT")
    parser.add_argument("--chain", action="store_true",
                        help="also the journaled write's statements alone from the same clients: one chain's ceiling")
    arguments = parser.parse_args()
    result = measure(arguments.database_url, clients=arguments.clients, seconds=arguments.seconds,
                     workers=arguments.workers, worker_class=arguments.worker_class, threads=arguments.threads,
                     centers=arguments.centers, patients=arguments.patients, raw=not arguments.no_raw,
                     profile=arguments.profile, floor=arguments.floor, chain=arguments.chain)
    for key, value in result.items():
        print(f"{key:28} {round(value, 2) if isinstance(value, float) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
