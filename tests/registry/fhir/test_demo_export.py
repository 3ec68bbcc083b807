"""The export of the whole demo hospital: every resource is valid FHIR (the R4B models of fhir.resources, which
check R4's structures), every reference resolves inside the export, and the patients are the research assistant's
center's, each with a consent that lets their data leave."""

import pytest
from django.utils import timezone

from cellrelay.followup import services as followup_services
from cellrelay.followup.models import Visit

from cellrelay.patients.models import Patient
from cellrelay.patients.services import current_consents
from cellrelay.registry.destinations import DESTINATIONS, allowed
from cellrelay.registry.fhir.params import RESOURCE_TYPES
from cellrelay.registry.models import ExportJob

from .helpers import exported, r4b_model, references_in, resources_of

pytestmark = pytest.mark.django_db


def a_visit_done(users):
    """The demo records no follow-up visit yet: one done, with the response found at it (an Encounter, and an
    Observation that points to it)."""
    visit = (Visit.objects.filter(status=Visit.Status.PLANNED, earliest__lte=timezone.localdate())
             .select_related("plan__episode").order_by("due").first())
    on = max(visit.earliest, visit.plan.d0)
    followup_services.record_visit(actor=users["haematologist"], visit=visit, status=Visit.Status.DONE, on=on)
    followup_services.record_response(actor=users["haematologist"], episode=visit.plan.episode, assessed_on=on,
                                      criteria="lugano", raw={"deauville_score": 2, "uptake_change": "reduced",
                                                              "new_lesions": False}, visit=visit)


@pytest.fixture
def demo_export(demo_for_the_module, settings, tmp_path, users):
    settings.CELLRELAY_EXPORT_DIR = tmp_path / "exports"
    a_visit_done(users)
    job = exported("research")
    assert job.status == ExportJob.Status.DONE, job.error
    return resources_of(job)


def test_the_demo_export_holds_every_kind_of_resource_and_each_validates_as_fhir_r4(demo_export):
    assert set(demo_export) == set(RESOURCE_TYPES), "the demo should exercise every builder"
    invalid = []
    for resource_type, resources in demo_export.items():
        model = r4b_model(resource_type)
        for resource in resources:
            try:
                model.model_validate(resource)
            except Exception as error:  # noqa: BLE001 — every invalid resource is named, not the first only
                invalid.append(f"{resource_type}/{resource['id']}: {error}")
    assert not invalid, "\n".join(invalid[:20])
    with pytest.raises(ValueError):  # the models refuse what R4 refuses: an element R4 does not have, a bad date
        r4b_model("Patient").model_validate({**demo_export["Patient"][0], "birthDate": "1970-02-30"})


def test_every_reference_resolves_inside_the_export_and_ids_are_unique(demo_export):
    ids = set()
    for resource_type, resources in demo_export.items():
        for resource in resources:
            key = f"{resource_type}/{resource['id']}"
            assert key not in ids, f"{key} twice"
            ids.add(key)
    dangling = {ref for resources in demo_export.values() for resource in resources
                for ref in references_in(resource) if ref not in ids}
    assert not dangling, sorted(dangling)[:20]
    assert sum(len(references_in(r)) for resources in demo_export.values() for r in resources) > 100


def test_the_export_holds_exactly_the_centers_patients_who_consented_to_some_destination(demo_export, users):
    research = users["research"]
    center = research.memberships.get().center_id
    expected = {str(p.pk) for p in Patient.objects.filter(treating_center_id=center)
                if any(allowed(code, {kind for kind, c in current_consents(p).items() if c.status == "given"})
                       for code in DESTINATIONS)}
    assert {p["id"] for p in demo_export["Patient"]} == expected
    assert expected
