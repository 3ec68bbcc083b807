"""Bounded lists (issue #14): the first rows of a list, and how many there are counted up to a cap ("500+" beyond).

A work list shows what someone must do now, not the registry's history: its first ``limit`` rows, read in the order
shown from the index that orders them, and its count, which reads at most ``cap`` + 1 rows from the same index (an
exact count would read every row of the registry that matches, and nobody works through more than a few hundred on
one page). ``first`` reads one list in two queries, ``first_of_each`` the sections of a page in two queries: a page
asks as many queries whatever its lists hold (issue #14), a short list's count costing no more than its few rows. A
room at any height uses it: this module imports no room.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

LIMIT = 50
COUNT_CAP = 500


@dataclass
class Bounded:
    """The first rows of a list and its count: exact up to ``cap``, ``cap`` + 1 when there are more."""

    rows: list
    count: int
    cap: int = COUNT_CAP

    @property
    def more(self) -> bool:
        """Whether the list goes on beyond its rows."""
        return self.count > len(self.rows)

    @property
    def count_text(self) -> str:
        return f"{self.cap}+" if self.count > self.cap else str(self.count)

    @property
    def beyond(self) -> int:
        """How many rows the list has beyond those read (at least, when the count reached its cap)."""
        return self.count - len(self.rows)

    @property
    def beyond_text(self) -> str:
        return f"{self.cap + 1 - len(self.rows)}+" if self.count > self.cap else str(self.beyond)


def count_capped(queryset: QuerySet, cap: int = COUNT_CAP) -> int:
    """How many rows, up to ``cap`` + 1. In the rows' order: the planner reads the same index as for the rows and stops
    at the cap (unordered, PostgreSQL merge-joined every follow-up plan of the registry to reach 501 calls)."""
    return queryset[:cap + 1].count()


def first(queryset: QuerySet, limit: int = LIMIT, cap: int = COUNT_CAP) -> Bounded:
    """The first ``limit`` rows of an ordered queryset and its count up to ``cap``, in two queries whatever the list
    holds. With ``cap`` = ``limit`` the list is not counted (one query): a full list says "50+"."""
    rows = list(queryset[:limit + 1])
    if cap <= limit:
        return Bounded(rows[:limit], len(rows), max(cap, limit))
    return Bounded(rows[:limit], count_capped(queryset, cap), cap)


def first_of_each(lists: dict, rows: QuerySet, limit: int = LIMIT, cap: int = COUNT_CAP) -> dict:
    """``first`` for several ordered querysets of one model (the sections of a page) in two queries whatever their
    number and whatever they hold: the primary keys of each list's first ``cap`` + 1 rows (one UNION ALL, each list
    its own ORDER BY and LIMIT), of which the first ``limit`` are read from ``rows`` (its ``select_related``,
    ``only``) and the others only counted. One subquery a list, compiled once: the count's own subquery cost as much
    to compile and to plan as the rows' (PostgreSQL planned the page's UNION for 6 ms). For a small ``cap`` (a
    hundred): its keys travel to be counted here. Returns {key: Bounded}, in the order of ``lists``."""
    keys = list(lists)
    if not keys:
        return {}
    parts = []
    for position, key in enumerate(keys):
        keys_sql, keys_params = _sql(lists[key].values_list("pk", flat=True))
        parts.append((f"SELECT {position}, s.* FROM ({keys_sql} LIMIT {int(cap) + 1}) s", keys_params))
    pks: dict[int, list] = {position: [] for position in range(len(keys))}
    with connections[rows.db].cursor() as cursor:
        # Each part is a SELECT from its subquery: SQLite takes no parentheses around the members of a compound.
        cursor.execute(" UNION ALL ".join(sql for sql, _params in parts),
                       [param for _sql, params in parts for param in params])
        for position, pk in cursor.fetchall():  # each list's keys in its own order (not reordered)
            pks[position].append(pk)
    shown = [pk for position in pks for pk in pks[position][:limit]]
    # Read even when no list has a row (no row comes back): the page asks as many queries whatever the data.
    by_pk = {row.pk: row for row in (rows.filter(pk__in=shown) if shown else rows.filter(pk__isnull=True))}
    return {key: Bounded([by_pk[pk] for pk in pks[position][:limit]], len(pks[position]), cap)
            for position, key in enumerate(keys)}


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()
