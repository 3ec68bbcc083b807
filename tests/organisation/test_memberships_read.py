"""A user's memberships, read once per request with their centers in one written-out statement (issue #14), are the
ORM's: the same rows, every field of the membership and of its center."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
