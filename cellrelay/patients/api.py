from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from cellrelay.apiutil import ErrorOut, api_choices, model_text
from cellrelay.journal.reads import shown
from cellrelay.organisation.access import guarded
from cellrelay.organisation.permissions import Action

from . import services
from .access import patients_for, reach, registration_for
from .models import Consent, Contact, LocalId, Patient
from .search import found_patients
from .views import PAGE_SIZE

router = Router(tags=["patients"])

ConsentKind = api_choices("ConsentKind", Consent.Kind)
ConsentStatus = api_choices("ConsentStatus", Consent.Status)
ContactKind = api_choices("ContactKind", Contact.Kind)


class LocalIdOut(Schema):
    center_id: int
    ipp: str


class PatientSummary(Schema):
    id: int
    family_name: str
    given_names: str
    birth_date: date
    sex: str
    ins: str | None
    treating_center_id: int


class ConsentOut(Schema):
    kind: ConsentKind
    status: ConsentStatus
    decided_on: date
    notes: str


class ContactOut(Schema):
    kind: ContactKind
    name: str
    relationship: str
    phone: str
    email: str


class PatientOut(PatientSummary):
    weight_kg: Decimal | None
    height_cm: Decimal | None
    body_surface_area_m2: float | None
    measured_on: date | None
    address: str
    postcode: str
    city: str
    phone: str
    referring_center_id: int | None
    version: int
    local_ids: list[LocalIdOut]
    contacts: list[ContactOut]
    consents: list[ConsentOut]


# The INS is left without a length: printed with its spaces it is longer, and the service compacts it.
class PatientIn(Schema):
    family_name: str = model_text(Patient, "family_name")
    given_names: str = model_text(Patient, "given_names")
    birth_date: date
    sex: Patient.Sex
    ins: str | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    measured_on: date | None = None
    address: str = model_text(Patient, "address", "")
    postcode: str = model_text(Patient, "postcode", "")
    city: str = model_text(Patient, "city", "")
    phone: str = model_text(Patient, "phone", "")
    treating_center_id: int | None = None
    ipp: str = model_text(LocalId, "ipp", "")


class PatientPatch(Schema):
    """Only the fields sent change. A text field is cleared with "", never null (its column has no null)."""

    version: int
    family_name: str = model_text(Patient, "family_name", None)
    given_names: str = model_text(Patient, "given_names", None)
    birth_date: date = None
    sex: Patient.Sex = None
    ins: str | None = None
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    measured_on: date | None = None
    address: str = model_text(Patient, "address", None)
    postcode: str = model_text(Patient, "postcode", None)
    city: str = model_text(Patient, "city", None)
    phone: str = model_text(Patient, "phone", None)


class ConsentIn(Schema):
    kind: ConsentKind
    status: ConsentStatus
    decided_on: date
    notes: str = model_text(Consent, "notes", "")


class ContactIn(Schema):
    kind: ContactKind
    name: str = model_text(Contact, "name")
    relationship: str = model_text(Contact, "relationship", "")
    phone: str = model_text(Contact, "phone")
    email: str = model_text(Contact, "email", "")


def _full(patient: Patient) -> dict:
    return {
        **{f.attname: getattr(patient, f.attname) for f in Patient._meta.concrete_fields},
        "body_surface_area_m2": patient.body_surface_area_m2,
        "local_ids": list(patient.local_ids.values("center_id", "ipp")),
        "contacts": list(patient.contacts.values("kind", "name", "relationship", "phone", "email")),
        "consents": [
            {"kind": c.kind, "status": c.status, "decided_on": c.decided_on, "notes": c.notes}
            for c in services.current_consents(patient).values()
        ],
    }


MAX_PAGE_SIZE = 200


@guarded(router.get, "", Action.VIEW_PATIENT, response=list[PatientSummary])
def list_patients(
    request,
    q: str = Query("", description="The start of a name (family or given first), of an INS, or an IPP."),
    page: int = Query(1, ge=1, le=1000, description="Which page of ``limit`` patients, from 1."),
    limit: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="How many patients a page holds."),
):
    """Patients you may see, searched by name, INS or IPP, a page at a time: a page shorter than ``limit`` is the
    last. Without ``q``, in name order; with it, the patient of that IPP or INS first, then those whose family name
    starts with ``q`` (in name order), then those whose given name does. Narrow the search rather than page far
    (pages stop at 1000)."""
    start = (page - 1) * limit
    found = found_patients(patients_for(request.user), q, start + limit, start)
    shown(request.user, found)
    return found


@guarded(router.post, "", Action.CREATE_PATIENT, response={201: PatientOut})
def create_patient(request, payload: PatientIn):
    data = payload.dict()
    registration = registration_for(request.user)
    center_id = data.pop("treating_center_id")
    if center_id is None:
        center_id = registration.implied_center_id()
    if center_id is None:
        raise ValidationError({"treating_center_id": [_("Name the treating center.")]})
    center = get_object_or_404(registration.centers, pk=center_id)
    patient = services.register_patient(actor=request.user, treating_center=center, **data,
                                        **registration.referred_by)
    return Status(201, _full(patient))


@guarded(router.get, "/{patient_id}", Action.VIEW_PATIENT, response=PatientOut)
def get_patient(request, patient_id: int):
    """One patient's record. The read is journaled."""
    return _full(reach(request.user, Patient, patient_id, patient=""))


@guarded(router.patch, "/{patient_id}", Action.EDIT_PATIENT, response={200: PatientOut, 409: ErrorOut})
def update_patient(request, patient_id: int, payload: PatientPatch):
    """Change identity, measures or home. Send the `version` you read: a stale one is refused (409)."""
    patient = reach(request.user, Patient, patient_id, Action.EDIT_PATIENT, patient="")
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    try:
        patient = services.update_patient(actor=request.user, patient=patient, expected_version=version, changes=changes)
    except services.StaleVersion as error:
        raise HttpError(409, error.messages[0]) from None
    return _full(patient)


@guarded(router.post, "/{patient_id}/consents", Action.RECORD_CONSENT, response={201: ConsentOut})
def add_consent(request, patient_id: int, payload: ConsentIn):
    # The answer shows no identity and the consent's own journal entry names the patient: no read to journal.
    patient = reach(request.user, Patient, patient_id, Action.RECORD_CONSENT, patient="", journal_read=False)
    return Status(201, services.record_consent(actor=request.user, patient=patient, **payload.dict()))


@guarded(router.post, "/{patient_id}/contacts", Action.EDIT_PATIENT, response={201: ContactOut})
def add_contact(request, patient_id: int, payload: ContactIn):
    # As for a consent: the answer is the contact alone, and adding it is journaled under the patient.
    patient = reach(request.user, Patient, patient_id, Action.EDIT_PATIENT, patient="", journal_read=False)
    return Status(201, services.add_contact(actor=request.user, patient=patient, **payload.dict()))
