"""Completeness stored: one ``CompletenessRow`` per episode × form × timepoint, computed by ``completeness.row_for``
(the rules stay there) one bundle of episodes at a time, and read by index by the research assistant's page and the
completeness endpoint, whatever the number of patients (issue #14).

The stored rows never lag what a page shows. Before every read, ``bring_up_to_date`` computes again:
- the episodes of every patient with a journal entry newer than the position the rows were computed at
  (``CompletenessState.journal_id``). Every change in every room is journaled under its patient, in the same
  transaction as the change, and entries take their ids in commit order under the journal's head lock: the journal is
  the one watermark of every room below, and no room below has to know about the registry (tests/test_layers.py).
  Reads (patient viewed, list shown, document opened) are journaled too and ignored here;
- the episodes of the rows whose date has come (``changes_on``): a timepoint reached (not due → missing items or
  complete, and the next follow-up timepoint shown), a due date passed (missing items → overdue).
Both are bounded by an index (the journal's primary key from the position on; a partial index on ``changes_on``):
the work is what changed since the last read, not the registry's size. ``refresh_all`` (``manage.py
refresh_registry``, the seeding, a nightly task) computes every episode.

The counts are ``CompletenessTally`` rows (center, form, due month, status → count), moved with the rows under the
same lock: the page sums a few hundred of them instead of counting millions of rows.
"""

from collections import Counter
import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.patients.access import reach_of
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode

from . import completeness
from .models import CompletenessRow, CompletenessState, CompletenessTally
from .sources import Bundle, EpisodeData, catalog, where_of

# The statuses the page lists by default: what a research assistant has to act on.
TO_DO = (completeness.MISSING, completeness.OVERDUE, completeness.COMPLETE, completeness.TO_CORRECT)
# Journal entries that change nothing: reads of a record, a list, a document, and what names no patient's data.
READS = (JournalEntry.Action.PATIENT_READ, JournalEntry.Action.PATIENTS_LISTED, JournalEntry.Action.DOCUMENT_READ,
         JournalEntry.Action.EXPORT_REQUESTED, JournalEntry.Action.EXPORT_CANCELLED)
PAGE_ORDER = ("due_order", "family_name", "form_key", "episode_id", "timepoint")
BATCH = 500  # episodes computed in one bundle
NO_DUE_DATE = date.max
# Past this many journal entries since the position, a read moves the position even when none of them changed a
# patient's data, so that the next reads do not scan them again.
TAIL = 200


def _episodes():
    """What the sources read of an episode besides its bundle (its treating center and template are not)."""
    return Episode.objects.select_related("patient", "decision__meeting", "decision__referral")


def changes_on(row: completeness.Row, today: date) -> date | None:
    """The day the row changes with the date alone: its timepoint reached (not due → missing items or complete; and,
    blocked or not, the form's next timepoint then shown), or the day after its due date for missing items (then
    overdue). None when only a change of data can change it."""
    if row.reached and row.reached > today:
        return row.reached
    if row.status == completeness.MISSING and row.due:
        return row.due + timedelta(days=1)
    return None


def _details(row: completeness.Row) -> dict:
    details = {"missing": [item.code for item, _where in row.missing], "consents": list(row.missing_consents),
               "differences": [[item.code, sent, now] for item, sent, now in row.differences]}
    return {key: value for key, value in details.items() if value}


# The stored row's columns, in the order ``_values`` gives them.
COLUMNS = ("episode_id", "patient_id", "center_id", "family_name", "destination", "form_key", "timepoint", "reached",
           "due", "due_order", "due_month", "status", "to_do", "missing", "details", "changes_on", "computed_at")
CENTER, FORM, MONTH, STATUS = (COLUMNS.index(name) for name in ("center_id", "form_key", "due_month", "status"))


