"""Markers kept on a row for a rule that spans several tables (issue #14): ``since`` a time while the row matches
the rule, None otherwise, with a partial index on the marker, so that a work list reads the rows that match from that
index in order instead of evaluating the rule over the registry. The rooms keep their marker true in the transaction
of every change that can start or end a match (pharmacy/waiting.py: bags waiting for a place; products/to_ship.py:
cells waiting to be shipped). A room at any height uses it: this module imports no room.
"""

from django.db.models import Q, QuerySet


def keep(rows: QuerySet, rule: Q, field: str, since) -> int:
    """The marker ``field`` of these rows made true to ``rule``, in the caller's transaction: set to ``since`` (a time,
    or an expression of the row) on those that match and have none, cleared on those that have one and do not match.
    How many rows changed."""
    model = rows.model
    # Django's UPDATE takes no join: the rows chosen by primary key, the rule read in the subquery.
    marked = model.objects.filter(pk__in=rows.filter(rule, **{f"{field}__isnull": True}).values("pk")).update(
        **{field: since})
    cleared = model.objects.filter(pk__in=rows.filter(**{f"{field}__isnull": False}).exclude(rule).values("pk")).update(
        **{field: None})
    return marked + cleared
