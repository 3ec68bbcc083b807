"""The one place that says what a user may do, and where.

Every page and endpoint names the action it performs; ``require`` checks the permission table
(`permissions.py`) against the user's roles at their centers. Patients are reached through the room
that keeps them (``cellrelay.patients.access``: scoping, ``reach``), which builds on these checks.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import QuerySet

from cellrelay.apiutil import documented_errors
from cellrelay.written_out import columns, kept_on, prepared_cursor

from .permissions import Action, Role, role_allows


def memberships(user) -> list:
    """The user's memberships, read once per user object (one request)."""
    if not user.is_authenticated or not user.is_active:
        return []
    if not hasattr(user, "_cellrelay_memberships"):
        user._cellrelay_memberships = _memberships_with_centers(user.pk)
    return user._cellrelay_memberships


def _memberships_with_centers(user_id: int) -> list:
    """``user.memberships.select_related("center")``, written out (``memberships_read``): every request that checks a
    permission runs it, and the ORM spent more CPU compiling it than the database spends answering it (issue #14)."""
    from .models import Membership

    connection = connections[Membership.objects.db]
    read = memberships_read(connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(f"SELECT {read.sql} FROM {read.joins} WHERE m.{read.user_column} = %s", [user_id])
        return read.memberships(cursor.fetchall())


def memberships_read(connection) -> "MembershipsRead":
    return kept_on(connection, MembershipsRead, lambda: MembershipsRead(connection))


class MembershipsRead:
    """The memberships with their centers as the columns of a written-out statement: ``sql`` lists them, ``joins``
    is the FROM part (memberships ``m``, centers ``c``; ``m.<user_column>`` the user's key), and ``memberships(rows)``
    makes them from the rows' last ``width`` values (a row without a membership, from an outer join, makes none).
    A bearer token's holder is read with them in one statement (``services.user_for_token``)."""

    def __init__(self, connection):
        from .models import Center, Membership

        quote = connection.ops.quote_name
        self.membership, self.center = columns(Membership, "m", connection), columns(Center, "c", connection)
        self.sql, self.width = f"{self.membership.sql}, {self.center.sql}", self.membership.width + self.center.width
        self.user_column = quote(Membership._meta.get_field("user").column)
        self.joins = (f"{quote(Membership._meta.db_table)} m JOIN {quote(Center._meta.db_table)} c "
                      f"ON c.{quote(Center._meta.pk.column)} = m.{quote(Membership._meta.get_field('center').column)}")

    def memberships(self, rows) -> list:
        from .models import Membership

        found, split = [], self.membership.width
        for row in rows:
            values = row[-self.width:]
            if values[0] is None:  # no membership (the user has none)
                continue
            membership, center = self.membership.instance(values[:split]), self.center.instance(values[split:])
            Membership.center.field.set_cached_value(membership, center)
            found.append(membership)
        return found


def limit_memberships(user, kept: list) -> None:
    """For this request, the user acts with these memberships only: those read with their token's holder, or a
    machine account's machine role."""
    user._cellrelay_memberships = list(kept)


def memberships_allowing(user, action: Action) -> list:
    return [m for m in memberships(user) if role_allows(m.role, action)]


def can(user, action: Action, center_id: int | None = None) -> bool:
    """Whether the user may perform the action at all, or at the given center."""
    return any(center_id is None or m.center_id == center_id for m in memberships_allowing(user, action))


def require(user, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied(action.value)


def allowed_actions(user) -> set[str]:
    return {action.value for action in Action if can(user, action)}


def roles_allowed(action: Action) -> list[Role]:
    """The roles the permission table allows the action, in the table's order."""
    return [role for role in Role if role_allows(role, action)]


def users_allowed(action: Action, center_id: int) -> QuerySet:
    """Active users whose role at this center allows the action: e.g. who may sign a two-person verification of
    a patient of that center. The same rule as ``can(user, action, center_id)``, as a query."""
    from .models import User

    return User.objects.filter(is_active=True, memberships__center_id=center_id,
                               memberships__role__in=[role.value for role in roles_allowed(action)]).distinct()


def centers_for(user, action: Action) -> list[int]:
    return [m.center_id for m in memberships_allowing(user, action)]


def guarded(route, path: str, action: Action, **options):
    """Endpoint decorator (the API's ``requires``): declare an endpoint of a router that needs ``action``; the action
    is published in the OpenAPI spec too."""

    def decorate(endpoint):
        @wraps(endpoint)
        def checked(request, *args, **kwargs):
            require(request.user, action)
            return endpoint(request, *args, **kwargs)

        extra = {**options.pop("openapi_extra", {}), "x-required-action": action.value}
        # Every endpoint declares its answer (``response=``); the spec adds the errors it can answer.
        options["response"] = documented_errors(options["response"], endpoint, method=route.__name__, path=path)
        return route(path, openapi_extra=extra, **options)(checked)

    return decorate


def requires(action: Action):
    """Page decorator: signed in, and allowed the action somewhere. Tags the view for the permission matrix."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        guarded.required_action = action
        return guarded

    return decorate