def stored_values(episodes, *, today: date, now, json_text=json.dumps) -> list[tuple]:
    """The stored rows (``COLUMNS``' values, ready for the database) of these episodes (``sources.EpisodeData``, a
    ``Bundle`` or any iterable of them: a bulk seeding gives the data it generated, without reading it back), as
    ``completeness.rows`` computes them. ``json_text``: how ``details`` is written (the JSON text by default)."""
    ops = connection.ops
    day, computed_at = ops.adapt_datefield_value, ops.adapt_datetimefield_value(now)
    texts = {}  # most rows share their details (the same consents or items missing): each JSON text made once

    def details_text(row: completeness.Row):
        details = _details(row)
        key = repr(details)
        text = texts.get(key)
        if text is None:
            text = texts[key] = json_text(details)
        return text

    return [_values(row, today, computed_at, day, details_text) for row in completeness.rows(episodes, today=today)]


def _values(row: completeness.Row, today: date, computed_at, day, details_text) -> tuple:
    """The row as stored (``day``: the connection's adapter of a date; ``computed_at`` adapted already)."""
    patient = row.patient
    return (row.episode.pk, patient.pk, patient.treating_center_id, patient.family_name[:150], row.form.registry,
            row.form.key, row.timepoint, day(row.reached), day(row.due), day(row.due or NO_DUE_DATE), row.month,
            row.status, row.status in TO_DO, len(row.missing), details_text(row), day(changes_on(row, today)),
            computed_at)


def tally_key(values: tuple) -> tuple:
    """The count a stored row (``stored_values``) is counted in: (center, form, due month, status)."""
    return (values[CENTER], values[FORM], values[MONTH], values[STATUS])


def _insert(values: list[tuple]) -> None:
    """Many rows without building a model instance each (a full computation writes about 14 rows an episode):
    SQLite's executemany runs one prepared statement in C; PostgreSQL takes them by COPY (issue #14: 8.6× faster
    than INSERTs on the same server)."""
    table, quote = CompletenessRow._meta.db_table, connection.ops.quote_name
    columns = ", ".join(quote(name) for name in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.executemany(f"INSERT INTO {quote(table)} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})",
                               values)
            return
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)


def refresh(episode_ids, *, today: date | None = None) -> int:
    """Compute again the rows of these episodes (ids) and move the counts with them; the number of rows written.
    Runs inside ``locked()`` (the caller's transaction): refreshes never interleave."""
    today = today or timezone.localdate()
    now = timezone.now()
    ids = list(episode_ids)
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        new = stored_values(Bundle(_episodes().filter(pk__in=chunk)), today=today, now=now)
        moved = Counter()
        for key in CompletenessRow.objects.filter(episode_id__in=chunk).values_list(
                "center_id", "form_key", "due_month", "status"):
            moved[key] -= 1
        moved.update(tally_key(row) for row in new)
        CompletenessRow.objects.filter(episode_id__in=chunk).delete()
        _insert(new)
        move_tallies(moved)
        written += len(new)
    return written


def move_tallies(moved: dict) -> None:
    """The counts moved by {(center, form, due month, status): rows added (or removed, when negative)}: a refresh's,
    or a bulk seeding's rows written without ``refresh``."""
    moved = {key: n for key, n in moved.items() if n}
    if not moved:
        return
    centers, forms, months = ({key[i] for key in moved} for i in range(3))
    current = {(t.center_id, t.form_key, t.due_month, t.status): t for t in CompletenessTally.objects.filter(
        center_id__in=centers, form_key__in=forms, due_month__in=months)}
    changed = []
    for key, n in moved.items():
        tally = current.get(key) or CompletenessTally(center_id=key[0], form_key=key[1], due_month=key[2],
                                                      status=key[3], count=0)
        tally.count += n
        changed.append(tally)
    CompletenessTally.objects.bulk_create(changed, update_conflicts=True, update_fields=["count"],
                                          unique_fields=["center", "form_key", "due_month", "status"])


