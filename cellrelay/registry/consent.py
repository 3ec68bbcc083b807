"""Consent gates every registry: which patients a destination may receive (destinations.py says which consents
each needs; the latest decision of each kind counts)."""

from django.db.models import OuterRef, QuerySet, Subquery

from cellrelay.patients.models import Consent

from .sources import catalog


def latest_status(kind: str) -> Subquery:
    """The status of the patient's latest decision of this kind (``patients.services.current_consents``' order)."""
    return Subquery(Consent.objects.filter(patient=OuterRef("pk"), kind=kind)
                    .order_by("-decided_on", "-recorded_at", "-pk").values("status")[:1])


def allowed_patients(destination: str, patients: QuerySet) -> QuerySet:
    """The patients of ``patients`` whose consents allow reporting to ``destination`` (a queryset)."""
    needed = catalog().registries[destination].consents
    annotations = {f"consent_{kind}": latest_status(kind) for kind in needed}
    return patients.annotate(**annotations).filter(
        **{f"consent_{kind}": Consent.Status.GIVEN for kind in needed})


def missing_consents(destination: str, given: dict) -> list[str]:
    """The consents ``destination`` needs that are not given (``given``: kind → latest status)."""
    return [kind for kind in catalog().registries[destination].consents if given.get(kind) != Consent.Status.GIVEN]
