"""The one way a page or an endpoint reaches a patient's data.

``reach`` finds the object within the user's scope (404 when its patient is not theirs to see),
checks the action in the permission table at the patient's center (403 when they may only look),
and journals the read of the patient, since every page that shows such an object shows who the
patient is (regulation.md: every read of identified data is journaled). Scoping itself is
``patients_for``: staff see their treating center's patients, a referring physician only the
patients they referred, anyone else nothing.
"""

from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from cellrelay.organisation.access import memberships_allowing
from cellrelay.organisation.permissions import Action, Role

from .models import Patient
from .services import record_read


def patients_for(user, action: Action = Action.VIEW_PATIENT) -> QuerySet:
    """The patients this user may act on: the scoping of every patient query."""
    scope = Q(pk__in=[])
    for membership in memberships_allowing(user, action):
        if membership.role == Role.REFERRING_PHYSICIAN:
            scope |= Q(referring_physician=user)
        else:
            scope |= Q(treating_center_id=membership.center_id)
    return Patient.objects.filter(scope)


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
    in_scope = f"{patient}__in" if patient else "pk__in"
    found = queryset.filter(**{in_scope: patients_for(user, Action.VIEW_PATIENT)}).filter(pk=pk).first()
    if found is None:
        raise Http404("not found in the user's scope")
    its_patient = reduce(getattr, patient.split("__"), found) if patient else found
    if action != Action.VIEW_PATIENT and not patients_for(user, action).filter(pk=its_patient.pk).exists():
        raise PermissionDenied(action.value)
    if journal_read:
        record_read(actor=user, patient=its_patient)
    return found