def _recount() -> None:
    """The counts counted again from the rows (a full computation ends with it: they then match whatever happened
    to the rows before)."""
    CompletenessTally.objects.all().delete()
    CompletenessTally.objects.bulk_create(
        CompletenessTally(center_id=center_id, form_key=form_key, due_month=due_month, status=status, count=n)
        for center_id, form_key, due_month, status, n in CompletenessRow.objects.values_list(
            "center_id", "form_key", "due_month", "status").annotate(n=Count("id")).order_by().values_list(
            "center_id", "form_key", "due_month", "status", "n"))


def locked() -> CompletenessState:
    """The state row, locked until the transaction ends (PostgreSQL: FOR UPDATE; SQLite serialises its writers);
    created on first use."""
    state = CompletenessState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        CompletenessState.objects.bulk_create([CompletenessState(pk=1)], ignore_conflicts=True)
        state = CompletenessState.objects.select_for_update().get(pk=1)
    return state


def _journal_top() -> int:
    return JournalEntry.objects.aggregate(top=Max("id"))["top"] or 0


def _changed_patients(since: int, until: int):
    return (JournalEntry.objects.filter(id__gt=since, id__lte=until, patient_id__isnull=False)
            .exclude(action__in=READS).order_by().values_list("patient_id", flat=True))


def _dated_rows(today: date):
    return CompletenessRow.objects.filter(changes_on__lte=today)


def bring_up_to_date(today: date | None = None) -> int:
    """Compute again what changed since the rows were computed (see the module's docstring); the number of episodes
    computed. Four small indexed queries when nothing did."""
    today = today or timezone.localdate()
    position = CompletenessState.objects.filter(pk=1).values_list("journal_id", flat=True).first()
    if position is not None:
        top = _journal_top()
        if (top - position <= TAIL and not _changed_patients(position, top).exists()
                and not _dated_rows(today).exists()):
            return 0
    with transaction.atomic():
        state = locked()
        top = _journal_top()
        episode_ids = set(Episode.objects.filter(patient_id__in=_changed_patients(state.journal_id, top))
                          .order_by().values_list("pk", flat=True))
        episode_ids |= set(_dated_rows(today).values_list("episode_id", flat=True).distinct())
        refresh(sorted(episode_ids), today=today)
        state.journal_id = top
        state.save(update_fields=["journal_id"])
    return len(episode_ids)


