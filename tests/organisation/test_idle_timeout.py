"""A session idle longer than CELLRELAY_IDLE_MINUTES is signed out; activity keeps it, written at most once a
minute. Idleness is simulated by moving the session's last activity back, never by waiting."""

import time

import pytest

from cellrelay.organisation.middleware import LAST_ACTIVITY

pytestmark = pytest.mark.django_db


def idle_for(client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_too_long_is_signed_out(client_as):
    client = client_as("coordinator")
    assert client.get("/patients/").status_code == 200
    idle_for(client, 31 * 60)

    sent = client.get("/patients/?q=martin")
    assert sent.status_code == 302 and sent["Location"] == "/login/?next=%2Fpatients%2F%3Fq%3Dmartin"
    login = client.get(sent["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in login
    assert client.get("/patients/")["Location"].startswith("/login/")  # signed out, not just redirected once


def test_activity_keeps_the_session(client_as):
    client = client_as("coordinator")
    client.get("/patients/")
    idle_for(client, 29 * 60)
    assert client.get("/patients/").status_code == 200
    assert time.time() - client.session[LAST_ACTIVITY] < 60  # refreshed by that request


def test_activity_is_written_at_most_once_a_minute(client_as):
    client = client_as("coordinator")
    client.get("/patients/")
    idle_for(client, 10)
    stamp = client.session[LAST_ACTIVITY]
    client.get("/patients/")
    assert client.session[LAST_ACTIVITY] == stamp


def test_the_idle_time_is_a_setting(settings, client_as):
    settings.CELLRELAY_IDLE_MINUTES = 5
    client = client_as("coordinator")
    client.get("/patients/")
    idle_for(client, 6 * 60)
    assert client.get("/patients/")["Location"].startswith("/login/")


def test_an_idle_session_no_longer_opens_the_api(client_as):
    client = client_as("coordinator")
    assert client.get("/api/v1/me").status_code == 200
    idle_for(client, 31 * 60)
    assert client.get("/api/v1/me").status_code == 401


def test_the_message_speaks_french(client_as):
    client = client_as("coordinator", language="fr")
    client.get("/patients/")
    idle_for(client, 31 * 60)
    login = client.get("/patients/", follow=True).content.decode()
    assert "déconnecté après 30 minutes" in login
