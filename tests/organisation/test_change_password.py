"""Changing one's own password: the old one first, the password rules, journaled, and still signed in."""

import pytest

from cellrelay.journal.models import JournalEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "Relais-cellulaire-2027"


def change(client, old: str, new: str, again: str | None = None):
    return client.post("/profile/password/", {"old_password": old, "new_password1": new,
                                              "new_password2": again if again is not None else new})


def test_the_profile_links_to_the_page(client_as):
    assert 'href="/profile/password/"' in client_as("coordinator").get("/profile/").content.decode()


def test_changing_the_password_keeps_the_session(client_as, users):
    client = client_as("coordinator")
    changed = change(client, PASSWORD, NEW)
    assert changed.status_code == 302 and changed["Location"] == "/profile/"
    assert client.get("/profile/").status_code == 200  # still signed in
    users["coordinator"].refresh_from_db()
    assert users["coordinator"].check_password(NEW)
    entry = JournalEntry.objects.get(action=JournalEntry.Action.PASSWORD_CHANGED)
    assert entry.actor == users["coordinator"]
    assert NEW not in str(entry.after)


@pytest.mark.parametrize("old, new, again, says", [
    ("wrong-old-password", NEW, NEW, "Your old password was entered incorrectly"),
    (PASSWORD, "short1", "short1", "too short"),
    (PASSWORD, "password123", "password123", "too common"),
    (PASSWORD, NEW, NEW + "x", "didn’t match"),
])
def test_a_refused_change_keeps_the_old_password(client_as, users, old, new, again, says):
    client = client_as("coordinator")
    refused = change(client, old, new, again)
    assert refused.status_code == 200 and says in refused.content.decode()
    users["coordinator"].refresh_from_db()
    assert users["coordinator"].check_password(PASSWORD)
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.PASSWORD_CHANGED).exists()


def test_the_page_speaks_french(client_as):
    page = client_as("coordinator", language="fr").get("/profile/password/").content.decode()
    assert "Changer mon mot de passe" in page and "Ancien mot de passe" in page
