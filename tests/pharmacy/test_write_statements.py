"""The journaled write path stays short (issue #14): a probe's reading posted with a bearer token is five statements
(the token's holder with their memberships, the tank, the reading, the journal's head and entry) and one commit, whatever the number of readings, alarms or journal entries before it. Counted outside any test
transaction (``transaction=True``), as a server runs it."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cellrelay.journal import services as journal
from cellrelay.journal.models import JournalEntry, JournalHead
from tests.pharmacy.helpers import tank_with_positions

pytestmark = pytest.mark.django_db(transaction=True)

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def posted(client, tank, level):
    """The statements of one reading posted, and the response."""
    body = json.dumps({"ln2_level_percent": level, "temperature_c": -190.0})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/api/v1/pharmacy/tanks/{tank.pk}/readings", data=body,
                               content_type="application/json")
    assert response.status_code == 201, response.content
    return [query["sql"] for query in queries.captured_queries], response.json()


def statements(sqls):
    return [sql for sql in sqls if not sql.upper().startswith(TRANSACTION_CONTROL)]


def test_a_probe_reading_is_five_statements_and_one_commit(api_as, org):
    tank = tank_with_positions(org)[0]
    probe = api_as("tank-probe")
    posted(probe, tank, 55.0)  # the token's first use writes its "last used"; the next ones within a minute do not
    for level in (12.0, 50.0, 60.0):  # an alarm and readings before it do not lengthen the next write
        posted(probe, tank, level)
    sqls, _body = posted(probe, tank, 55.0)
    assert len(statements(sqls)) <= 5, "\n".join(sqls)
    assert [sql for sql in sqls if sql.upper().startswith("COMMIT")] == ["COMMIT"]
    assert not [sql for sql in sqls if "apitoken" in sql and sql.startswith("UPDATE")]
    assert len([sql for sql in sqls if "organisation_membership" in sql]) == 1  # memberships read once
    assert not [sql for sql in sqls if "journal_journalhead" in sql and sql.startswith("UPDATE")]  # the INSERT moves it


def test_the_alarms_raised_are_answered_without_querying_them_again(api_as, org):
    tank = tank_with_positions(org)[0]  # LN2 at least 30 %
    sqls, body = posted(api_as("tank-probe"), tank, 12.0)
    assert [alarm["kind"] for alarm in body["alarms"]] == ["level"]
    assert not [sql for sql in sqls if sql.startswith("SELECT") and "pharmacy_storagealarm" in sql]


def test_the_head_follows_every_entry_and_the_chain_holds(api_as, org):
    tank = tank_with_positions(org)[0]
    probe = api_as("tank-probe")
    for level in (55.0, 12.0, 56.0):
        posted(probe, tank, level)
    last = JournalEntry.objects.order_by("-id").first()
    head = JournalHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (last.id, last.hash)
    assert journal.verify() is None
