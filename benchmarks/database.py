"""A large benchmark database built once and kept: `prepared("sqlite"|"postgresql", patients, seed)` (issue #14).

The build is migrate, the demo organisation, then `seed_synthetic` (about 0.75 episode a patient: seed 1 gives
294,978 episodes from 394,000 patients, the size built for the issue's 300,000; 401,000 would pass 300,000). It is kept as a template under a key that hashes what the data depends
on (the migrations, the demo room, what the demo room imports from the other rooms, the settings), so that a changed
schema or generator never serves a stale database:
- SQLite: `<repo>/.bench-cache/bench_<patients>_<seed>_<key>.sqlite3`, and each run works on a copy of the file;
- PostgreSQL: the template database `cellrelay_bench_<patients>_<seed>_<key>` (no connections allowed), from which
  each run makes its own with `CREATE DATABASE ... TEMPLATE ... STRATEGY FILE_COPY` (a file copy on the server,
  not the default WAL_LOG, which would write the whole database to the WAL).
Older templates of the same size and seed are removed when a new one is built.

    python benchmarks/database.py --engine sqlite --patients 394000 [--seed 1] [--rebuild]

prints the build's time and rate, or says that the cache is used. Each build runs in a process of its own, so that the
caller's Django settings stay as they are.
"""

import argparse
import hashlib
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
PREFIX = "cellrelay_bench"
KEY_LENGTH = 12
# The default size, for the 300,000 episodes: seed 1 gave 0.749 episode a patient at 394,000 patients.
PATIENTS_FOR_300K_EPISODES = 401_000


def sources() -> list[Path]:
    """The files the built database depends on: every migration, the demo room, the modules it imports from the other
    rooms (directly), and the settings."""
    package = ROOT / "cellrelay"
    demo = sorted((package / "demo").rglob("*.py"))
    imported = set()
    for path in demo:
        for dotted in re.findall(r"^\s*(?:from|import) (cellrelay(?:\.\w+)+)", path.read_text(), re.MULTILINE):
            parts = dotted.split(".")
            for candidate in (ROOT.joinpath(*parts).with_suffix(".py"), ROOT.joinpath(*parts, "__init__.py")):
                if candidate.exists():
                    imported.add(candidate)
        for room, names in re.findall(r"^\s*from (cellrelay\.\w+) import ([\w, ]+)", path.read_text(), re.MULTILINE):
            for name in (n.strip().split(" as ")[0] for n in names.split(",")):
                module = ROOT.joinpath(*room.split("."), f"{name}.py")
                if module.exists():
                    imported.add(module)
    migrations = sorted(package.glob("*/migrations/*.py"))
    return sorted(set(demo) | imported | set(migrations) | {package / "settings.py"})


def cache_key(seed: int) -> str:
    digest = hashlib.sha256(f"seed {seed}\n".encode())
    for path in sources():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:KEY_LENGTH]


def template_name(engine: str, patients: int, seed: int) -> str:
    """The SQLite file or PostgreSQL template database of that size and seed, as the sources are today."""
    stem = f"{patients}_{seed}_{cache_key(seed)}"
    return str(CACHE / f"bench_{stem}.sqlite3") if engine == "sqlite" else f"{PREFIX}_{stem}"


def prepared(engine: str, patients: int, seed: int = 1, copy: str | None = None) -> str:
    """A database of the demo organisation and `patients` synthetic patients of `seed`, for a run to use and change:
    a copy of the cached template (built first if missing). Returns a DATABASE_URL; `copy` names the copy (a file
    path for SQLite, a database name for PostgreSQL; by default one per process, replaced if it exists)."""
    template = template_name(engine, patients, seed)
    if not _exists(engine, template):
        build(engine, patients, seed)
    if engine == "sqlite":
        target = Path(copy or CACHE / f"run_{os.getpid()}.sqlite3")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    target = copy or f"{PREFIX}_run_{os.getpid()}"
    _postgres(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)',
              f'CREATE DATABASE "{target}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    return f"{SERVER}/{target}"


