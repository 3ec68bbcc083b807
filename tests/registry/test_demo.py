"""The demo's research assistant sees every registry status."""

import pytest

from cellrelay.patients.models import Patient
from cellrelay.registry import completeness
from cellrelay.registry.sources import Bundle


@pytest.mark.django_db
def test_the_demo_shows_complete_missing_overdue_blocked_and_to_correct_forms(demo_for_the_module, client_as):
    statuses = {row.status for row in completeness.rows(Bundle.for_patients(Patient.objects.all()))}
    assert {completeness.COMPLETE, completeness.MISSING, completeness.OVERDUE, completeness.BLOCKED,
            completeness.TO_CORRECT, completeness.SUBMITTED} <= statuses
    page = client_as("research").get("/registry/")
    assert page.status_code == 200 and "to correct" in page.content.decode()
