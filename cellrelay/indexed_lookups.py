"""Lookups that an ordinary index answers, on PostgreSQL and on SQLite.

``__startswith`` is ``LIKE 'abc%'``: PostgreSQL uses a ``varchar_pattern_ops`` index for it, but SQLite's LIKE is
case-insensitive and uses an index only on a NOCASE column. SQLite's GLOB is case-sensitive and uses a plain index,
so on SQLite the same match is ``GLOB 'abc*'``. Meant for columns already normalised (lower-cased search keys).
"""

from django.db.models import Func, Lookup, Value


def _glob_literal(text: str) -> str:
    """The text matched literally by GLOB: its wildcards put in brackets."""
    return "".join(f"[{char}]" if char in "*?[" else char for char in text)


class StartsWithIndexed(Lookup):
    """``column LIKE 'text%'`` (PostgreSQL, with a pattern-ops index) or ``column GLOB 'text*'`` (SQLite)."""

    lookup_name = "prefix"

    @property
    def text(self) -> str:
        """The prefix as given (a lookup used as an expression receives its text wrapped in a Value)."""
        return self.rhs.value if isinstance(self.rhs, Value) else self.rhs

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        escaped = connection.ops.prep_for_like_query(self.text)
        return f"{lhs} LIKE %s", [*lhs_params, f"{escaped}%"]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} GLOB %s", [*lhs_params, f"{_glob_literal(self.text)}*"]


class InSubquery(Lookup):
    """``column IN (subquery)`` that stays indexable inside an OR.

    PostgreSQL cannot fold ``IN (subquery)`` into a bitmap OR of indexes (it becomes a filter on every row); as
    ``= ANY(ARRAY(subquery))`` the subquery runs once and the column's index answers. SQLite's OR handles IN as is.
    """

    lookup_name = "in_subquery"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


class EqualsConstant(Lookup):
    """``column = 'constant'`` written into the SQL, not bound: SQLite uses a partial index only when the query's
    WHERE repeats the index's condition literally (a bound ``?`` could be anything when the plan is made). For the
    code's own constants (a status, ""), never for user input: only letters, digits, "_" and "-" are taken."""

    lookup_name = "constant"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = self.rhs.value if isinstance(self.rhs, Value) else self.rhs
        if not isinstance(value, str) or not all(char.isalnum() or char in "_-" for char in value):
            raise ValueError(f"not a constant of the code: {value!r}")
        return f"{lhs} = '{value}'", list(lhs_params)


class Bytewise(Func):
    """A text column compared byte by byte: ``column COLLATE "C"`` on PostgreSQL, the column itself on SQLite (whose
    default collation, BINARY, is that already).

    An index on it gives its rows in the order ``ORDER BY Bytewise(column)`` asks for, and PostgreSQL answers
    ``LIKE 'abc%'`` from it as a range, whatever the database's collation: a search key (lower case, no accents)
    then needs one index for both its prefix match and its order, where a ``varchar_pattern_ops`` index answers
    the match but cannot give the order.
    """

    arity = 1
    template = '%(expressions)s COLLATE "C"'

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])
