"""The one way a page or an endpoint reaches a patient's data.

``reach`` finds the object within the user's scope (404 when its patient is not theirs to see),
checks the action in the permission table at the patient's center (403 when they may only look),
and journals the read of the patient (``journal.reads.shown``: one entry per response), since every page that
shows such an object shows who the patient is (regulation.md: every read of identified data is journaled). Scoping itself is
``patients_for``: staff see their treating center's patients, a referring physician only the
patients they referred, anyone else nothing. ``registration_for`` says where a user may register a
new patient, so that the patient falls in their scope.
"""

from dataclasses import dataclass
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from cellrelay.journal.reads import shown
from cellrelay.organisation.access import centers_for, memberships_allowing
from cellrelay.organisation.models import Center, Membership
from cellrelay.organisation.permissions import Action

from .models import Patient


@dataclass(frozen=True)
class Reach:
    """Whose patients a user may act on for one action: every patient of ``centers`` (a membership there allows the
    action and the center's patients), and, through ``referring`` (a membership allowing the action but not the
    center's patients: a referring physician), the patients they referred."""

    centers: tuple[int, ...]
    referring: Membership | None


def reach_of(user, action: Action) -> Reach:
    center_wide = {m.pk for m in memberships_allowing(user, Action.VIEW_CENTER_PATIENTS)}
    centers, referring = [], None
    for membership in memberships_allowing(user, action):
        if membership.pk in center_wide:
            centers.append(membership.center_id)
        elif referring is None:
            referring = membership
    return Reach(tuple(centers), referring)


def referring_membership(user, action: Action) -> Membership | None:
    """The membership through which the user performs ``action`` on the patients they referred, in their own name;
    None when they perform it for a treating center."""
    return reach_of(user, action).referring


def patients_for(user, action: Action = Action.VIEW_PATIENT) -> QuerySet:
    """The patients this user may act on: the scoping of every patient query."""
    return Patient.objects.filter(patient_scope(user, action))


def patient_scope(user, action: Action = Action.VIEW_PATIENT, path: str = "") -> Q:
    """``patients_for`` as a condition on the patient reached through ``path`` (``"episode__patient__"``; "" for
    the patient itself): a join, where ``patient__in=patients_for(...)`` makes SQLite build the list of every
    patient of the center before it reads the one row asked for."""
    reach = reach_of(user, action)
    scope = Q(**{f"{path}pk__in": []})  # nobody, unless a membership allows the action
    for center in reach.centers:
        scope |= Q(**{f"{path}treating_center_id": center})
    if reach.referring is not None:
        scope |= Q(**{f"{path}referring_physician": user})
    return scope


def seen_by(patients: QuerySet, patient_path: str) -> Exists:
    """``patients`` (from ``patients_for``) as a condition on each row of a worklist's query, the row's patient
    reached through ``patient_path`` (``"plan__episode__patient"``). As ``patient__in=patients`` SQLite, which takes
    the IN list as short, starts from the patients and reads every visit, call or bag of each; checked row by row,
    the query starts from its own index (the few rows due, open or unacknowledged) whatever the registry's size."""
    return Exists(patients.filter(pk=OuterRef(patient_path)))


def may(user, action: Action, patient: Patient) -> bool:
    """Whether the user may perform the action on this patient (e.g. to offer its link on a page)."""
    return patients_for(user, action).filter(pk=patient.pk).exists()


@dataclass(frozen=True)
class Registration:
    """Where a user may register a new patient, and whose referral the patient then is."""

    centers: QuerySet  # the treating centers they may choose
    referred_by: dict  # a referring physician's {"referring_center", "referring_physician"}; {} for staff

    def implied_center_id(self) -> int | None:
        """Staff who may register at one center only need not name it (the API); a referring physician always does."""
        if self.referred_by:
            return None
        ids = list(self.centers.values_list("pk", flat=True)[:2])
        return ids[0] if len(ids) == 1 else None


def registration_for(user) -> Registration:
    """Staff register at their own treating center. A referring physician registers at any treating center, as the
    patient's referring physician from their own hospital, so that the patient is in their scope."""
    treating = Center.objects.filter(kind=Center.Kind.TREATING)
    referring = referring_membership(user, Action.CREATE_PATIENT)
    if referring:
        return Registration(treating, {"referring_center": referring.center, "referring_physician": user})
    return Registration(treating.filter(pk__in=centers_for(user, Action.CREATE_PATIENT)), {})


def reach(user, objects: QuerySet | type[Model], pk, action: Action = Action.VIEW_PATIENT, *,
          patient: str = "patient", journal_read: bool = True):
    """The object with this primary key, reached through its patient.

    ``patient`` is the lookup path from the object to its patient ("episode__patient" for a bag's
    product's episode...; "" when the object is the patient). 404 when the user may not see the
    patient (or there is no such object), 403 when they may see it but not perform ``action``.
    The read is journaled unless ``journal_read`` is False (a page that journals it otherwise).
    """
    queryset = objects if isinstance(objects, QuerySet) else objects._default_manager.all()
    if patient:
        queryset = queryset.select_related(patient)
    found = queryset.filter(patient_scope(user, Action.VIEW_PATIENT, f"{patient}__" if patient else ""), pk=pk).first()
    if found is None:
        raise Http404("not found in the user's scope")
    its_patient = reduce(getattr, patient.split("__"), found) if patient else found
    if action != Action.VIEW_PATIENT and not may(user, action, its_patient):
        raise PermissionDenied(action.value)
    if journal_read:
        shown(user, [its_patient], listed=False)
    return found
