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
    # Machine accounts (API tokens only): a manufacturer's system, scoped to its own products and never
    # shown a patient's identity; a tank probe that posts readings.
    MANUFACTURER = "manufacturer"
    TANK_PROBE = "tank_probe"


# A token of an account holding one of these acts with these memberships only, whatever else the account holds.
MACHINE_ROLES = frozenset({Role.MANUFACTURER, Role.TANK_PROBE})


class Action(StrEnum):
    VIEW_PATIENT = "patient.view"
    # Every patient treated at the center. Without it a user sees, registers and refers only the patients they
    # referred themselves, in their own name: a referring physician outside the treating center.
    VIEW_CENTER_PATIENTS = "patient.view_center"
    CREATE_PATIENT = "patient.create"
    EDIT_PATIENT = "patient.edit"
    RECORD_CONSENT = "patient.consent"
    VIEW_STAFF = "staff.view"
    MANAGE_TRAINING = "staff.training"
    MANAGE_STAFF = "staff.manage"  # add staff members and their roles
    VIEW_JOURNAL = "journal.view"
    USE_API = "api.use"  # own profile, own tokens, calculators: every signed-in user
    REFER = "referral.create"
    VIEW_MDT = "mdt.view"
    DECIDE_MDT = "mdt.decide"  # hold RCP meetings and record their decisions
    PLAN_PATHWAY = "pathway.plan"  # schedule, move and stop episodes
    RECORD_STEP = "pathway.record_step"  # record that a step was done, on a given day
    VIEW_WORKLIST = "worklist.view"
    # Whose work is the user's own on the worklist: the section they land on after signing in.
    FOLLOW_ALL_TEAMS = "worklist.all_teams"  # the coordinator follows every team's work
    WORK_IN_UNIT = "worklist.unit"  # the transplant unit's steps, bags and toxicity alerts
    WORK_IN_PHARMACY = "worklist.pharmacy"
    WORK_IN_APHERESIS = "worklist.apheresis"
    WORK_IN_ICU = "worklist.icu"
    WORK_IN_NEUROLOGY = "worklist.neurology"
    EDIT_PROTOCOLS = "protocol.edit"
    RECORD_MONITORING = "monitoring.record"  # vital signs, neurological assessments, labs, ICU stays
    CONFIRM_GRADE = "monitoring.confirm_grade"  # a physician confirms or overrides a proposed grade
    ACKNOWLEDGE_ICU_ALERT = "monitoring.acknowledge_icu"  # the ICU team has seen a grade ≥ 2 alert
    ACKNOWLEDGE_NEUROLOGY_ALERT = "monitoring.acknowledge_neurology"  # the neurology team has seen it
    GIVE_TREATMENT = "monitoring.treat"  # record tocilizumab, corticosteroids… given
    RECORD_ADVERSE_EVENT = "monitoring.adverse_event"
    MANAGE_CHECKLIST = "monitoring.checklist"  # pre-infusion neurology checklist
    WAIVE_CHECKLIST = "monitoring.waive_checklist"  # a physician goes ahead without an item, saying why
    RESERVE_DRUGS = "pharmacy.reserve"
    RECORD_SHIPMENT = "products.shipment"  # shipments of the cells and their temperature logs
    UPDATE_MANUFACTURING = "products.manufacturing"  # released, shipped, failed: what the manufacturer reports
    RECORD_COLLECTION = "products.collect"  # the apheresis: collection record
    # The collected bag's labels (PDF): the apheresis unit prints them, the pharmacy checks them at the receipt.
    PRINT_LABELS = "products.labels"
    RECEIVE_PRODUCT = "products.receive"  # receipt at the pharmacy (with a second person)
    # The pharmacist's signed decision that a product with a deviation may be used: release from quarantine, release
    # of a shipment's temperature excursion.
    RELEASE_PRODUCT = "products.release"
    DISPENSE_PRODUCT = "products.dispense"  # a bag leaves the pharmacy for the infusion
    ADMINISTER_PRODUCT = "products.administer"  # thaw, bedside check, infusion, return or destruction
    MANAGE_STORAGE = "pharmacy.storage"  # place, move, remove bags; typed tank readings; alarms
    RECORD_TANK_READING = "pharmacy.tank_reading"  # a tank's LN2 level and temperature (staff or probe)
    POST_AS_PROBE = "pharmacy.probe"  # a reading posted is the probe's (source “probe”), not typed by a person
    # Follow-up to year 15: visits and what is found at them (a referring physician: only the visits assigned to
    # their hospital), the coordinator's calls, and the physician who takes over a call that needs one.
    RECORD_FOLLOW_UP = "followup.record"
    CALL_PATIENTS = "followup.call"
    ACKNOWLEDGE_CALL = "followup.acknowledge_call"
    # Registry reporting: completeness, submissions, CSV/PDF/pseudonymised exports and the FHIR bulk export.
    REPORT_TO_REGISTRIES = "registry.report"
    EXPORT_DATA = "registry.export"
    REPORT_MANUFACTURING = "manufacturer.report"  # a manufacturer's system: its own products, no identity


_CLINICAL_READ = {Action.VIEW_PATIENT, Action.VIEW_CENTER_PATIENTS, Action.USE_API, Action.VIEW_MDT,
                  Action.VIEW_WORKLIST}
_CLINICAL_WRITE = _CLINICAL_READ | {Action.CREATE_PATIENT, Action.EDIT_PATIENT, Action.RECORD_CONSENT,
                                    Action.REFER, Action.DECIDE_MDT, Action.PLAN_PATHWAY, Action.RECORD_STEP}
