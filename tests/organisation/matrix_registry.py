"""How the permission matrix aims the registry room's routes (see ROOM_MATRICES in test_permission_matrix.py)."""


def _with_registry_consent(world):
    """The registry consent for the world's patients (once), so that their ATIH form may be printed."""
    from django.utils import timezone

    from cellrelay.patients import services as patient_services

    for patient, episode, _referral in world["per_patient"]:
        if not patient.consents.filter(kind="registry").exists():
            patient_services.record_consent(actor=world["meeting"].created_by, patient=patient, kind="registry",
                                            status="given", decided_on=timezone.localdate())
    return world["per_patient"]


def targets(name, route, world):
    from tests.organisation.test_permission_matrix import Target

    if name in ("registry:episode", "registry:form_pdf"):
        return [Target({"pk": episode.pk}, patient=patient) for patient, episode, _r in _with_registry_consent(world)]
    return None


def api_cases(method, path, world, username):
    from tests.organisation.test_permission_matrix import ApiCase, Target

    if (method, path) != ("post", "/api/v1/registry/submissions"):
        return None
    # The world's ATIH forms lack the value typed in the registry room: refused as incomplete (422).
    return [ApiCase("/api/v1/registry/submissions",
                    {"episode_id": episode.pk, "form": "atih:atih_ordering", "timepoint": "ordering",
                     "submitted_on": "2026-01-05"}, Target({}, patient=patient), 422)
            for patient, episode, _r in _with_registry_consent(world)]
