"""The administrators' journal page: filters by patient, user and date; only their centers."""

import datetime as dt

import pytest
from django.utils import timezone

from cellrelay.organisation.models import Center, Membership, User
from cellrelay.organisation.permissions import Role
from tests.conftest import PASSWORD, register

pytestmark = pytest.mark.django_db


def shown(client, **filters):
    page = client.get("/journal/", filters)
    assert page.status_code == 200
    return list(page.context["page"].object_list)


def test_filter_by_patient_and_user(client_as, org, patient, referred_patient, users):
    client = client_as("admin")
    client_as("pharmacist").get(f"/patients/{patient.pk}/")
    by_patient = shown(client, patient=referred_patient.pk)
    assert by_patient and all(e.patient_id == referred_patient.pk for e in by_patient)
    by_user = shown(client, user=users["pharmacist"].pk)
    assert [(e.action, e.patient_id) for e in by_user] == [("patient.read", patient.pk)]


def test_filter_by_date(client_as, patient):
    client = client_as("admin")
    today = timezone.localdate()
    assert shown(client, date_from=today.isoformat(), date_to=today.isoformat())
    assert shown(client, date_to=(today - dt.timedelta(days=1)).isoformat()) == []


def test_an_administrator_elsewhere_sees_nothing_of_this_center(org, patient, client):
    elsewhere = Center.objects.create(name="CHU d'Ailleurs", short_name="Ailleurs", kind=Center.Kind.TREATING)
    admin = User.objects.create_user("admin2", password=PASSWORD)
    Membership.objects.create(user=admin, center=elsewhere, role=Role.ADMINISTRATOR)
    client.force_login(admin)
    assert [e for e in shown(client) if e.patient_id] == []


def test_the_journal_page_is_for_administrators(client_as, org):
    assert client_as("coordinator").get("/journal/").status_code == 403
