"""Which patients a registry destination may receive: those whose latest decision of every consent kind it needs
is "given" (registry.md; ``destinations.DESTINATIONS``). One query over all the patients, not one per patient."""

from django.db.models import OuterRef, QuerySet, Subquery

from cellrelay.patients.models import Consent

from .destinations import DESTINATIONS


def allowed_patients(destination: str, patients: QuerySet) -> QuerySet:
    """``patients`` narrowed to those who gave every consent ``destination`` needs, each kind judged on its latest
    decision (a withdrawal after a consent wins)."""
    for kind in DESTINATIONS[destination].consents:
        latest = (Consent.objects.filter(patient=OuterRef("pk"), kind=kind)
                  .order_by("-decided_on", "-recorded_at", "-pk").values("status")[:1])
        patients = patients.alias(**{f"consent_{kind}": Subquery(latest)}).filter(
            **{f"consent_{kind}": Consent.Status.GIVEN})
    return patients
