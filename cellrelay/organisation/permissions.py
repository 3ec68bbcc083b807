"""The one permission table: which role may do which action.

Pure Python (no Django import) so that the table can be read, tested and printed on its own.
Every page and API endpoint names one action; `organisation.access` checks it against this table.
"""

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    HAEMATOLOGIST = "haematologist"
    PHARMACIST = "pharmacist"
    APHERESIS_NURSE = "apheresis_nurse"
    WARD_NURSE = "ward_nurse"
    ICU_PHYSICIAN = "icu_physician"
    NEUROLOGIST = "neurologist"
    RESEARCH_ASSISTANT = "research_assistant"
    REFERRING_PHYSICIAN = "referring_physician"
    PROGRAM_MANAGER = "program_manager"
    ADMINISTRATOR = "administrator"


class Action(StrEnum):
    VIEW_PATIENT = "patient.view"
    CREATE_PATIENT = "patient.create"
    EDIT_PATIENT = "patient.edit"
    RECORD_CONSENT = "patient.consent"
    VIEW_STAFF = "staff.view"
    MANAGE_TRAINING = "staff.training"
    MANAGE_STAFF = "staff.manage"  # add staff members and their roles
    VIEW_JOURNAL = "journal.view"
    USE_API = "api.use"  # own profile, own tokens: every signed-in user


_CLINICAL_READ = {Action.VIEW_PATIENT, Action.USE_API}
_CLINICAL_WRITE = _CLINICAL_READ | {Action.CREATE_PATIENT, Action.EDIT_PATIENT, Action.RECORD_CONSENT}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.COORDINATOR: frozenset(_CLINICAL_WRITE | {Action.VIEW_STAFF, Action.MANAGE_TRAINING}),
    Role.HAEMATOLOGIST: frozenset(_CLINICAL_WRITE | {Action.VIEW_STAFF}),
    Role.PHARMACIST: frozenset(_CLINICAL_READ | {Action.VIEW_STAFF}),
    Role.APHERESIS_NURSE: frozenset(_CLINICAL_READ),
    # The ward weighs and measures the patient (body surface area drives chemotherapy doses).
    Role.WARD_NURSE: frozenset(_CLINICAL_READ | {Action.EDIT_PATIENT}),
    Role.ICU_PHYSICIAN: frozenset(_CLINICAL_READ),
    Role.NEUROLOGIST: frozenset(_CLINICAL_READ),
    Role.RESEARCH_ASSISTANT: frozenset(_CLINICAL_READ | {Action.RECORD_CONSENT}),
    # Sees only the patients they referred (scoping), and may register a new one to refer.
    Role.REFERRING_PHYSICIAN: frozenset(_CLINICAL_READ | {Action.CREATE_PATIENT}),
    # Figures, staff and training; no nominative patient record.
    Role.PROGRAM_MANAGER: frozenset({Action.USE_API, Action.VIEW_STAFF, Action.MANAGE_TRAINING}),
    # Runs the system and audits it; no clinical record.
    Role.ADMINISTRATOR: frozenset(
        {Action.USE_API, Action.VIEW_STAFF, Action.MANAGE_TRAINING, Action.MANAGE_STAFF, Action.VIEW_JOURNAL}
    ),
}


def role_allows(role: str, action: str) -> bool:
    """Whether the role may perform the action; unknown roles may do nothing."""
    try:
        return Action(action) in PERMISSIONS[Role(role)]
    except ValueError:
        return False
