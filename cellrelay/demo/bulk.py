"""Realistic synthetic patients in bulk, for load and demos (`manage.py seed_synthetic --patients N`).

Each patient comes with a referral and what became of it: the weekly RCP's decision (past three
years) and, when approved, the treatment episode with its milestones and state changes as of today
(`cellrelay.demo.synthetic.pathway`), the product's chain of custody as far as the episode went:
collection, shipments, product and identifiers, bags, custody events (`cellrelay.demo.synthetic.products`), and once
infused the follow-up: plan, visits, responses, counts, late effects, treatments, death, calls
(`cellrelay.demo.synthetic.followup`).
The per-patient services (one journal entry each) would be far too slow for thousands of rows: the
rows are bulk-inserted and the run is journaled once, as a whole.
"""

from collections import Counter
from contextlib import contextmanager, nullcontext
import datetime as dt
import gc
import io
from itertools import chain
import json
import multiprocessing
import os
import random
import sqlite3
import traceback

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from cellrelay.followup import models as followup_models
from cellrelay.followup.response import criteria_for_indication
from cellrelay.followup.settings import windows as follow_up_windows
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.organisation.models import Center, Membership
from cellrelay.organisation.permissions import Role
from cellrelay.pathway.models import Episode, Milestone, ProtocolTemplate, StateChange
from cellrelay.pathway.states import State, StopReason
from cellrelay.patients.models import Consent, Contact, LocalId, Patient
from cellrelay.pharmacy import waiting
from cellrelay.pharmacy.models import DrugReserve
from cellrelay.products import to_ship
from cellrelay.products.models import Bag, Collection, CustodyEvent, Identifier, Product, Shipment
from cellrelay.referrals.models import MdtDecision, MdtMeeting, Referral
from cellrelay.registry import stored as registry_stored
from cellrelay.registry.models import CompletenessRow

from . import hospital
from .completeness import Completeness, SyntheticPatient, episode_data
from .synthetic import followup as followup_synthetic
from .synthetic import pathway as pathway_synthetic
from .synthetic import patients as patients_synthetic
from .synthetic import products as products_synthetic

MEETING_TITLE = "RCP CAR-T"
# Who sits at the weekly RCP, among the center's staff.
MEETING_ROLES = (Role.HAEMATOLOGIST, Role.COORDINATOR, Role.PHARMACIST, Role.APHERESIS_NURSE, Role.NEUROLOGIST,
                 Role.ICU_PHYSICIAN)

IPP_PREFIX = "SY"
IPP_DIGITS = 8  # fixed width, so that the highest IPP is also the last in text order


# Columns of the pathway rows, as `Rows.add` takes them (any other column gets its default).
REFERRAL_FIELDS = ("patient", "to_center", "from_center", "from_physician", "from_physician_name", "received_on",
                   "diagnosis", "diagnosis_detail", "disease_stage", "prior_lines", "prior_transplant",
                   "current_status", "created_by", "created_at")
DECISION_FIELDS = ("meeting", "referral", "outcome", "product", "indication", "trial", "bridging_planned",
                   "bridging_detail", "reason", "deferred_until", "decided_by", "recorded_at")
EPISODE_FIELDS = ("patient", "decision", "template", "state", "stop_reason", "stop_note", "stopped_on",
                  "stopped_from", "opened_at", "version")
MILESTONE_FIELDS = ("episode", "kind", "code", "sequence", "day", "planned", "actual", "status", "drugs")
STATE_CHANGE_FIELDS = ("episode", "from_state", "to_state", "on", "by", "at")
# Columns of the product rows.
COLLECTION_FIELDS = ("episode", "collected_at", "volume_ml", "cd3_count", "operator", "din", "recorded_at")
PRODUCT_FIELDS = ("episode", "manufacturer", "status", "failure_reason", "registered_at")
IDENTIFIER_FIELDS = ("product", "scheme", "value")
SHIPMENT_FIELDS = ("collection", "product", "direction", "courier", "shipper_id", "seal_numbers", "departed_at",
                   "arrived_at")
BAG_FIELDS = ("product", "number", "expiry", "status", "dispensed_at", "dispensed_by", "thaw_started_at",
              "bedside_checked_at", "bedside_checked_by", "bedside_second_person", "infusion_started_at",
              "infusion_ended_at")
EVENT_FIELDS = ("collection", "product", "bag", "action", "actor", "second_person", "place", "scanned",
                "temperature_c", "at", "meaning", "second_meaning")
RESERVE_FIELDS = ("episode", "drug", "reserved_doses", "used_doses", "reserved_by", "reserved_at")
# Columns of the follow-up rows.
PLAN_FIELDS = ("episode", "d0", "timepoints", "daily_calls_until", "twice_monthly_calls_until", "created_at",
               "created_by", "version", "last_contact", "visits_left")
VISIT_FIELDS = ("plan", "code", "day", "due", "earliest", "latest", "place", "center", "status", "done_on", "note",
                "recorded_by", "recorded_at")
RESPONSE_FIELDS = ("episode", "visit", "assessed_on", "criteria", "raw", "category", "is_progression", "recorded_by",
                   "recorded_at")
COUNT_FIELDS = ("episode", "visit", "sampled_on", "anc_per_ul", "platelets_g_l", "haemoglobin_g_dl", "recorded_by",
                "recorded_at")
LATE_EFFECT_FIELDS = ("episode", "visit", "kind", "observed_on", "details", "t_cell_malignancy", "recorded_by",
                      "recorded_at")
TREATMENT_FIELDS = ("episode", "kind", "started_on", "detail", "recorded_by", "recorded_at")
DEATH_FIELDS = ("patient", "episode", "died_on", "cause", "toxicity", "detail", "recorded_by", "recorded_at")
CALL_FIELDS = ("plan", "due", "status", "made_at", "caller", "answers", "note", "escalation", "escalated",
               "acknowledged_by", "acknowledged_at")
# Who does what on the product's chain, among the center's staff (synthetic.products.Staff).
CHAIN_ROLES = (Role.APHERESIS_NURSE, Role.PHARMACIST, Role.WARD_NURSE, Role.HAEMATOLOGIST)
# States and stop reasons as plain text: the database driver binds a str subclass (an enumeration member)
# only after failed look-ups for an adapter, each raising and clearing an exception (a dozen a patient).
PLAIN = {member.value: member.value for member in [*State, *StopReason]} | {"": ""}


class Stored(dict):
    """Values in their database form, each converted once (`adapt` on the first look-up): thousands of rows
    share the same few hundred dates, and the driver's own conversion of a date costs more than the look-up."""

    def __init__(self, adapt):
        super().__init__()
        self.adapt = adapt

    def __missing__(self, value):
        stored = self[value] = self.adapt(value)
        return stored


