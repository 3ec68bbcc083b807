"""``written_out.insert`` stores a row as ``Model.objects.create`` does: the same values read back (decimals, times,
JSON, an empty link), the key made by the database or given; ``written_out.columns`` reads one back as the ORM."""

import datetime as dt
from decimal import Decimal

import pytest

from django.db import connection

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import User
from cellrelay.pharmacy.models import Tank, TankReading
from cellrelay.written_out import columns, insert
from tests.pharmacy.helpers import tank_with_positions

pytestmark = pytest.mark.django_db


def stored(instance) -> dict:
    row = type(instance).objects.get(pk=instance.pk)
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields if not field.primary_key}


def test_a_reading_reads_back_as_the_orms(org):
    tank = tank_with_positions(org)[0]
    values = dict(tank=tank, ln2_level_percent=Decimal("55.5"), temperature_c=Decimal("-190.2"), recorded_by=None,
                  source=TankReading.Source.PROBE)
    ours, theirs = insert(TankReading(**values)), TankReading.objects.create(**values)
    assert ours.pk and ours.pk != theirs.pk and not ours._state.adding
    mine, orm = stored(ours), stored(theirs)
    assert mine.pop("at") <= orm.pop("at") and mine == orm
    assert mine["ln2_level_percent"] == Decimal("55.5") and mine["recorded_by_id"] is None


def test_a_journal_entry_with_its_key_and_json_reads_back_as_given(org):
    at = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.timezone.utc)
    entry = JournalEntry(id=987654, at=at, actor=None, actor_label="probe", action=JournalEntry.Action.TANK_READING,
                         object_type="pharmacy.tankreading", object_id="1", object_repr="é ü", patient_id=None,
                         center_id=3, before=None, after={"level": "55.0", "list": [1, None, "x"]},
                         request_id="r-1", prev_hash="0" * 64, hash="f" * 64)
    insert(entry)
    row = JournalEntry.objects.get(pk=987654)
    assert row.chained_fields() == entry.chained_fields() and (row.prev_hash, row.hash) == (entry.prev_hash, entry.hash)
    assert row.after == {"level": "55.0", "list": [1, None, "x"]} and row.before is None


def test_columns_read_back_a_row_as_the_orm_does(org):
    """Decimals, booleans and times (SQLite keeps them as text and numbers), converted as the ORM converts them."""
    tank = tank_with_positions(org)[0]
    user = User.objects.get(username="pharmacist")
    User.objects.filter(pk=user.pk).update(last_login=dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone.utc))
    for model, key in ((Tank, tank.pk), (User, user.pk)):
        read = columns(model, "x", connection)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {read.sql} FROM {model._meta.db_table} x WHERE x.id = %s", [key])
            ours = read.instance(cursor.fetchone())
        theirs = model.objects.get(pk=key)
        assert not ours._state.adding and ours._state.db == "default"
        assert {f.attname: getattr(ours, f.attname) for f in model._meta.concrete_fields} == {
            f.attname: getattr(theirs, f.attname) for f in model._meta.concrete_fields}
    assert ours.is_active is True and ours.last_login == dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone.utc)


def test_on_postgresql_the_written_out_statements_are_prepared_and_the_orms_are_not(org):
    """Prepared once per connection, the journaled write's few statements; never the ORM's, whose plans a kept
    generic plan can make many times slower (docs/scale.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    tank = tank_with_positions(org)[0]
    insert(TankReading(tank=tank, ln2_level_percent=Decimal("55.5"), temperature_c=Decimal("-190.2"),
                       source=TankReading.Source.PROBE))
    list(TankReading.objects.filter(tank=tank))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(statement.startswith('INSERT INTO "pharmacy_tankreading"') for statement in prepared)
    assert not any(statement.startswith("SELECT") and "pharmacy_tankreading" in statement for statement in prepared)


@pytest.mark.django_db
def test_on_postgresql_the_web_queries_start_no_parallel_workers():
    """A page's short reads under a LIMIT are not planned with parallel workers, whose start cost more than the work
    (settings: ``max_parallel_workers_per_gather`` 0 on the application's connections)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
