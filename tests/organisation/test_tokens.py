"""API tokens expire (90 days by default), are renewed on the profile page, and a machine's token acts as the
machine only."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation.models import ApiToken, Center, Membership
from cellrelay.organisation.permissions import Role
from cellrelay.organisation.services import create_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_new_token_expires_in_ninety_days_and_the_profile_says_when(client_as):
    client = client_as("coordinator")
    client.post("/profile/", {"name": "my script"})
    token = ApiToken.objects.get(user__username="coordinator", name="my script")
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    page = client.get("/profile/").content.decode()
    assert date_format(timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT") in page
    assert "Renew for 90 days" in page


def test_the_lifetime_is_a_setting(settings, users):
    settings.CELLRELAY_TOKEN_DAYS = 7
    token, _raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="short")
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)


def test_an_expired_token_is_refused_saying_so(users):
    token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = bearer(raw).get("/api/v1/me")
    assert refused.status_code == 401
    assert "expired" in refused.json()["message"] and "profile page" in refused.json()["message"]


def test_renewing_on_the_profile_opens_the_api_again(client_as, users):
    token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    page = client_as("coordinator")
    assert "expired" in page.get("/profile/").content.decode()

    renewed = page.post(f"/profile/tokens/{token.pk}/renew/", follow=True)
    assert "Token renewed" in renewed.content.decode()
    token.refresh_from_db()
    assert token.expires_at > timezone.now() + dt.timedelta(days=89)
    assert bearer(raw).get("/api/v1/me").status_code == 200
    entry = JournalEntry.objects.get(action=JournalEntry.Action.TOKEN_RENEWED)
    assert entry.actor == users["coordinator"] and entry.object_id == str(token.pk)


def test_nobody_renews_another_persons_token(client_as, users):
    token, _raw = create_token(actor=users["pharmacist"], user=users["pharmacist"], name="theirs")
    assert client_as("coordinator").post(f"/profile/tokens/{token.pk}/renew/").status_code == 404


def test_a_revoked_token_stays_revoked(client_as, users):
    token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="gone")
    page = client_as("coordinator")
    page.post(f"/profile/tokens/{token.pk}/revoke/")
    page.post(f"/profile/tokens/{token.pk}/renew/")
    assert bearer(raw).get("/api/v1/me").status_code == 401
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.TOKEN_RENEWED).exists()


def test_a_machine_token_acts_with_its_machine_role_only(org, users):
    """kite-system also holding a coordinator's role elsewhere: its token still may only report manufacturing."""
    machine = users["kite-system"]
    other = Center.objects.create(name="CHU Autre", short_name="Autre", kind=Center.Kind.TREATING)
    Membership.objects.create(user=machine, center=other, role=Role.COORDINATOR)
    _token, raw = create_token(actor=None, user=machine, name="kite")
    api = bearer(raw)

    assert api.get("/api/v1/me").status_code == 403  # the coordinator's role would allow it
    assert api.get("/api/v1/patients").status_code == 403
    assert api.get("/api/v1/manufacturer/products").status_code == 200


def test_last_used_is_written_at_most_once_a_minute(users):
    token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="busy")
    api = bearer(raw)
    api.get("/api/v1/me")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    api.get("/api/v1/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api.get("/api/v1/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_a_token_opens_the_api_until_its_last_second(users):
    # Expiry and "last used" are compared by the database (SQLite keeps the times as text): seconds count.
    token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="closing")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + dt.timedelta(seconds=5))
    assert bearer(raw).get("/api/v1/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(milliseconds=1))
    assert bearer(raw).get("/api/v1/me").status_code == 401


def test_the_token_of_a_deactivated_account_opens_nothing(users):
    _token, raw = create_token(actor=users["coordinator"], user=users["coordinator"], name="leaver")
    users["coordinator"].is_active = False
    users["coordinator"].save(update_fields=["is_active"])
    assert bearer(raw).get("/api/v1/me").status_code == 401