class Rows:
    """The rows of a run as they are made, table by table in the order of their INSERTs, each handed to `write` as
    (table, quoted columns, tuples ready for COPY or executemany): the database's own `write_rows`, or the pipe from the
    process making them to the one writing them (`seed_synthetic`'s `processes`).

    `add` takes plain tuples of `fields` (foreign keys as ids); every other column gets its field's default. With
    `returning`, it gives the new primary keys, in the order of the rows: drawn from `next_keys` ({table: its next
    key}, reserved beforehand for the whole run: `reserve_keys`), so that whoever makes the rows knows them without
    asking the database.

    Strings (plain `str`: see `PLAIN`), numbers, decimals and dates go as they are (both drivers adapt them; dates, many
    times over, better once in their database form: `Stored`); datetimes must come in their database form
    (`connection.ops.adapt_datetimefield_value`) and JSON in the form `json` gives. About 80 rows a patient: Model
    instances and bulk_create's preparation of every value would cost more than all the rest of the run.

    PostgreSQL takes the rows by binary COPY, its data made here (`_copy_data`): each value in the column's binary
    form (psycopg's own dumpers, told the columns' types, which Django's fields give without asking the database),
    read by the server without parsing text (a third less CPU on both sides for the visits, measured on this
    machine); a jsonb value is its binary form made here, the format's version byte then the JSON text
    (`json_bytes`), and goes as it is (declared `text`, whose binary form is the text itself: psycopg's dumper of
    `bytea` is written in Python, its dumper of `text` in C).
    """

    def __init__(self):
        self.next_keys: dict[str, int] = {}
        self.write = write_rows
        self.vendor = connection.vendor
        self.json = json_bytes if self.vendor == "postgresql" else json_text
        self._tables = {}

    def add(self, model, fields: tuple[str, ...], rows: list[tuple], returning: bool = False) -> list[int]:
        if not rows:
            return []
        table, (pk, pk_type), columns, types, defaults = self._table(model, fields)
        ids = []
        if returning:
            first = self.next_keys[table]
            self.next_keys[table] = first + len(rows)
            ids = list(range(first, first + len(rows)))
            rows = [(key, *row, *defaults) for key, row in zip(ids, rows)]
            columns, types = (pk, *columns), (pk_type, *types)
        elif defaults:
            rows = [row + defaults for row in rows]
        if self.vendor == "postgresql":
            self.write(table, columns, _copy_data(types, rows))
        else:
            self.write(table, columns, _sqlite_groups(rows, len(columns)))
        return ids

    def _table(self, model, fields: tuple[str, ...]) -> tuple:
        """(quoted table, (quoted primary key column, its COPY type), quoted columns, their COPY types, defaults of the
        other columns), once each."""
        found = self._tables.get((model, fields))
        if found is None:
            meta, quote = model._meta, connection.ops.quote_name
            given = [meta.get_field(name) for name in fields]
            others = [f for f in meta.concrete_fields if not f.primary_key and f not in given]
            defaults = tuple(self.json(f.get_default()) if f.db_type(connection) == "jsonb"
                             else f.get_db_prep_save(f.get_default(), connection) for f in others)
            found = self._tables[model, fields] = (
                quote(meta.db_table), (quote(meta.pk.column), self._copy_type(meta.pk)),
                tuple(quote(f.column) for f in given + others), tuple(self._copy_type(f) for f in given + others),
                defaults)
        return found

    @staticmethod
    def _copy_type(field) -> str:
        """The type psycopg dumps the field's values as in a binary COPY: the column's, without its modifiers
        ("varchar(20)": "varchar"); jsonb's values come made (`json_bytes`) and go as they are."""
        db_type = field.db_type(connection).split("(")[0]
        return "text" if db_type == "jsonb" else db_type


def write_rows(table: str, columns: tuple[str, ...], rows) -> None:
    """The rows of `Rows.add` into the database, in the current transaction: on PostgreSQL the binary COPY data
    (`_copy_data`), on SQLite their values in groups (`_sqlite_groups`)."""
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            _copy_rows(table, ", ".join(columns), rows)
        else:
            _insert_groups(table, columns, rows)


def json_text(value) -> str:
    """A JSON column's value as its text, which SQLite takes as it is: the driver's JSON adapter would encode it again
    for every row, shared values included."""
    return json.dumps(value)


def json_bytes(value) -> str:
    """A jsonb value in PostgreSQL's binary form, for a binary COPY: the format's version (1), then the JSON text
    (a str, dumped to UTF-8 as a `text` value)."""
    return "\x01" + json.dumps(value)


def _copy_data(types: tuple[str, ...], rows: list[tuple]) -> bytes:
    """The rows as the data of a binary COPY (signature, rows, trailer), each value dumped by psycopg as `types`
    says: made where the rows are made, without a word to the server (psycopg's FileWriter; the connection's
    cursor only lends its adapters), the writing process only passes it on (`_copy_rows`)."""
    from psycopg.copy import Copy, FileWriter

    data = io.BytesIO()
    with connection.connection.cursor() as cursor, Copy(cursor, binary=True, writer=FileWriter(data)) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    return data.getvalue()


def _copy_rows(table: str, columns: str, data: bytes) -> None:
    """PostgreSQL's binary COPY (psycopg 3) of `_copy_data`: the rows stream in one statement, about 8 times faster
    than an INSERT a row (issue #14), and without the client-side parsing of an INSERT of thousands of parameters."""
    with (connection.connection.cursor() as cursor,
          cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy):
        copy.write(data)


# Rows per INSERT on SQLite, and never more values than the oldest SQLite's limit of bound parameters.
SQLITE_ROWS_PER_INSERT = 50
SQLITE_MAX_PARAMETERS = 999


def _sqlite_groups(rows: list[tuple], width: int) -> list[list]:
    """The rows' values flattened, SQLITE_ROWS_PER_INSERT rows to a list: one multi-row INSERT each (`_insert_groups`),
    made where the rows are made (a process of its own, with `seed_synthetic`'s `processes`)."""
    per = max(1, min(SQLITE_ROWS_PER_INSERT, SQLITE_MAX_PARAMETERS // width))
    return [list(chain.from_iterable(rows[start:start + per])) for start in range(0, len(rows), per)]


def _insert_groups(table: str, columns: tuple[str, ...], groups: list[list]) -> None:
    """One INSERT of many rows for each group of values, run by the driver itself on Django's own connection, in the
    same transaction: a quarter less CPU a row than an `executemany` of one-row INSERTs (the statement is stepped
    once for 50 rows), no SQL text of thousands of parameters to build, nor for Django to rewrite (its `%s` to `?`
    regular expression cost a quarter of the run). The statement of each group size is prepared once (the driver's
    statement cache)."""
    width, start = len(columns), f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    row = f"({', '.join('?' * width)})"
    statements = {}
    # A plain sqlite3 cursor: Django's (the connection's factory) would rewrite every statement's placeholders.
    cursor = sqlite3.Cursor(connection.connection)
    try:
        for values in groups:
            count = len(values) // width
            statement = statements.get(count)
            if statement is None:
                statement = statements[count] = start + ", ".join([row] * count)
            cursor.execute(statement, values)
    finally:
        cursor.close()


def reserve_keys(models) -> dict[str, int]:
    """{quoted table: its next primary key} for the tables whose keys the run gives itself (`Rows.add(returning=True)`),
    reserved until the commit: the keys from there on are the run's, however many it takes (`release_keys`).

    PostgreSQL: each table is locked against other writers until the commit, so that no INSERT elsewhere draws a key
    from its sequence meanwhile (readers are not blocked), and the sequence's next value is taken.
    SQLite: the transaction already holds the database's write lock (BEGIN IMMEDIATE); AUTOINCREMENT's next key is
    past both the highest key ever given (sqlite_sequence) and the highest key present, and the explicit keys move
    sqlite_sequence on by themselves."""
    quote, keys = connection.ops.quote_name, {}
    with connection.cursor() as cursor:
        for model in models:
            table, column = model._meta.db_table, model._meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [quote(table), column])
            else:
                cursor.execute(f"SELECT 1 + max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                               f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))", [table])
            keys[quote(table)] = cursor.fetchone()[0]
    return keys


def release_keys(models, next_keys: dict[str, int]) -> None:
    """After the run: each table's sequence moved on to the keys the run took (PostgreSQL; SQLite's follow the rows)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in models:
            table, column = model._meta.db_table, model._meta.pk.column
            # setval(next, false): the next nextval() gives `next`, the first key the run did not take.
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                           [quote(table), column, next_keys[quote(table)]])


def last_ipp_number(center_id: int) -> int:
    """The highest synthetic IPP number already given at the center, 0 if none."""
    last = (
        LocalId.objects.filter(center_id=center_id, ipp__regex=rf"^{IPP_PREFIX}[0-9]{{{IPP_DIGITS}}}$")
        .order_by("-ipp")
        .values_list("ipp", flat=True)
        .first()
    )
    return int(last[len(IPP_PREFIX):]) if last else 0


class Destination:
    """What the new rows refer to: centers, referring physicians, the coordinator recording
    consents, and the identifiers already in use (INS across the database, IPP per center).
    `users`: the demo organisation's staff by username (`hospital.build_organisation`)."""

    def __init__(self, users: dict):
        coordinator = users["coordinator"]
        self.treating_ids = list(
            Center.objects.filter(kind=Center.Kind.TREATING).order_by("pk").values_list("pk", flat=True)
        )
        self.referrals = list(
            Membership.objects.filter(role=Role.REFERRING_PHYSICIAN, center__kind=Center.Kind.REFERRING)
            .order_by("pk")
            .values_list("center_id", "user_id")
        )
        self.coordinator_id = coordinator.pk
        self.today = timezone.localdate()
        self.taken_ins = set(Patient.objects.exclude(ins=None).values_list("ins", flat=True).iterator())
        self.next_ipp = {center_id: last_ipp_number(center_id) + 1 for center_id in self.treating_ids}
        self.pathway = Pathway(self.treating_ids, users, self.today)
        self.rows = self.pathway.rows

    def new_patient(self, rng: random.Random, fields: dict, referred: bool) -> SyntheticPatient:
        """A Patient row's values by attribute name (`pk` once inserted)."""
        center_id, physician_id = rng.choice(self.referrals) if referred and self.referrals else (None, None)
        return SyntheticPatient(
            pk=None,
            treating_center_id=rng.choice(self.treating_ids),
            referring_center_id=center_id,
            referring_physician_id=physician_id,
            **fields,
        )

    def new_local_id(self, patient: SyntheticPatient) -> tuple:
        """(patient, center, ipp), the patient's IPP at the treating center, for `Rows.add`."""
        center_id = patient.treating_center_id
        number, self.next_ipp[center_id] = self.next_ipp[center_id], self.next_ipp[center_id] + 1
        return (patient.pk, center_id, f"{IPP_PREFIX}{number:0{IPP_DIGITS}d}")


class Pathway:
    """What the pathway rows refer to: the weekly RCP meetings of each treating center (created
    when missing), the protocol templates, and who refers from inside the center and decides."""

    def __init__(self, treating_ids: list[int], users: dict, today: dt.date):
        self.today = today
        self.rows = Rows()
        self.coordinator_id = users["coordinator"].pk
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        templates = list(ProtocolTemplate.objects.all())
        self.protocols = {(t.product, t.indication): t.as_protocol() for t in templates}
        self.template_ids = {(t.product, t.indication): t.pk for t in templates}
        staff = (Membership.objects.filter(center_id__in=treating_ids, role__in=MEETING_ROLES)
                 .order_by("pk").values_list("center_id", "user_id", "role"))
        self.attendees = {center_id: [] for center_id in treating_ids}
        self.haematologist = {}
        for center_id, user_id, role in staff:
            self.attendees[center_id].append(user_id)
            if role == Role.HAEMATOLOGIST:
                self.haematologist.setdefault(center_id, user_id)
        self.meeting_days = pathway_synthetic.meeting_days(today)
        self.meeting_ids = self.weekly_meetings(treating_ids)
        self._moments = {}
        self.dates = Stored(connection.ops.adapt_datefield_value)
        self.no_drugs = self.rows.json([])
        self.counts = Counter()
        self.chain = ProductChain(self.rows, treating_ids, users, self.now, self.tz, self.meeting_days[0].year)
        self.follow_up = FollowUp(self, treating_ids, users, templates)
        self.completeness = Completeness(self.rows, today, self.now)

    def weekly_meetings(self, treating_ids: list[int]) -> dict[int, list[int]]:
        """{center: [meeting id for each of `meeting_days`]}; a meeting already held that day is reused."""
        existing = {}
        for pk, center_id, held_on in (MdtMeeting.objects.filter(center_id__in=treating_ids,
                                                                 held_on__in=self.meeting_days)
                                       .order_by("pk").values_list("pk", "center_id", "held_on")):
            existing.setdefault((center_id, held_on), pk)
        missing = [MdtMeeting(center_id=center_id, held_on=day, title=MEETING_TITLE, created_by_id=self.coordinator_id)
                   for center_id in treating_ids for day in self.meeting_days if (center_id, day) not in existing]
        created = MdtMeeting.objects.bulk_create(missing)
        MdtMeeting.attendees.through.objects.bulk_create(
            MdtMeeting.attendees.through(mdtmeeting_id=meeting.pk, user_id=user_id)
            for meeting in created for user_id in self.attendees[meeting.center_id])
        existing.update({(meeting.center_id, meeting.held_on): meeting.pk for meeting in created})
        return {center_id: [existing[center_id, day] for day in self.meeting_days] for center_id in treating_ids}

    def moment(self, day: dt.date):
        """When a row of that day was recorded (midday local time; now, for today), as stored."""
        value = self._moments.get(day)
        if value is None:
            moment = self.now if day >= self.today else dt.datetime.combine(day, dt.time(12), tzinfo=self.tz)
            value = self._moments[day] = connection.ops.adapt_datetimefield_value(moment)
        return value

    def insert(self, rng: random.Random, patients: list[SyntheticPatient], ipps: list[str], consents_on: list) -> None:
        """Each patient's referral and what became of it, and the registry's stored completeness of their episodes;
        `ipps`: their IPP at the treating center; `consents_on`: the day of their registry consent (or None)."""
        cases = [
            pathway_synthetic.case(rng, today=self.today, birth_date=patient.birth_date, sex=patient.sex,
                                   meetings=self.meeting_days, protocols=self.protocols,
                                   weight_kg=patient.weight_kg, height_cm=patient.height_cm)
            for patient in patients
        ]
        referral_ids = self.rows.add(Referral, REFERRAL_FIELDS, [
            self.referral_row(rng, patient, case.referral) for patient, case in zip(patients, cases)], returning=True)
        decided = [(patient, case, referral_id) for patient, case, referral_id in zip(patients, cases, referral_ids)
                   if case.outcome]
        meetings = [self.meeting_ids[patient.treating_center_id][case.meeting] for patient, case, _r in decided]
        decision_ids = self.rows.add(MdtDecision, DECISION_FIELDS, [
            self.decision_row(patient, case, referral_id, meeting_id)
            for (patient, case, referral_id), meeting_id in zip(decided, meetings)], returning=True)
        self.rows.add(MdtMeeting.agenda.through, ("mdtmeeting", "referral"),
                    [(meeting_id, referral_id) for (_p, _c, referral_id), meeting_id in zip(decided, meetings)])
        ipp_of = dict(zip((patient.pk for patient in patients), ipps))
        opened = [(patient, case, decision_id) for (patient, case, _r), decision_id in zip(decided, decision_ids)
                  if case.episode is not None]
        episode_ids = self.rows.add(Episode, EPISODE_FIELDS, [
            self.episode_row(patient, case, decision_id) for patient, case, decision_id in opened], returning=True)
        no_drugs, dates = self.no_drugs, self.dates
        self.rows.add(Milestone, MILESTONE_FIELDS, [
            (episode_id, step.kind, step.code, step.sequence, step.day, dates[step.planned], dates[step.actual],
             step.status, self.rows.json(step.drugs) if step.drugs else no_drugs)
            for episode_id, (_patient, case, _d) in zip(episode_ids, opened) for step in case.episode.steps])
        moment, by = self.moment, self.coordinator_id
        self.rows.add(StateChange, STATE_CHANGE_FIELDS, [
            (episode_id, PLAIN[before], PLAIN[after], dates[on], by, moment(on))
            for episode_id, (_patient, case, _d) in zip(episode_ids, opened)
            for before, after, on in case.episode.changes])
        chains = self.chain.insert(rng, [(episode_id, patient, case, ipp_of[patient.pk])
                                         for episode_id, (patient, case, _d) in zip(episode_ids, opened)],
                                   self.protocols)
        histories = self.follow_up.insert(rng, [(episode_id, patient, case) for episode_id, (patient, case, _d)
                                                in zip(episode_ids, opened) if case.episode.fate is not None])
        consent_of = dict(zip((patient.pk for patient in patients), consents_on))
        self.completeness.insert([
            episode_data(episode_id, patient, case, self.meeting_days[case.meeting], ipp_of[patient.pk],
                         consent_of[patient.pk], chains.get(episode_id), histories.get(episode_id))
            for episode_id, (patient, case, _d) in zip(episode_ids, opened)])
        self.counts["referrals"] += len(cases)
        self.counts.update(f"decision {case.outcome}" for _patient, case, _r in decided)
        self.counts.update(f"episode {case.episode.state}" for _patient, case, _d in opened)

    def referral_row(self, rng: random.Random, patient: SyntheticPatient, referral: dict) -> tuple:
        """From the referring physician when there is one, otherwise from the center's own haematologist."""
        center_id = patient.treating_center_id
        if patient.referring_center_id:
            from_center, physician, name = patient.referring_center_id, patient.referring_physician_id, ""
        else:
            physician = self.haematologist.get(center_id)
            name = "" if physician else f"Dr {rng.choice(patients_synthetic.FAMILY_NAMES)}"
            from_center = center_id
        return (patient.pk, center_id, from_center, physician, name, self.dates[referral["received_on"]],
                referral["diagnosis"], referral["diagnosis_detail"], referral["disease_stage"], referral["prior_lines"],
                referral["prior_transplant"], referral["current_status"], self.coordinator_id,
                self.moment(referral["received_on"]))

    def decision_row(self, patient: SyntheticPatient, case, referral_id: int, meeting_id: int) -> tuple:
        decision = case.decision
        return (meeting_id, referral_id, case.outcome, decision.get("product", ""), decision.get("indication", ""),
                decision.get("trial", ""), decision.get("bridging_planned", False),
                decision.get("bridging_detail", ""), decision.get("reason", ""),
                self.dates[decision.get("deferred_until")],
                self.haematologist.get(patient.treating_center_id, self.coordinator_id),
                self.moment(self.meeting_days[case.meeting]))

    def episode_row(self, patient: SyntheticPatient, case, decision_id: int) -> tuple:
        lived, decision = case.episode, case.decision
        return (patient.pk, decision_id, self.template_ids[decision["product"], decision["indication"]],
                PLAIN[lived.state], PLAIN[lived.stop_reason], lived.stop_note, self.dates[lived.stopped_on],
                PLAIN[lived.stopped_from],
                self.moment(self.meeting_days[case.meeting]), lived.version)

    def summary(self) -> str:
        counts = self.counts
        outcomes = ", ".join(f"{counts[f'decision {o}']:,} {o}" for o in MdtDecision.Outcome.values)
        states = ", ".join(f"{counts[key]:,} {key.split(' ', 1)[1]}" for key in sorted(counts)
                           if key.startswith("episode "))
        return (f"{counts['referrals']:,} referrals; decisions: {outcomes}; episodes: {states}. "
                f"{self.chain.summary()} {self.follow_up.summary()}")


def highest_din_sequence(facility: str, year: int) -> int | None:
    """The highest DIN sequence the facility used in the year, on a collection or on a product's labels
    (as the collection page's suggestion reads it)."""
    prefix = f"{facility}{year % 100:02d}"
    # Same length, digits only after the prefix: the greatest text is the greatest sequence.
    found = [Collection.objects.filter(din__startswith=prefix).aggregate(top=Max("din"))["top"],
             Identifier.objects.filter(scheme=Identifier.Scheme.DIN, value__startswith=prefix)
             .aggregate(top=Max("value"))["top"]]
    return max((int(din[7:13]) for din in found if din and din[7:13].isdigit()), default=None)


def highest_manufacturer_number() -> int:
    """The highest sequence of a synthetic manufacturer's number already given, 0 if none."""
    digits = products_synthetic.NUMBER_DIGITS
    values = (Identifier.objects.filter(scheme=Identifier.Scheme.MANUFACTURER,
                                        value__regex=products_synthetic.NUMBER_PATTERN)
              .values_list("value", flat=True))
    return max((int(value[-digits:]) for value in values.iterator()), default=0)


class ProductChain:
    """The product's chain of custody of each synthetic episode (`cellrelay.demo.synthetic.products`): who does
    each step at the center, the DIN's facility, and the DINs and manufacturers' numbers already used."""

    def __init__(self, rows: Rows, treating_ids: list[int], users: dict, now: dt.datetime, tz, first_year: int):
        self.rows = rows
        self.tz = tz
        self.now = timezone.localtime(now, tz).replace(tzinfo=None)  # the pure module's wall clock
        self.facility = {pk: products_synthetic.facility_for(facility_id) for pk, facility_id in
                         Center.objects.filter(pk__in=treating_ids).values_list("pk", "facility_id")}
        members = {center_id: {} for center_id in treating_ids}
        for center_id, user_id, role in (Membership.objects.filter(center_id__in=treating_ids, role__in=CHAIN_ROLES)
                                         .order_by("pk").values_list("center_id", "user_id", "role")):
            members[center_id].setdefault(role, []).append(user_id)
        self.staff = {center_id: self.staff_of(roles, users) for center_id, roles in members.items()}
        # Asked now, of every year a collection of the run can fall in: whoever makes the rows needs no database.
        highest = {(facility, year): highest_din_sequence(facility, year) for facility in set(self.facility.values())
                   for year in range(first_year, self.now.year + 1)}
        self.numbering = products_synthetic.Numbering(lambda facility, year: highest[facility, year],
                                                      highest_manufacturer_number())
        self.adapt_datetime = connection.ops.adapt_datetimefield_value
        self.empty_list = self.rows.json([])
        self._offsets = {}
        self.times = Stored(self.database_time)  # emptied for each batch
        # A UTC time as the backend stores it; directly as naive text when that is its form (SQLite), at a
        # third of the cost of adapt_datetimefield_value.
        probe = dt.datetime(2001, 2, 3, 4, 5, 6, 7)
        self.naive_text = self.adapt_datetime(probe.replace(tzinfo=dt.timezone.utc)) == str(probe)
        self.counts = Counter()

    @staticmethod
    def staff_of(roles: dict, users: dict) -> products_synthetic.Staff:
        """The center's own staff for each step; the demo hospital's when the center has nobody in that role.
        A second person is always someone else: the witness lists hold two people at least."""
        def members(*wanted, default):
            found = [user_id for role in wanted for user_id in roles.get(role, [])]
            return found or [users[default].pk]

        def two_or_more(found, default):
            return found if len(set(found)) > 1 else found + [users[default].pk]

        pharmacists = members(Role.PHARMACIST, default="pharmacist")
        nurses = members(Role.WARD_NURSE, default="wardnurse")
        return products_synthetic.Staff(
            apheresis=members(Role.APHERESIS_NURSE, default="apheresis"), pharmacists=pharmacists,
            receipt_witnesses=two_or_more(pharmacists, "pharmacist2"),
            nurses=nurses, bedside_witnesses=two_or_more(roles.get(Role.HAEMATOLOGIST, []) + nurses, "haematologist"))

    def database_time(self, moment: dt.datetime | None):
        """A wall-clock time of the pure module, as stored. About 20 a chain, most of them twice (the record's
        field and its custody event): through `self.times`, each is converted once a batch, and the time zone's
        offset is looked up once per day and hour (an hour, not a day: summer time starts and ends at night)."""
        if moment is None:
            return None
        key = (moment.date(), moment.hour)
        offset = self._offsets.get(key)
        if offset is None:
            offset = self._offsets[key] = moment.replace(minute=0, second=0, microsecond=0, tzinfo=self.tz).utcoffset()
        utc = moment - offset
        return str(utc) if self.naive_text else self.adapt_datetime(utc.replace(tzinfo=dt.timezone.utc))

    def insert(self, rng: random.Random, episodes: list[tuple], protocols: dict) -> dict:
        """`episodes`: (episode id, patient, case, IPP) of the episodes just inserted; {episode id: its chain} of those
        whose cells were collected."""
        chains = []
        for episode_id, patient, case, ipp in episodes:
            protocol = protocols[case.decision["product"], case.decision["indication"]]
            chain = products_synthetic.custody(
                rng, case.episode, product=case.decision["product"], thaw_limit_minutes=protocol.thaw_limit_minutes,
                tocilizumab_doses=protocol.tocilizumab_doses, facility=self.facility[patient.treating_center_id],
                ipp=ipp, staff=self.staff[patient.treating_center_id], numbering=self.numbering, now=self.now)
            if chain is not None:
                chains.append((episode_id, chain))
        if not chains:
            return {}
        self.times.clear()
        collection_ids = self.rows.add(Collection, COLLECTION_FIELDS, [
            (episode_id, self.times[c.collected_at], c.volume_ml, c.cd3_count, c.operator, c.din,
             self.times[c.collected_at])
            for episode_id, c in chains], returning=True)
        product_ids = self.insert_products(chains)
        self.insert_shipments(chains, collection_ids, product_ids)
        bag_ids = self.insert_bags(chains, product_ids)
        self.insert_events(chains, collection_ids, product_ids, bag_ids)
        self.counts["collections"] += len(chains)
        self.counts.update(f"product {c.product.status}" for _e, c in chains if c.product)
        return dict(chains)

    def insert_products(self, chains: list[tuple]) -> dict[int, int]:
        """The products with their identifiers, and the drugs reserved: {chain index: product id}."""
        made = [(n, episode_id, c) for n, (episode_id, c) in enumerate(chains) if c.product is not None]
        ids = self.rows.add(Product, PRODUCT_FIELDS, [
            (episode_id, c.product.manufacturer, c.product.status, c.product.failure_reason,
             self.times[c.product.registered_at])
            for _n, episode_id, c in made], returning=True)
        self.rows.add(Identifier, IDENTIFIER_FIELDS, [
            row for (_n, _e, c), product_id in zip(made, ids)
            for row in ((product_id, Identifier.Scheme.DIN.value, c.din),
                        (product_id, Identifier.Scheme.MANUFACTURER.value, c.product.number))])
        self.rows.add(DrugReserve, RESERVE_FIELDS, [
            (episode_id, c.reserve.drug, c.reserve.doses, 0, c.reserve.reserved_by, self.times[c.reserve.reserved_at])
            for _n, episode_id, c in made if c.reserve is not None])
        return {n: product_id for (n, _e, _c), product_id in zip(made, ids)}

    def insert_shipments(self, chains: list[tuple], collection_ids: list[int], product_ids: dict[int, int]) -> None:
        shipments = [(collection_id, None, Shipment.Direction.OUT.value, c.shipment_out)
                     for (_e, c), collection_id in zip(chains, collection_ids)]
        shipments += [(None, product_ids[n], Shipment.Direction.BACK.value, c.product.shipment_back)
                      for n, (_e, c) in enumerate(chains) if c.product and c.product.shipment_back]
        times = self.times
        self.rows.add(Shipment, SHIPMENT_FIELDS, [
            (collection_id, product_id, direction, s.courier, s.shipper_id, self.rows.json(s.seal_numbers),
             times[s.departed_at], times[s.arrived_at])
            for collection_id, product_id, direction, s in shipments])

    def insert_bags(self, chains: list[tuple], product_ids: dict[int, int]) -> dict[tuple[int, int], int]:
        """{(product id, bag number): bag id}."""
        bags = [(product_ids[n], bag) for n, (_e, c) in enumerate(chains) if c.product for bag in c.product.bags]
        times, available, dispensed = self.times, Bag.Status.AVAILABLE.value, Bag.Status.DISPENSED.value
        ids = self.rows.add(Bag, BAG_FIELDS, [
            (product_id, b.number, times[b.expiry], available if b.dispensed_at is None else dispensed,
             times[b.dispensed_at], b.dispensed_by, times[b.thaw_started_at], times[b.bedside_checked_at],
             b.bedside_checked_by, b.bedside_second_person, times[b.infusion_started_at], times[b.infusion_ended_at])
            for product_id, b in bags], returning=True)
        self.counts["bags infused"] += sum(1 for _p, b in bags if b.infusion_ended_at is not None)
        return {(product_id, b.number): bag_id for (product_id, b), bag_id in zip(bags, ids)}

    def insert_events(self, chains: list[tuple], collection_ids: list[int], product_ids: dict[int, int],
                      bag_ids: dict[tuple[int, int], int]) -> None:
        """Every custody event, in each chain's time order."""
        times, empty = self.times, self.empty_list
        rows = []
        for n, ((_e, c), collection_id) in enumerate(zip(chains, collection_ids)):
            product_id = product_ids.get(n)
            for e in c.events:
                if e.on == products_synthetic.ON_COLLECTION:
                    subject = (collection_id, None, None)
                elif e.on == products_synthetic.ON_PRODUCT:
                    subject = (None, product_id, None)
                else:
                    subject = (None, product_id, bag_ids[product_id, e.on])
                rows.append((*subject, e.action, e.actor, e.second_person, e.place,
                             self.rows.json(e.scanned) if e.scanned else empty, e.temperature_c, times[e.at],
                             e.meaning, e.second_meaning))
        self.rows.add(CustodyEvent, EVENT_FIELDS, rows)

    def summary(self) -> str:
        counts = self.counts
        products = ", ".join(f"{counts[key]:,} {key.split(' ', 1)[1]}" for key in sorted(counts)
                             if key.startswith("product "))
        return (f"Chain of custody: {counts['collections']:,} collections; products: {products or 'none'}; "
                f"{counts['bags infused']:,} bags infused.")


def last_contact(history) -> dt.date:
    """FollowUpPlan.last_contact as the services keep it: D0, or the last visit done or call made (at its due day)."""
    return max([history.d0, *(v.done_on for v in history.visits if v.status == "done"),
                *(c.due for c in history.calls if c.status == "done")])


class FollowUp:
    """The follow-up of each synthetic episode once infused (`cellrelay.demo.synthetic.followup`): the plan made at
    the infusion and what was recorded since, by the treating center's coordinator and haematologist, or by the
    referring physician for the visits their hospital took back."""

    Visit = followup_models.Visit

    def __init__(self, pathway: "Pathway", treating_ids: list[int], users: dict, templates: list):
        self.pathway = pathway
        self.codes = {(t.product, t.indication): t.timepoints() for t in templates}
        self.windows = follow_up_windows()
        coordinators = dict(Membership.objects.filter(center_id__in=treating_ids, role=Role.COORDINATOR)
                            .order_by("-pk").values_list("center_id", "user_id"))
        self.coordinator = {pk: coordinators.get(pk, users["coordinator"].pk) for pk in treating_ids}
        self.haematologist = {pk: pathway.haematologist.get(pk, users["haematologist"].pk) for pk in treating_ids}
        self.usual_answers = self.pathway.rows.json(followup_synthetic.USUAL_ANSWERS)
        self.empty_list = self.pathway.rows.json([])
        self.counts = Counter()

    def insert(self, rng: random.Random, episodes: list[tuple]) -> dict:
        """`episodes`: (episode id, patient, case) of the infused episodes just inserted; {episode id: its history}."""
        if not episodes:
            return {}
        today, histories = self.pathway.today, []
        for episode_id, patient, case in episodes:
            product, indication = case.decision["product"], case.decision["indication"]
            center = patient.treating_center_id
            staff = followup_synthetic.Staff(self.coordinator[center], self.haematologist[center],
                                             patient.referring_physician_id)
            histories.append((episode_id, patient, followup_synthetic.history(
                rng, case.episode.fate, criteria=criteria_for_indication(indication, diagnosis=case.referral[
                    "diagnosis"]), codes=self.codes[product, indication], windows=self.windows,
                proximity_days=self.pathway.protocols[product, indication].proximity_days, today=today,
                staff=staff)))
        moment, dates = self.pathway.moment, self.pathway.dates
        plan_ids = self.pathway.rows.add(followup_models.FollowUpPlan, PLAN_FIELDS, [
            (episode_id, dates[h.d0], h.timepoints, dates[h.daily_calls_until], dates[h.twice_monthly_calls_until],
             moment(h.d0), self.coordinator[patient.treating_center_id], h.version, dates[last_contact(h)],
             any(v.status == "planned" for v in h.visits))
            for episode_id, patient, h in histories], returning=True)
        visit_ids = self.insert_visits(histories, plan_ids)
        self.insert_findings(histories, visit_ids)
        self.insert_calls(histories, plan_ids)
        return {episode_id: h for episode_id, _patient, h in histories}

    def insert_visits(self, histories: list[tuple], plan_ids: list[int]) -> list[list[int]]:
        """The visits of each plan; their ids, plan by plan in the order of its visits."""
        dates, moment, place = self.pathway.dates, self.pathway.moment, self.Visit.Place
        rows = [
            (plan_id, v.code, v.day, dates[v.due], dates[v.earliest], dates[v.latest],
             place.REFERRING.value if v.referring else place.TREATING.value,
             patient.referring_center_id if v.referring else patient.treating_center_id, v.status,
             dates[v.done_on], v.note, v.recorded_by, moment(v.done_on) if v.recorded_by else None)
            for (_e, patient, h), plan_id in zip(histories, plan_ids) for v in h.visits]
        ids = iter(self.pathway.rows.add(self.Visit, VISIT_FIELDS, rows, returning=True))
        self.counts.update(f"visit {row[8]}" for row in rows)
        return [[next(ids) for _v in h.visits] for _e, _p, h in histories]

    def insert_findings(self, histories: list[tuple], visit_ids: list[list[int]]) -> None:
        """Responses, blood counts, late effects, subsequent treatments and deaths."""
        dates, moment = self.pathway.dates, self.pathway.moment

        def visit(ids, index):
            return None if index is None else ids[index]

        responses, counts, effects, treatments, deaths = [], [], [], [], []
        for (episode_id, patient, h), ids in zip(histories, visit_ids):
            responses += [(episode_id, visit(ids, r.visit), dates[r.assessed_on], h.criteria, self.pathway.rows.json(r.raw),
                           r.category, r.is_progression, r.recorded_by, moment(r.assessed_on)) for r in h.responses]
            counts += [(episode_id, ids[c.visit], dates[c.sampled_on], c.anc_per_ul, c.platelets_g_l,
                        c.haemoglobin_g_dl, c.recorded_by, moment(c.sampled_on)) for c in h.counts]
            effects += [(episode_id, visit(ids, e.visit), e.kind, dates[e.observed_on], self.pathway.rows.json(e.details),
                         e.t_cell_malignancy, e.recorded_by, moment(e.observed_on)) for e in h.late_effects]
            treatments += [(episode_id, t.kind, dates[t.started_on], t.detail, t.recorded_by, moment(t.started_on))
                           for t in h.treatments]
            if h.death is not None:
                d = h.death
                deaths.append((patient.pk, episode_id, dates[d.died_on], d.cause, d.toxicity, d.detail, d.recorded_by,
                               moment(d.died_on)))
                self.counts[f"death {d.cause}"] += 1
        self.pathway.rows.add(followup_models.Response, RESPONSE_FIELDS, responses)
        self.pathway.rows.add(followup_models.BloodCount, COUNT_FIELDS, counts)
        self.pathway.rows.add(followup_models.LateEffect, LATE_EFFECT_FIELDS, effects)
        self.pathway.rows.add(followup_models.SubsequentTreatment, TREATMENT_FIELDS, treatments)
        self.pathway.rows.add(followup_models.Death, DEATH_FIELDS, deaths)
        self.counts.update(plans=len(histories), responses=len(responses), relapses=sum(r[6] for r in responses),
                           counts=len(counts), late_effects=len(effects), treatments=len(treatments))

    def insert_calls(self, histories: list[tuple], plan_ids: list[int]) -> None:
        """The first month's calls as made (midday, by the coordinator; a fever seen by the haematologist within the
        hour), and the calls planned from today."""
        dates, moment, tz = self.pathway.dates, self.pathway.moment, self.pathway.tz
        usual, empty = self.usual_answers, self.empty_list
        rows, planned = [], ("planned", None, None, empty, "", empty, False, None, None)
        for (_e, patient, h), plan_id in zip(histories, plan_ids):
            coordinator = self.coordinator[patient.treating_center_id]
            made = (coordinator, usual, "", empty, False, None, None)
            for call in h.calls:
                if call.status == "planned":
                    rows.append((plan_id, dates[call.due], *planned))
                elif not call.escalation:
                    rows.append((plan_id, dates[call.due], "done", moment(call.due), *made))
                else:
                    seen = dt.datetime.combine(call.due, dt.time(12, 40), tzinfo=tz)
                    rows.append((plan_id, dates[call.due], "done", moment(call.due), coordinator,
                                 self.pathway.rows.json(call.answers), call.note, self.pathway.rows.json(call.escalation), True,
                                 self.haematologist[patient.treating_center_id],
                                 connection.ops.adapt_datetimefield_value(seen)))
        self.pathway.rows.add(followup_models.Call, CALL_FIELDS, rows)
        self.counts.update(f"call {row[2]}" for row in rows)

    def summary(self) -> str:
        c = self.counts
        return (f"Follow-up: {c['plans']:,} plans; visits: {c['visit done']:,} done, {c['visit missed']:,} missed, "
                f"{c['visit planned']:,} planned; {c['responses']:,} responses ({c['relapses']:,} relapses or "
                f"progressions); {c['counts']:,} blood counts; {c['late_effects']:,} late effects; "
                f"{c['treatments']:,} subsequent treatments; deaths: {c['death progression']:,} from progression, "
                f"{c['death non_relapse']:,} non-relapse; calls: {c['call done']:,} made, {c['call planned']:,} "
                "planned.")


def insert_batch(rng: random.Random, destination: Destination, size: int) -> None:
    rows = [patients_synthetic.patient(rng, destination.today, destination.taken_ins) for _ in range(size)]
    patients = [destination.new_patient(rng, row["fields"], row["referred"]) for row in rows]
    # The primary keys (reserved for the run: `reserve_keys`) that the identifiers, contacts, consents and referrals
    # below point to.
    fields = ("treating_center", "referring_center", "referring_physician", *rows[0]["fields"])
    attnames = [Patient._meta.get_field(name).attname for name in fields]
    ids = destination.rows.add(Patient, fields, [tuple(getattr(patient, name) for name in attnames) for patient in patients],
                      returning=True)
    for patient, pk in zip(patients, ids):
        patient.pk = pk
    local_ids = [destination.new_local_id(patient) for patient in patients]
    destination.rows.add(LocalId, ("patient", "center", "ipp"), local_ids)
    destination.rows.add(Contact, ("patient", "kind", "name", "relationship", "phone"), [
        (patient.pk, Contact.Kind.CAREGIVER.value, row["caregiver"]["name"], row["caregiver"]["relationship"],
         row["caregiver"]["phone"])
        for patient, row in zip(patients, rows)])
    destination.rows.add(Consent, ("patient", "kind", "status", "decided_on", "recorded_by"), [
        (patient.pk, Consent.Kind.REGISTRY.value, Consent.Status.GIVEN.value, row["consent_on"],
         destination.coordinator_id)
        for patient, row in zip(patients, rows)
        if row["consent_on"]])
    destination.pathway.insert(rng, patients, [ipp for _patient, _center, ipp in local_ids],
                               [row["consent_on"] for row in rows])


@contextmanager
def bulk_loading(sqlite_cache_kib: int = 262_144):
    """Millions of short-lived objects and no reference cycles to speak of: the cyclic garbage
    collector would rescan the growing heap again and again (about half the run), so it pauses.
    On SQLite, a larger page cache keeps the tables and indexes being filled in memory (fewer pages spilled to the
    write-ahead log before the commit), an index rebuilt at the end (`indexes_set_aside`) is sorted by helper threads,
    one per core (measured at 20,000 patients: the rebuild's wall time about a third shorter for the same CPU), and
    the commit and its checkpoint do not wait for the disk
    (synchronous = OFF: a power cut during the load can lose or corrupt it; a bulk load is for a new or offline
    database), when the run's transaction is its own. All are restored: enter this around the transaction, so that
    its commit is made this way."""
    collecting = gc.isenabled()
    gc.disable()
    previous = {}
    try:
        if connection.vendor == "sqlite":
            # SQLite changes the safety level only between transactions: when the run's commit is its own.
            pragmas = [("cache_size", f"-{int(sqlite_cache_kib)}"), ("threads", str(os.cpu_count() or 1))]
            if not connection.in_atomic_block:
                pragmas.append(("synchronous", "OFF"))
            with connection.cursor() as cursor:
                for pragma, value in pragmas:
                    cursor.execute(f"PRAGMA {pragma}")
                    previous[pragma] = cursor.fetchone()[0]
                    cursor.execute(f"PRAGMA {pragma} = {value}")
        yield
    finally:
        if previous:
            with connection.cursor() as cursor:
                for pragma, value in previous.items():
                    cursor.execute(f"PRAGMA {pragma} = {int(value)}")
        if collecting:
            gc.enable()


# The tables the bulk run fills, whose indexes and foreign keys a large run sets aside (`indexes_set_aside`).
SEEDED_MODELS = (Patient, LocalId, Contact, Consent, Referral, MdtDecision, MdtMeeting.agenda.through, Episode,
                 Milestone, StateChange, Collection, Product, Identifier, DrugReserve, Shipment, Bag, CustodyEvent,
                 followup_models.FollowUpPlan, followup_models.Visit, followup_models.Response,
                 followup_models.BloodCount, followup_models.LateEffect, followup_models.SubsequentTreatment,
                 followup_models.Death, followup_models.Call, CompletenessRow)
# A run at least this large, and at least as large as what is already there, sets the indexes aside (measured at 4,000
# patients: +45 % on SQLite, +120 % on PostgreSQL).
SET_ASIDE_FROM_PATIENTS = 2_000


def worth_setting_aside(patients: int) -> bool:
    """Rebuilding an index or checking a foreign key reads the whole table, old rows and new: it pays when the run
    brings at least as many rows as the tables hold, and enough rows for a sort to beat row-by-row upkeep."""
    return patients >= SET_ASIDE_FROM_PATIENTS and patients >= Patient.objects.count()


@contextmanager
def indexes_set_aside(models=SEEDED_MODELS):
    """Bulk loading as database restores do it: the tables' secondary indexes (and on PostgreSQL their foreign keys)
    are dropped, the rows go in, then each index is built again in one sort and each foreign key checked again in one
    pass over its table, instead of being kept up row by row. Unique indexes and constraints are either kept or
    re-checked as they are rebuilt, and every foreign key is checked again before the commit: the data is held to the
    same rules. Within the caller's transaction: a failure restores everything, and everyone else waits for the commit,
    readers included on PostgreSQL (dropping an index locks its table ACCESS EXCLUSIVE): a bulk load is for an
    empty or offline database, never a live one."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A table with foreign-key checks still pending (the rows written before, in this transaction) cannot
            # be altered: they are made now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            set_aside = _postgresql_set_aside(cursor, tables)
        else:
            set_aside = _sqlite_set_aside(cursor, tables)
        for drop, _restore in set_aside:
            cursor.execute(drop)
    yield
    with connection.cursor() as cursor:
        for _drop, restore in set_aside:
            cursor.execute(restore)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's foreign keys, as they were


def _postgresql_set_aside(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(drop, restore) statements: the indexes that no constraint owns (the primary and unique keys stay), then the
    foreign keys, checked again once the indexes are back."""
    quote = connection.ops.quote_name
    cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid::regclass::text, conname",
                   [[quote(table) for table in tables]])
    keys = [(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}",
             f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            for table, name, definition in cursor.fetchall()]
    cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                   [[quote(table) for table in tables]])
    indexes = [(f"DROP INDEX {name}", definition) for name, definition in cursor.fetchall()]
    return [*indexes, *keys]


def _sqlite_set_aside(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(drop, restore) statements of the tables' indexes made by CREATE INDEX (a UNIQUE or PRIMARY KEY of the table
    itself has no SQL of its own and stays). SQLite's foreign keys are checked all the same."""
    quote = connection.ops.quote_name
    cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({', '.join(['%s'] * len(tables))}) ORDER BY name", tables)
    return [(f"DROP INDEX {quote(name)}", sql) for name, sql in cursor.fetchall()]


def batch_sizes(total: int, batch_size: int) -> list[int]:
    return [min(batch_size, total - start) for start in range(0, total, batch_size)]


# The tables whose primary keys the run gives itself (`Rows.add(returning=True)`): other rows point to them.
KEYED_MODELS = (Patient, Referral, MdtDecision, Episode, Collection, Product, Bag, followup_models.FollowUpPlan,
                followup_models.Visit)


def default_processes() -> int:
    """1 (the rows made in a process of their own while this one writes them) where processes can be forked and
    there is more than one core; 0 (made here, between the writes) otherwise."""
    return int((os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods())


def seed_synthetic(patients: int, seed: int, batch_size: int, on_batch=lambda size: None,
                   set_aside_indexes: bool | None = None, processes: int | None = None) -> str:
    """Add `patients` synthetic patients drawn from `seed`, `batch_size` at a time (`on_batch(size)` after each
    batch), with the demo organisation they need; a summary of what was made. `set_aside_indexes`: whether the
    tables' indexes and foreign keys are rebuilt at the end rather than kept up row by row (`indexes_set_aside`);
    by default when the run is large (`worth_setting_aside`). `processes`: 0 to make the rows in this process between
    the writes, 1 to make them in a process of their own while this one writes (`default_processes`). The same seed
    and batch size make the same rows either way: one sequence of draws, in the same order."""
    if processes is None:
        processes = default_processes()
    rng = random.Random(seed)
    # One transaction: a failed run leaves nothing behind, and the journal entry is written
    # together with the rows it accounts for.
    with bulk_loading(), transaction.atomic():
        # The rows bypass the services (and their journal entries): the registry's stored completeness of the new
        # episodes is written with them (`completeness`), its counts moved at the end, under the lock its refreshes
        # take, so that the registry's page reads them at once.
        registry_stored.locked()
        org = hospital.build_organisation()
        destination = Destination(org["users"])
        if set_aside_indexes is None:
            set_aside_indexes = worth_setting_aside(patients)
        with indexes_set_aside() if set_aside_indexes else nullcontext():
            destination.rows.next_keys = reserve_keys(KEYED_MODELS)
            sizes = batch_sizes(patients, batch_size)
            if processes:
                summary, next_keys, tallies = _made_elsewhere(rng, destination, sizes, on_batch)
            else:
                for size in sizes:
                    insert_batch(rng, destination, size)
                    on_batch(size)
                summary, next_keys, tallies = _made(destination)
            release_keys(KEYED_MODELS, next_keys)
        waiting.mark_all()  # the bags waiting for a place, marked as the pharmacy's services would have
        to_ship.mark_all()  # the collected cells waiting to be shipped, likewise
        registry_stored.move_tallies(tallies)
        record(JournalEntry.Action.DATA_SEEDED, actor=None, actor_label="seed_synthetic command",
               after={"patients": patients, "seed": seed})
    return summary


def _made(destination: Destination) -> tuple[str, dict, Counter]:
    """What a run made, once every batch is: (summary, the tables' next keys, the registry's counts it adds)."""
    return destination.pathway.summary(), destination.rows.next_keys, destination.pathway.completeness.tallies


def _made_elsewhere(rng: random.Random, destination: Destination, sizes: list[int], on_batch) -> tuple:
    """The rows made by a forked process and written here as they come: making them (the draws, the dates, the
    tuples) costs about as much as writing them, and two cores do both at once. The child inherits everything
    `destination` read from the database and never uses the connection (it leaves with os._exit, as
    multiprocessing's forked processes do, without closing it); it sends each table's rows as soon as they are made,
    and a pipe holds little, so it runs at most about a batch ahead. Each batch's registry rows are computed by a
    helper the child forks in turn (`Helpers`), sending on the same pipe. Messages are read until every sender has
    closed it. As `_made`."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    # One message at a time on the pipe: a long one is written in several parts, which another sender must not split.
    lock = context.Lock()
    maker = context.Process(target=_make, args=(sending, lock, rng, destination, sizes), daemon=True)
    maker.start()
    sending.close()
    made, tallies, helped = None, Counter(), 0
    try:
        while True:
            try:
                message = receiving.recv()
            except EOFError:
                break
            kind = message[0]
            if kind == "rows":
                write_rows(*message[1:])
            elif kind == "batch":
                on_batch(message[1])
            elif kind == "tallies":
                tallies += message[1]
                helped += 1
            elif kind == "done":
                made = message[1:]
            else:
                raise RuntimeError(f"the process making the synthetic rows failed:\n{message[1]}")
    finally:
        receiving.close()
        maker.join(timeout=5)
        if maker.is_alive():
            maker.kill()
    if made is None or helped != made[1]:
        raise RuntimeError("the process making the synthetic rows stopped unexpectedly")
    (summary, next_keys, _none), _helpers = made
    return summary, next_keys, tallies


class Helpers:
    """Work run in a process forked for it, one at a time (the next waits for the previous one to end), its result
    sent as ("tallies", result) by `send`, or ("error", traceback). Forked from the process that holds the data: the
    helper reads it as it was, without copying it through a pipe."""

    def __init__(self, send):
        self.send, self.started, self.running = send, 0, None

    def run(self, work) -> None:
        self.wait()
        self.started += 1
        pid = os.fork()
        if pid:
            self.running = pid
            return
        try:
            self.send(("tallies", work()))
        except BaseException:  # noqa: BLE001 - whatever it is, the writer must hear of it
            self.send(("error", traceback.format_exc()))
        finally:
            os._exit(0)

    def wait(self) -> None:
        if self.running is not None:
            os.waitpid(self.running, 0)
            self.running = None


def _make(sending, lock, rng: random.Random, destination: Destination, sizes: list[int]) -> None:
    """In the forked process: every batch's rows, sent as made (its registry rows by a helper: `Helpers`), then what
    was made (`_made`) and how many helpers were started."""
    def send(message):
        with lock:
            sending.send(message)

    try:
        destination.rows.write = lambda *rows: send(("rows", *rows))
        helpers = Helpers(send)
        destination.pathway.completeness.elsewhere = helpers.run
        for size in sizes:
            insert_batch(rng, destination, size)
            send(("batch", size))
        helpers.wait()
        send(("done", _made(destination), helpers.started))
    except BaseException:  # noqa: BLE001 - whatever it is, the writer must hear of it
        send(("error", traceback.format_exc()))
    finally:
        sending.close()
