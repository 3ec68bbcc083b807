"""A user's memberships, read once per request with their centers in one written-out statement (issue #14), are the
ORM's: the same rows, every field of the membership and of its center."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cellrelay.organisation import access
from cellrelay.organisation.models import Membership, User

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


@pytest.mark.parametrize("username", ["coordinator", "pharmacist", "tank-probe", "outsider"])
def test_the_memberships_and_their_centers_are_the_orms(org, outsider, username):
    user = User.objects.get(username=username)
    expected = sorted(Membership.objects.filter(user=user).select_related("center"), key=lambda m: m.pk)
    with CaptureQueriesContext(connection) as queries:
        found = sorted(access.memberships(user), key=lambda m: m.pk)
        names = [m.center.name for m in found]  # the centers came with them
    assert len(queries) == 1
    assert expected and [fields(m) for m in found] == [fields(m) for m in expected]
    assert [fields(m.center) for m in found] == [fields(m.center) for m in expected]
    assert names == [m.center.name for m in expected]


def test_an_inactive_user_has_none(org):
    user = User.objects.get(username="pharmacist")
    user.is_active = False
    assert access.memberships(user) == []


@pytest.mark.parametrize("username", ["coordinator", "tank-probe", "outsider"])
def test_a_tokens_holder_comes_with_their_memberships_in_one_statement(org, outsider, username):
    """The holder is the ORM's user (booleans and times too: SQLite keeps them as numbers and text), the memberships
    come with them, and asking for them again reads nothing."""
    from cellrelay.organisation.services import create_token, user_for_token

    user = User.objects.get(username=username)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    _token, raw = create_token(actor=None, user=user, name="one statement")
    user_for_token(raw)  # the first use writes "last used"; the next one within a minute does not
    with CaptureQueriesContext(connection) as queries:
        holder = user_for_token(raw)
        found = sorted(access.memberships(holder), key=lambda m: m.pk)
        names = [m.center.name for m in found]
    assert len(queries) == 1
    assert fields(holder) == fields(User.objects.get(pk=user.pk)) and holder.is_active is True
    expected = sorted(Membership.objects.filter(user=user).select_related("center"), key=lambda m: m.pk)
    assert [fields(m) for m in found] == [fields(m) for m in expected]
    assert names == [m.center.name for m in expected]


def test_a_tokens_holder_without_any_role_has_no_membership(org):
    from cellrelay.organisation.services import create_token, user_for_token

    user = User.objects.create_user("no-role", password="a long enough password")
    _token, raw = create_token(actor=None, user=user, name="nothing")
    holder = user_for_token(raw)
    assert holder.pk == user.pk and access.memberships(holder) == []