def discard(url: str) -> None:
    """Remove a copy made by `prepared`; never a template."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if Path(path).name.startswith("bench_"):
            raise ValueError(f"{path} is a template")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    if not name.startswith(f"{PREFIX}_run_") and not name.startswith("cr_"):
        raise ValueError(f"{name} is not a copy made by prepared()")
    _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build(engine: str, patients: int, seed: int) -> dict:
    """Build the template (in a child process, under a temporary name renamed once complete), removing the older
    templates of that size and seed. Returns the child's timings."""
    template = template_name(engine, patients, seed)
    building = f"{template}.building" if engine == "sqlite" else f"{template}_building"
    if engine == "sqlite":
        CACHE.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{building}"
    else:
        _postgres(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)', f'CREATE DATABASE "{building}"')
        url = f"{SERVER}/{building}"
    started = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, "--fill", url, "--engine", engine, "--patients", str(patients),
                            "--seed", str(seed)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True)
    if child.returncode:
        sys.stderr.write(child.stdout + child.stderr)
        raise RuntimeError(f"building {template} failed")
    timings = dict(line.split("=", 1) for line in child.stdout.split() if "=" in line)
    _remove_older(engine, patients, seed)
    if engine == "sqlite":
        os.replace(building, template)
    else:
        _postgres(f'ALTER DATABASE "{building}" RENAME TO "{template}"',
                  f'ALTER DATABASE "{template}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false')
    timings["total_s"] = f"{time.perf_counter() - started:.1f}"
    timings["built_at"] = time.strftime("%Y-%m-%d %H:%M")
    _record_path(engine, patients, seed).write_text(json.dumps(timings))
    return timings


def build_record(engine: str, patients: int, seed: int) -> dict:
    """The timings of the cached database's build (seeding rate, total time, when), or {} when not recorded."""
    path = _record_path(engine, patients, seed)
    return json.loads(path.read_text()) if path.exists() else {}


def _record_path(engine: str, patients: int, seed: int) -> Path:
    CACHE.mkdir(exist_ok=True)
    return CACHE / f"{engine}_{patients}_{seed}_{cache_key(seed)}.json"


def setup_django(url: str) -> None:
    """Django set up on the database ``url`` names (sqlite:///path, or PostgreSQL's), once per process."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "cellrelay.settings"
    if url.startswith("sqlite:///"):
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = url.removeprefix("sqlite:///")
    else:
        os.environ["DATABASE_URL"] = url
    import django

    django.setup()


def _fill(url: str, patients: int, seed: int) -> None:
    """In the child process: migrate, the demo organisation, the patients; timings on stdout as name=value."""
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from cellrelay.demo import bulk, hospital

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    hospital.build_organisation()
    prepared_at = time.perf_counter()
    summary = bulk.seed_synthetic(patients, seed, batch_size=2000)
    seeded_at = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's statistics and the visibility map, copied with the template: a database in service is
            # vacuumed by autovacuum, and without the map an index-only scan still reads every row's table page.
            cursor.execute("VACUUM (ANALYZE)")
            episodes = cursor.execute("SELECT count(*) FROM pathway_episode").fetchone()[0]
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file alone is the database, ready to copy
            episodes = cursor.execute("SELECT count(*) FROM pathway_episode").fetchone()[0]
    connection.close()
    seconds = seeded_at - prepared_at
    print(f"migrate_and_organisation_s={prepared_at - started:.1f} seed_s={seconds:.1f} "
          f"patients_per_s={patients / seconds:.0f} episodes={episodes} finish_s={time.perf_counter() - seeded_at:.1f}")
    print(summary.replace(" ", "_"), file=sys.stderr)


def _exists(engine: str, template: str) -> bool:
    if engine == "sqlite":
        return Path(template).exists()
    return bool(_postgres("SELECT 1 FROM pg_database WHERE datname = %s", params=[template]))


def _remove_older(engine: str, patients: int, seed: int) -> None:
    """Templates of that size and seed under another key: stale, and each several gigabytes."""
    stem = f"{patients}_{seed}_"
    if engine == "sqlite":
        for path in CACHE.glob(f"bench_{stem}*.sqlite3"):
            path.unlink()
        return
    for (name,) in _postgres("SELECT datname FROM pg_database WHERE datname LIKE %s",
                             params=[f"{PREFIX}_{stem}%"]):
        if not name.endswith("_building"):
            _postgres(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE false', f'DROP DATABASE "{name}" WITH (FORCE)')


def _postgres(*statements: str, params: list | None = None) -> list[tuple]:
    """Statements on the server's maintenance database, outside any transaction (CREATE and DROP DATABASE need it);
    the rows of the last."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        rows = []
        for statement in statements:
            cursor = connection.execute(statement, params)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--patients", type=int, default=PATIENTS_FOR_300K_EPISODES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="Build again even if the cache is there.")
    parser.add_argument("--fill", help=argparse.SUPPRESS)  # the child process's database
    args = parser.parse_args()
    if args.fill:
        _fill(args.fill, args.patients, args.seed)
        return 0
    template = template_name(args.engine, args.patients, args.seed)
    if _exists(args.engine, template) and not args.rebuild:
        print(f"cached: {template}")
        return 0
    timings = build(args.engine, args.patients, args.seed)
    seed_s = float(timings["seed_s"])
    print(f"built {template}: {int(timings['episodes']):,} episodes from {args.patients:,} patients; seeding "
          f"{seed_s:.0f} s ({args.patients / seed_s:,.0f} patients/s), migrate and organisation "
          f"{timings['migrate_and_organisation_s']} s, finishing {timings['finish_s']} s, total {timings['total_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
