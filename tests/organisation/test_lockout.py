"""Lockout after repeated wrong passwords (django-axes), through the real login form.

Five failures for one username, or from one address, lock it: the right password is then refused, until the
cool-off passes (simulated by moving the failures back in time) or an administrator unlocks it.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client

from cellrelay.journal.models import JournalEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(username: str, times: int = 5, address: str = "127.0.0.1") -> None:
    client = Client()
    for _n in range(times):
        assert attempt(client, username, "not-the-password", address).status_code in (200, 429)  # 429: now locked


def test_the_right_password_after_five_wrong_ones_does_not_sign_in(users):
    fail("coordinator")
    client = Client()
    refused = attempt(client, "coordinator", PASSWORD)
    assert refused.status_code == 429
    assert "Signing in is locked" in refused.content.decode()
    assert "15 minutes" in refused.content.decode()
    assert not signed_in(client)
    assert client.get("/patients/")["Location"].startswith("/login/")


def test_four_wrong_passwords_do_not_lock(users):
    fail("coordinator", times=4)
    client = Client()
    assert attempt(client, "coordinator", PASSWORD).status_code == 302 and signed_in(client)


def test_an_account_is_locked_whatever_the_address(users):
    for n in range(5):
        fail("haematologist", times=1, address=f"10.0.0.{n + 1}")
    client = Client()
    assert attempt(client, "haematologist", PASSWORD, address="10.0.0.99").status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_whatever_the_account(users):
    for username in ("coordinator", "pharmacist", "nobody", "icu", "research"):
        fail(username, times=1, address="10.1.1.1")
    locked = Client()
    assert attempt(locked, "neurologist", PASSWORD, address="10.1.1.1").status_code == 429
    assert not signed_in(locked)
    elsewhere = Client()  # the same person at another computer: their account has no failure of its own
    assert attempt(elsewhere, "neurologist", PASSWORD, address="10.2.2.2").status_code == 302
    assert signed_in(elsewhere)


def test_a_lockout_is_journaled_once(users):
    fail("coordinator", times=7)
    entries = JournalEntry.objects.filter(action=JournalEntry.Action.LOGIN_LOCKED_OUT)
    assert entries.count() == 1
    assert entries.get().after == {"username": "coordinator", "address": "127.0.0.1"}


def test_the_lock_lifts_after_the_cool_off(settings, users):
    fail("coordinator")
    client = Client()
    assert attempt(client, "coordinator", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.timezone.utc) - settings.AXES_COOLOFF_TIME
                                 - dt.timedelta(seconds=1))
    assert attempt(client, "coordinator", PASSWORD).status_code == 302 and signed_in(client)


def test_an_administrator_unlocks(client_as, users):
    fail("coordinator")
    admin = client_as("admin")
    page = admin.get("/staff/lockouts/").content.decode()
    assert "coordinator" in page and "127.0.0.1" in page

    assert admin.post("/staff/lockouts/", {"username": "coordinator"}).status_code == 302
    assert admin.post("/staff/lockouts/", {"address": "127.0.0.1"}).status_code == 302
    unlocked = JournalEntry.objects.filter(action=JournalEntry.Action.LOGIN_UNLOCKED)
    assert [(e.actor, e.after["username"] or e.after["address"]) for e in unlocked] == [
        (users["admin"], "coordinator"), (users["admin"], "127.0.0.1")]
    assert "No username is locked." in admin.get("/staff/lockouts/").content.decode()

    client = Client()
    assert attempt(client, "coordinator", PASSWORD).status_code == 302 and signed_in(client)


def test_only_staff_managers_see_the_lockouts(client_as):
    assert client_as("coordinator").get("/staff/lockouts/").status_code == 403


def test_the_locked_page_speaks_french(users):
    fail("coordinator")
    refused = attempt(Client(HTTP_ACCEPT_LANGUAGE="fr"), "coordinator", PASSWORD)
    assert refused.status_code == 429 and "Connexion bloquée" in refused.content.decode()
