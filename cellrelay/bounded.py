"""Bounded lists (issue #14): the first rows of a list, and how many there are only when the list is full, counted
up to a cap ("500+" beyond).

A work list shows what someone must do now, not the registry's history: its first ``limit`` rows, read in the order
shown from the index that orders them. When fewer than that exist, they are the count; when the list is full, the
count reads at most ``cap`` + 1 rows more from the same index (an exact count would read every row of the registry
that matches, and nobody works through more than a few hundred on one page). A room at any height uses it: this
module imports no room.
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
    """The first ``limit`` rows of an ordered queryset and its count, counted (up to ``cap``) only when it is full.
    With ``cap`` = ``limit`` a full list is not counted: it says "50+"."""
    rows = list(queryset[:limit + 1])
    if len(rows) <= limit:
        return Bounded(rows, len(rows), cap)
    return Bounded(rows[:limit], count_capped(queryset, cap) if cap > limit else limit + 1, max(cap, limit))


def first_of_each(lists: dict, rows: QuerySet, limit: int = LIMIT, cap: int = COUNT_CAP) -> dict:
    """``first`` for several ordered querysets of one model (the sections of a page) in at most three queries whatever
    their number: the primary keys of each list's first ``limit`` + 1 rows (one UNION ALL, each list with its own
    ORDER BY and LIMIT), then those rows from ``rows`` (its ``select_related``) by primary key, then the capped counts
    of the lists that are full (one UNION ALL again). Returns {key: Bounded}, in the order of ``lists``."""
    keys = list(lists)
    database = rows.db
    firsts = _union(database, [(position, _sql(lists[key].values_list("pk", flat=True)[:limit + 1]))
                     for position, key in enumerate(keys)])
    pks: dict[int, list] = {position: [] for position in range(len(keys))}
    for position, pk in firsts:  # each list's keys in its own order: the subqueries' rows are not reordered
        pks[position].append(pk)
    shown = [pk for position in pks for pk in pks[position][:limit]]
    by_pk = {row.pk: row for row in rows.filter(pk__in=shown)} if shown else {}
    full = [position for position in pks if len(pks[position]) > limit]
    counts = dict(_union(database, [(position, _sql(lists[keys[position]].values_list("pk", flat=True)[:cap + 1]))
                          for position in full], "COUNT(*)")) if full else {}
    return {key: Bounded([by_pk[pk] for pk in pks[position][:limit]], counts.get(position, len(pks[position])), cap)
            for position, key in enumerate(keys)}


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def _union(database: str, parts: list[tuple[int, tuple[str, tuple]]], select: str = "s.*") -> list[tuple]:
    """(position, the subquery's rows or ``select``) of each (position, subquery), in one UNION ALL. Each part is a
    SELECT from its subquery: SQLite takes no parentheses around the members of a compound, nor their LIMIT."""
    if not parts:
        return []
    sql = " UNION ALL ".join(f"SELECT {position}, {select} FROM ({part_sql}) s" for position, (part_sql, _p) in parts)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, [param for _position, (_sql_, params) in parts for param in params])
        return cursor.fetchall()
