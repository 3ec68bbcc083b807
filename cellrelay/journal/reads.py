"""Every read of identified data is journaled: one entry per response, naming every patient it showed.

A page or an endpoint says which patients it shows with ``shown(user, patients)`` (a list, a search, a map) —
``patients.access.reach`` says it for the one patient an object belongs to. ``ReadJournalMiddleware`` then writes one
entry for the whole response, after the view ran, in its own transaction (a view on a real server runs outside any):
``patient.read`` when it showed one patient reached through ``reach``, ``patients.listed`` otherwise, with the page,
its query string (the search terms and page number) and the ids of the patients shown. A list entry's patients are
also written, in one bulk INSERT, to ``PatientShown`` rows: the journal page's patient filter finds a patient's
appearances in lists through them. Outside a request (a command, a test calling ``reach`` directly) a read is
journaled at once.
"""

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q, QuerySet

from cellrelay.indexed_lookups import InSubquery

from .models import JournalEntry, PatientShown
from .services import record

QUERY_VALUE_LIMIT = 200  # characters of one query-string value kept in the entry: search terms, not a payload


@dataclass
class Shown:
    """What one response showed: its reader, the patients by id (with the patient object, for a single read), and
    whether it was a list (or a search) rather than one patient's record."""

    actor: object = None
    patients: dict = field(default_factory=dict)  # id -> the patient object (first seen)
    listed: bool = False

    def add(self, actor, patients: Iterable, *, listed: bool) -> None:
        self.actor = self.actor or actor
        self.listed = self.listed or listed
        for patient in patients:
            self.patients.setdefault(patient.pk, patient)


@dataclass(frozen=True)
class PatientRef:
    """A patient known by id and treating center only, for a room below patients (the journal page)."""

    pk: int
    treating_center_id: int | None


def appearances_of(patient_ids) -> Q:
    """The entries about these patients, their appearances in lists and searches included (journal page filter)."""
    shown_in = PatientShown.objects.filter(_among("patient_id", patient_ids)).values("entry_id")
    return _among("patient_id", patient_ids) | _among("pk", shown_in)


def _among(column: str, ids) -> Q:
    """``column IN ids``, kept indexable inside the OR when the ids are a subquery (cellrelay/indexed_lookups.py)."""
    if isinstance(ids, QuerySet):
        return Q(InSubquery(F(column), ids))
    return Q(**{f"{column}__in": list(ids)})


_current: ContextVar[Shown | None] = ContextVar("patients_shown", default=None)


def shown(user, patients: Iterable, *, listed: bool = True) -> None:
    """Say that this response shows these patients' identity (objects with ``pk`` and ``treating_center_id``).

    Call it where the patients are chosen for display (the page's rows, the endpoint's results), even with none: a
    search's terms are identified data too. Inside a request the entry is written once, after the view; elsewhere
    at once."""
    collector = _current.get()
    if collector is not None:
        collector.add(user, patients, listed=listed)
        return
    standalone = Shown()
    standalone.add(user, patients, listed=listed)
    write(standalone, page="", query={})


def collect() -> tuple[Shown, object]:
    """Start collecting for a request; the token ends it (``finish``)."""
    collector = Shown()
    return collector, _current.set(collector)


def finish(token) -> None:
    _current.reset(token)


def query_of(querydict) -> dict:
    """The request's query string as plain JSON: every value of every key, each cut to a sane length."""
    return {key: [value[:QUERY_VALUE_LIMIT] for value in querydict.getlist(key)] for key in querydict}


def write(collector: Shown, *, page: str, query: dict) -> JournalEntry | None:
    """One entry for everything the response showed; None when it showed no patient and searched for nothing (and
    then no database is touched: a page without patients, such as the API's spec, needs none)."""
    if collector.actor is None or (not collector.patients and not query):
        return None
    return _write(collector, page=page, query=query)


@transaction.atomic
def _write(collector: Shown, *, page: str, query: dict) -> JournalEntry:
    patients = list(collector.patients.values())
    if len(patients) == 1 and not collector.listed:
        return _single_read(collector.actor, patients[0], page)
    return _listing(collector.actor, patients, page, query)


def _single_read(actor, patient, page: str) -> JournalEntry:
    after = {"page": page} if page else None
    return record(JournalEntry.Action.PATIENT_READ, actor=actor, obj=patient, patient_id=patient.pk,
                  center_id=patient.treating_center_id, after=after)


def _listing(actor, patients: list, page: str, query: dict) -> JournalEntry:
    """A list entry: filed under its patient and center when there is one of each, else under none (its patients
    are then found through their PatientShown rows). It names patients by id only: the journal page shows no
    names it did not have to."""
    ids = sorted(patient.pk for patient in patients)
    centers = {patient.treating_center_id for patient in patients}
    entry = record(
        JournalEntry.Action.PATIENTS_LISTED, actor=actor,
        patient_id=ids[0] if len(ids) == 1 else None,
        center_id=next(iter(centers)) if len(centers) == 1 else None,
        after={"page": page, "query": query, "count": len(ids), "patients": ids},
    )
    PatientShown.objects.bulk_create([PatientShown(entry=entry, patient_id=pk) for pk in ids])
    return entry
