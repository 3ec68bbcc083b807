"""One row's INSERT, and a model's columns in a SELECT, written out, for the few statements every journaled write
runs (issue #14).

``Model.objects.create()`` compiles its INSERT anew on every call, and on the probe's write path that compiling cost
more CPU than the database spent storing the row. ``insert(instance)`` sends the same statement: the columns of the
model's concrete fields, each value prepared by its own field exactly as the ORM prepares it (``pre_save`` then
``get_db_prep_save``: defaults, ``auto_now_add``, decimals, JSON on either database), the new primary key read back
(``RETURNING``, or the last row id where the database has none). Only the statement's text is kept between calls
(per model, database and whether the key is given): no data.

It sends no ``pre_save``/``post_save`` signal (this project connects none) and runs no ``save()`` override: use it
for models whose ``save`` adds nothing to a new row (JournalEntry's refuses updates only).

``columns(model, "t", connection)`` is the other way: a model's columns for a SELECT written out by hand (a bearer
token's holder with their memberships, a tank), and ``.instance(values)`` the model made back from their values,
each converted as the ORM converts it (SQLite's booleans, times and decimals). ``Model.objects.raw()`` does the same
but works out its columns and converters again on every call: on the probe's write path that cost more than the
query. They are kept on the connection (a thread's: its converters are its own), with no data.

``prepared_cursor(connection)`` runs these statements prepared on PostgreSQL: parsed and planned once per
connection, then only executed (the backend's CPU for a probe's reading: 1.25 -> 0.85 ms). Only these: each looks a
row up by a unique key (or inserts one), so the plan PostgreSQL keeps for it is the one it would make for any value.
The ORM's statements are not prepared: measured at 100,000 episodes, the plan kept for the registry's completeness
query after five runs made it 40 times slower, and server-side binding alone made the worklists' queries slower.
"""

from functools import cache

from django.db import connections, router

_STATEMENTS: dict = {}
ONLY_WHEN_ASKED = 2**62  # psycopg's prepare_threshold that no count of runs reaches


def insert(instance, *, using: str | None = None):
    """INSERT the new ``instance`` (its key given, or made by the database and set on it); returns it, saved."""
    model = type(instance)
    alias = using or router.db_for_write(model, instance=instance)
    connection = connections[alias]
    with_key = instance.pk is not None
    statement = _STATEMENTS.get((model, alias, with_key))
    if statement is None:
        statement = _STATEMENTS[(model, alias, with_key)] = _statement(model, connection, with_key)
    sql, fields, returning = statement
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, values)
        if not with_key:
            key = model._meta.pk
            new = cursor.fetchone()[0] if returning else connection.ops.last_insert_id(
                cursor, model._meta.db_table, key.column)
            setattr(instance, key.attname, new)
    instance._state.adding, instance._state.db = False, alias
    return instance


def _statement(model, connection, with_key: bool):
    meta, quote = model._meta, connection.ops.quote_name
    fields = [field for field in meta.local_concrete_fields if with_key or field is not meta.pk]
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    returning = not with_key and connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields, returning


class Columns:
    """A model's concrete columns as a written-out SELECT lists them (``sql``: ``t."id", t."name"…`` for the table
    alias ``t``), and how to make the model back from their values (``instance``)."""

    def __init__(self, model, table: str, connection):
        fields = model._meta.concrete_fields
        quote = connection.ops.quote_name
        self.model, self.alias, self.width = model, connection.alias, len(fields)
        self.sql = ", ".join(f"{table}.{quote(field.column)}" for field in fields)
        self.names = [field.attname for field in fields]
        self.converters = []  # (index, its converters, its column): only the fields that need one
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                self.converters.append((index, converters, column))

    def instance(self, values):
        """The model instance of these values (exactly ``width`` of them, in ``sql``'s order), as loaded by the ORM."""
        values, connection = list(values), connections[self.alias]
        for index, converters, column in self.converters:
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(self.alias, self.names, values)


def columns(model, table: str, connection) -> Columns:
    """``model``'s columns under the table alias ``table`` on ``connection``."""
    return kept_on(connection, (Columns, model, table), lambda: Columns(model, table, connection))


def kept_on(connection, key, make):
    """What ``make()`` returns, made once per connection (a thread's) and gone with it: a written-out statement's
    parts, never data."""
    kept = connection.__dict__.setdefault("cellrelay_written_out", {})
    found = kept.get(key)
    if found is None:
        found = kept[key] = make()
    return found


def prepared_cursor(connection):
    """A cursor of ``connection`` (Django's, wrapped as any) whose statements PostgreSQL prepares at their first run
    on the connection; the ordinary cursor on another database, and while queries are logged (DEBUG, a test counting
    them): psycopg does not give back the text of a prepared statement's run, which the log shows."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default, with which psycopg prepares nothing, even when asked to
        raw.prepare_threshold = ONLY_WHEN_ASKED  # the ORM's cursors bind on the client: they never prepare
    ordinary, raw.cursor_factory = raw.cursor_factory, _prepared_cursor_class()
    try:
        return connection.cursor()  # made by the connection's cursor factory, as every cursor of Django's
    finally:
        raw.cursor_factory = ordinary


@cache
def _prepared_cursor_class():
    """Made at first use: the PostgreSQL backend is imported only where it runs."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Parameters bound by the server, and the statement prepared there at its first run (psycopg's
        ``prepare=True``; the connection keeps the last hundred)."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor
