"""Every change to a patient's record, and every read of it, goes through here and is journaled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, snapshot
from cellrelay.organisation.models import Center
from cellrelay.validation import refuse_date_out_of_range, refuse_future_date

from .identity import compact_ins
from .models import Consent, Contact, LocalId, Patient

Action = JournalEntry.Action

EDITABLE_FIELDS = [
    "family_name", "given_names", "birth_date", "sex", "ins", "weight_kg", "height_cm", "measured_on",
    "address", "postcode", "city", "phone",
]


# What a new patient's journal entry holds: everything but the search keys, which the names already say.
RECORDED_FIELDS = [field.attname for field in Patient._meta.concrete_fields
                   if field.name not in ("search_key", "search_key_given_first")]


class StaleVersion(ValidationError):
    """Someone else saved the record since this edit began."""


def _check_dates(patient: Patient) -> None:
    """Born within the site's years (a year 1 is a typing error) and measured since; the model refuses the future."""
    refuse_date_out_of_range("birth_date", patient.birth_date)
    if patient.measured_on:
        refuse_future_date("measured_on", patient.measured_on, born=patient.birth_date)


@transaction.atomic
def register_patient(*, actor, treating_center: Center, ipp: str = "", referring_center=None,
                     referring_physician=None, **identity) -> Patient:
    """Register a new patient at a treating center, with the center's IPP when known."""
    if treating_center.kind != Center.Kind.TREATING:
        raise ValidationError({"treating_center": _("Patients are registered at a treating center.")})
    patient = Patient(
        treating_center=treating_center,
        referring_center=referring_center,
        referring_physician=referring_physician,
        **{name: value for name, value in identity.items() if name in EDITABLE_FIELDS},
    )
    patient.ins = compact_ins(patient.ins)
    patient.refresh_search_keys()
    _check_dates(patient)
    patient.full_clean()
    patient.save()
    record(Action.PATIENT_CREATED, actor=actor, obj=patient, patient_id=patient.pk,
           center_id=treating_center.pk, after=snapshot(patient, RECORDED_FIELDS))
    if ipp:
        add_local_id(actor=actor, patient=patient, center=treating_center, ipp=ipp)
    return patient


@transaction.atomic
def update_patient(*, actor, patient: Patient, expected_version: int, changes: dict) -> Patient:
    """Apply changes to identity, measures or home; refused if the record moved on meanwhile."""
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if current.version != expected_version:
        raise StaleVersion(
            _("This record was changed by someone else while you were editing it. Reload it and try again.")
        )
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    # The model's validation skips an empty value of a field that may be blank: None would reach the database.
    nulls = {name: Patient._meta.get_field(name).error_messages["null"] for name, value in changes.items()
             if value is None and not Patient._meta.get_field(name).null}
    if nulls:
        raise ValidationError(nulls)
    before = snapshot(current, list(changes))
    for name, value in changes.items():
        setattr(current, name, value)
    current.ins = compact_ins(current.ins)
    current.refresh_search_keys()
    _check_dates(current)
    current.full_clean()
    after = snapshot(current, list(changes))
    changed = {name for name in changes if before[name] != after[name]}
    if not changed:
        return current
    current.version += 1
    current.save()
    record(Action.PATIENT_UPDATED, actor=actor, obj=current, patient_id=current.pk,
           center_id=current.treating_center_id,
           before={k: before[k] for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)})
    return current


@transaction.atomic
def add_local_id(*, actor, patient: Patient, center: Center, ipp: str) -> LocalId:
    local_id = LocalId(patient=patient, center=center, ipp=ipp.strip())
    try:
        local_id.full_clean()
    except ValidationError as error:
        # The unique checks speak of "fields"; staff want to know what clashes.
        if "__all__" in error.message_dict:
            raise ValidationError({"ipp": _("This IPP is already used at this center, or the patient already has one here.")}) from None
        raise
    local_id.save()
    record(Action.LOCAL_ID_ADDED, actor=actor, obj=local_id, patient_id=patient.pk,
           center_id=patient.treating_center_id, after=snapshot(local_id))
    return local_id


@transaction.atomic
def add_contact(*, actor, patient: Patient, **fields) -> Contact:
    contact = Contact(patient=patient, **fields)
    contact.full_clean()
    contact.save()
    record(Action.CONTACT_ADDED, actor=actor, obj=contact, patient_id=patient.pk,
           center_id=patient.treating_center_id, after=snapshot(contact))
    return contact


@transaction.atomic
def record_consent(*, actor, patient: Patient, kind: str, status: str, decided_on, notes: str = "") -> Consent:
    refuse_future_date("decided_on", decided_on, born=patient.birth_date)
    consent = Consent(patient=patient, kind=kind, status=status, decided_on=decided_on, notes=notes,
                      recorded_by=actor)
    consent.full_clean()
    consent.save()
    record(Action.CONSENT_RECORDED, actor=actor, obj=consent, patient_id=patient.pk,
           center_id=patient.treating_center_id, after=snapshot(consent))
    return consent


def current_consents(patient: Patient) -> dict[str, Consent]:
    """The latest decision for each kind of consent."""
    return latest_consents(patient.consents.all())


def latest_consents(consents) -> dict[str, Consent]:
    """Of these decisions, the latest of each kind (decided last, then recorded last), by kind."""
    latest: dict[str, Consent] = {}
    for consent in sorted(consents, key=lambda c: (c.decided_on, c.recorded_at), reverse=True):
        latest.setdefault(consent.kind, consent)
    return dict(sorted(latest.items()))