def refresh_all(*, after_episode: int = 0, today: date | None = None, on_batch=None) -> int:
    """Compute every episode's rows again (a new dictionary, a deployment, nightly), or only the episodes numbered
    after ``after_episode`` (those a bulk seeding just added without their journal entries); the number of episodes.
    One transaction a batch: pages go on being served meanwhile."""
    today = today or timezone.localdate()
    top = _journal_top()  # every change up to here is seen by every batch below
    ids = list(Episode.objects.filter(pk__gt=after_episode).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            locked()
            refresh(ids[start:start + BATCH], today=today)
        if on_batch:
            on_batch(min(BATCH, len(ids) - start))
    if after_episode:
        return len(ids)  # the other episodes' rows and the journal position are as they were
    with transaction.atomic():
        state = locked()
        _recount()
        state.journal_id, state.computed_at = top, timezone.now()
        state.save(update_fields=["journal_id", "computed_at"])
    return len(ids)


# Reading --------------------------------------------------------------------------------------------------------

@dataclass
class Scope:
    """Whose rows a user sees: every patient of some treating centers, and the patients they referred."""

    centers: set
    referred_by: object = None  # the user, for a referring physician's own patients

    def rows(self):
        condition = Q(center_id__in=self.centers)
        if self.referred_by is not None:
            condition |= Q(patient__referring_physician=self.referred_by)
        return CompletenessRow.objects.filter(condition)


def scope_of(user, action: Action = Action.REPORT_TO_REGISTRIES) -> Scope:
    """``patients.access.reach_of`` on the stored rows."""
    reach = reach_of(user, action)
    return Scope(set(reach.centers), user if reach.referring is not None else None)


def form_keys(destination: str = "", form_key: str = "") -> list[str] | None:
    """The forms of a destination or the one form asked for; None for every form."""
    if not destination and not form_key:
        return None
    return [form.key for form in catalog().forms.values()
            if (not destination or form.registry == destination) and (not form_key or form.key == form_key)]


def _month_range(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass
class Listing:
    summary: completeness.Summary
    count: int  # rows matching the status (or the rows to act on); ``rows`` holds one page of them
    rows: list  # completeness.Row, as stored (values and submission left out)


def counts(scope: Scope, forms: list[str] | None, month: str) -> dict:
    found = dict.fromkeys(completeness.STATUS_LABELS, 0)
    tallies = CompletenessTally.objects.filter(center_id__in=scope.centers)
    if forms is not None:
        tallies = tallies.filter(form_key__in=forms)
    if month:
        tallies = tallies.filter(due_month=month)
    for status, n in tallies.values_list("status").annotate(n=Sum("count")).values_list("status", "n"):
        found[status] = found.get(status, 0) + (n or 0)
    if scope.referred_by is not None:  # a referring physician's own patients: few, counted row by row
        rows = CompletenessRow.objects.filter(patient__referring_physician=scope.referred_by).exclude(
            center_id__in=scope.centers)
        if forms is not None:
            rows = rows.filter(form_key__in=forms)
        if month:
            rows = rows.filter(due_month=month)
        for status, n in rows.values_list("status").annotate(n=Count("id")).values_list("status", "n"):
            found[status] = found.get(status, 0) + n
    return found


def listing(user, *, destination: str = "", form_key: str = "", month: str = "", status: str = "", page: int = 1,
            size: int = 50, today: date | None = None) -> Listing:
    """The page's counts and one page of its rows (ordered by due date, name, form), read from the stored rows
    brought up to date first."""
    today = today or timezone.localdate()
    bring_up_to_date(today)
    scope, forms = scope_of(user), form_keys(destination, form_key)
    found = counts(scope, forms, month)
    summary = completeness.Summary(due=sum(found[s] for s in completeness.DUE),
                                   complete=sum(found[s] for s in completeness.FILLED), counts=found)
    rows = scope.rows().filter(status=status) if status else scope.rows().filter(to_do=True)
    if form_key:
        rows = rows.filter(form_key=form_key)
    if destination and not (form_key and form_key in forms):  # a form of another registry: none (forms is [])
        rows = rows.filter(destination=destination)
    if month:
        rows = rows.filter(due_order__range=_month_range(month))
    start = (page - 1) * size
    chosen = rows.order_by(*PAGE_ORDER).select_related(
        "episode__patient")[start:start + size]
    shown = [row for stored_row in chosen if (row := shown_row(stored_row, today)) is not None]
    count = found[status] if status else sum(found[s] for s in TO_DO)
    return Listing(summary, count, shown)


def shown_row(stored_row: CompletenessRow, today: date) -> completeness.Row | None:
    """The row as the page shows it, from what was stored (None for a form the dictionary no longer has)."""
    items, form = catalog().items, catalog().forms.get(stored_row.form_key)
    if form is None:
        return None
    details = stored_row.details
    row = completeness.Row(
        EpisodeData(stored_row.episode), form, stored_row.timepoint, stored_row.reached, stored_row.due,
        stored_row.status, missing_consents=details.get("consents", []),
        missing=[(items[code], where_of(items[code]).text(stored_row.timepoint))
                 for code in details.get("missing", []) if code in items],
        differences=[(items[code], sent, now) for code, sent, now in details.get("differences", []) if code in items])
    row.overdue = (stored_row.status in (completeness.MISSING, completeness.OVERDUE, completeness.COMPLETE)
                   and stored_row.due is not None and today > stored_row.due)
    return row


def computed_at():
    """When every episode was last computed in full (None: never; the rows are kept true between)."""
    return CompletenessState.objects.filter(pk=1).values_list("computed_at", flat=True).first()
