"""Permission review: an administrator grants roles at their own centers; elsewhere only a referring physician of a
referring hospital. Every grant is journaled with who granted it."""

import pytest
from django.core.exceptions import ValidationError

from cellrelay.journal.models import JournalEntry
from cellrelay.organisation import services
from cellrelay.organisation.models import Center, Membership, User
from cellrelay.organisation.permissions import Role, may_grant

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Relais-cellulaire-2027"


def staff_form(center, role, username="newcomer"):
    return {"username": username, "first_name": "Nora", "last_name": "Vidal", "email": "", "center": center.pk,
            "role": role, "password": NEW_PASSWORD}


def test_an_administrator_grants_a_clinical_role_at_their_own_center(client_as, org, users):
    added = client_as("admin").post("/staff/new/", staff_form(org["treating"], Role.HAEMATOLOGIST))
    assert added.status_code == 302
    membership = Membership.objects.get(user__username="newcomer")
    assert (membership.center, membership.role) == (org["treating"], Role.HAEMATOLOGIST)
    entry = JournalEntry.objects.get(action=JournalEntry.Action.STAFF_ADDED, object_id=str(membership.pk))
    assert entry.actor == users["admin"]
    assert entry.after["granted_by"] == "admin" and entry.after["role"] == Role.HAEMATOLOGIST
    assert entry.center_id == org["treating"].pk


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.HAEMATOLOGIST, Role.ADMINISTRATOR, Role.PHARMACIST])
def test_no_clinical_or_administrative_role_at_a_referring_hospital(client_as, org, role):
    refused = client_as("admin").post("/staff/new/", staff_form(org["referring"][0], role))
    assert refused.status_code == 200
    assert "only add a referring physician" in refused.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    assert not JournalEntry.objects.filter(action=JournalEntry.Action.STAFF_ADDED).exists()


def test_a_referring_physician_at_a_referring_hospital_is_allowed(client_as, org):
    assert client_as("admin").post("/staff/new/", staff_form(org["referring"][0], Role.REFERRING_PHYSICIAN)
                                   ).status_code == 302
    assert Membership.objects.get(user__username="newcomer").role == Role.REFERRING_PHYSICIAN


def test_the_api_refuses_the_same(api_as, org):
    body = {"username": "newcomer", "first_name": "Nora", "last_name": "Vidal", "center_id": org["referring"][0].pk,
            "role": Role.COORDINATOR, "password": NEW_PASSWORD}
    refused = api_as("admin").post("/api/v1/staff", body, content_type="application/json")
    assert refused.status_code == 422 and "referring physician" in str(refused.json()["errors"])
    assert not User.objects.filter(username="newcomer").exists()


def test_an_administrator_of_another_center_cannot_grant_here(org):
    """The service itself checks, whatever page or endpoint calls it."""
    elsewhere = Center.objects.create(name="CHU d'Ailleurs", short_name="Ailleurs", kind=Center.Kind.TREATING)
    foreign_admin = User.objects.create_user("foreign-admin", password=NEW_PASSWORD)
    Membership.objects.create(user=foreign_admin, center=elsewhere, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError):
        services.add_staff_member(actor=foreign_admin, center=org["treating"], username="intruder", first_name="I",
                                  last_name="N", role=Role.COORDINATOR, password=NEW_PASSWORD)
    assert not User.objects.filter(username="intruder").exists()


def test_the_rule():
    assert all(may_grant(role, at_own_center=True, at_referring_hospital=False) for role in Role)
    assert [role for role in Role if may_grant(role, at_own_center=False, at_referring_hospital=True)] == [
        Role.REFERRING_PHYSICIAN]
    assert not any(may_grant(role, at_own_center=False, at_referring_hospital=False) for role in Role)