# Physicians at the bedside: observe, grade, treat, report adverse events, hold the neurology checklist.
_PHYSICIAN = {Action.RECORD_MONITORING, Action.CONFIRM_GRADE, Action.GIVE_TREATMENT, Action.RECORD_ADVERSE_EVENT,
              Action.MANAGE_CHECKLIST, Action.WAIVE_CHECKLIST}

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.COORDINATOR: frozenset(_CLINICAL_WRITE | {Action.FOLLOW_ALL_TEAMS, Action.VIEW_STAFF,
                                                    Action.MANAGE_TRAINING, Action.RECORD_MONITORING,
                                                    Action.MANAGE_CHECKLIST, Action.RECORD_SHIPMENT,
                                                    Action.UPDATE_MANUFACTURING, Action.RECORD_FOLLOW_UP,
                                                    Action.CALL_PATIENTS}),
    Role.HAEMATOLOGIST: frozenset(_CLINICAL_WRITE | _PHYSICIAN | {Action.WORK_IN_UNIT, Action.VIEW_STAFF,
                                                               Action.ADMINISTER_PRODUCT, Action.RECORD_FOLLOW_UP,
                                                               Action.CALL_PATIENTS, Action.ACKNOWLEDGE_CALL}),
    # Each team records the steps it performs (collection, product receipt, admission, infusion…).
    # The pharmacy is responsible for the product: receipt, storage, dispensing; it may thaw and destroy.
    Role.PHARMACIST: frozenset(_CLINICAL_READ | {Action.WORK_IN_PHARMACY, Action.VIEW_STAFF, Action.RECORD_STEP,
                                                 Action.RESERVE_DRUGS, Action.RECORD_SHIPMENT,
                                                 Action.UPDATE_MANUFACTURING,
                                                 Action.PRINT_LABELS, Action.RECEIVE_PRODUCT, Action.RELEASE_PRODUCT,
                                                 Action.DISPENSE_PRODUCT, Action.ADMINISTER_PRODUCT,
                                                 Action.MANAGE_STORAGE, Action.RECORD_TANK_READING}),
    # The apheresis unit collects the cells, labels them and sends them to the manufacturer.
    Role.APHERESIS_NURSE: frozenset(_CLINICAL_READ | {Action.WORK_IN_APHERESIS, Action.RECORD_STEP,
                                                      Action.RECORD_SHIPMENT, Action.RECORD_COLLECTION,
                                                      Action.PRINT_LABELS}),
    # The ward weighs and measures the patient (body surface area drives chemotherapy doses) and gives the bag.
    Role.WARD_NURSE: frozenset(_CLINICAL_READ | {Action.WORK_IN_UNIT, Action.EDIT_PATIENT, Action.RECORD_STEP,
                                                 Action.RECORD_MONITORING, Action.GIVE_TREATMENT,
                                                 Action.ADMINISTER_PRODUCT}),
    # Each team acknowledges the toxicity alerts for itself: seen by intensive care is not seen by neurology.
    Role.ICU_PHYSICIAN: frozenset(_CLINICAL_READ | _PHYSICIAN | {Action.WORK_IN_ICU, Action.ACKNOWLEDGE_ICU_ALERT}),
    Role.NEUROLOGIST: frozenset(_CLINICAL_READ | _PHYSICIAN | {Action.WORK_IN_NEUROLOGY,
                                                               Action.ACKNOWLEDGE_NEUROLOGY_ALERT}),
    Role.RESEARCH_ASSISTANT: frozenset(_CLINICAL_READ | {Action.RECORD_CONSENT, Action.RECORD_ADVERSE_EVENT,
                                                         Action.REPORT_TO_REGISTRIES, Action.EXPORT_DATA}),
    # Sees only the patients they referred (scoping), and may register a new one to refer.
    # Records the follow-up visits assigned to their hospital (the follow-up services check the visit's center).
    Role.REFERRING_PHYSICIAN: frozenset({Action.VIEW_PATIENT, Action.USE_API, Action.CREATE_PATIENT, Action.REFER,
                                         Action.RECORD_FOLLOW_UP}),
    # Figures, staff and training; no nominative patient record.
    Role.PROGRAM_MANAGER: frozenset({Action.USE_API, Action.VIEW_STAFF, Action.MANAGE_TRAINING}),
    # Runs the system and audits it; no clinical record.
    Role.ADMINISTRATOR: frozenset(
        {Action.USE_API, Action.VIEW_STAFF, Action.MANAGE_TRAINING, Action.MANAGE_STAFF, Action.VIEW_JOURNAL,
         Action.EDIT_PROTOCOLS}
    ),
    Role.MANUFACTURER: frozenset({Action.REPORT_MANUFACTURING}),
    Role.TANK_PROBE: frozenset({Action.RECORD_TANK_READING, Action.POST_AS_PROBE}),
}


def role_allows(role: str, action: str) -> bool:
    """Whether the role may perform the action; unknown roles may do nothing."""
    try:
        return Action(action) in PERMISSIONS[Role(role)]
    except ValueError:
        return False


def may_grant(role: str, *, at_own_center: bool, at_referring_hospital: bool) -> bool:
    """Whether an administrator may give this role at a center. At their own centers, any role; elsewhere only a
    referring physician at a referring hospital, who sees no patient but those they refer themselves: no
    administrator reaches another center's patients or administration by granting a role there (issue #12)."""
    return at_own_center or (at_referring_hospital and role == Role.REFERRING_PHYSICIAN)
