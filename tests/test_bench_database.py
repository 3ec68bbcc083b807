"""The cached benchmark database (benchmarks/database.py) is never served stale: its key follows what the data depends
on, and only that."""

import importlib.util
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "bench_database", Path(__file__).resolve().parent.parent / "benchmarks" / "database.py")
database = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(database)


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A small project: a demo room importing a rule module of another room, a migration, settings, and a view."""
    files = {
        "cellrelay/settings.py": "TIME_ZONE = 'Europe/Paris'\n",
        "cellrelay/demo/bulk.py": "from cellrelay.pathway import schedule\nfrom cellrelay.pathway.models import X\n",
        "cellrelay/pathway/schedule.py": "OFFSET = 1\n",
        "cellrelay/pathway/models.py": "X = 1\n",
        "cellrelay/pathway/migrations/0001_initial.py": "operations = []\n",
        "cellrelay/pathway/views.py": "def page(): ...\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(database, "ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize("changed", ["cellrelay/pathway/migrations/0001_initial.py", "cellrelay/demo/bulk.py",
                                     "cellrelay/pathway/schedule.py", "cellrelay/pathway/models.py",
                                     "cellrelay/settings.py"])
def test_the_key_changes_with_the_schema_the_generators_and_what_they_import(tree, changed):
    before = database.cache_key(seed=1)

    (tree / changed).write_text((tree / changed).read_text() + "# changed\n")

    assert database.cache_key(seed=1) != before


def test_the_key_stays_when_nothing_the_data_depends_on_changes(tree):
    before = database.cache_key(seed=1)

    (tree / "cellrelay/pathway/views.py").write_text("def page(): return 1\n")

    assert database.cache_key(seed=1) == before
    assert database.cache_key(seed=2) != before


def test_each_size_and_seed_has_its_own_template(tree):
    names = {database.template_name(engine, patients, seed) for engine in ("sqlite", "postgresql")
             for patients, seed in ((1000, 1), (2000, 1), (1000, 2))}
    assert len(names) == 6
    assert all(name.startswith(database.PREFIX) for name in names if not name.endswith(".sqlite3"))
