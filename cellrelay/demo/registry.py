"""The demo's registry reporting, through the services: research consents for some patients, the value only the
registry room holds for half of the ATIH forms, two forms submitted and one of them changed since ("to correct").
With the patients who refused data sharing (blocked for EBMT and CIBMTR) and the forms never filled (overdue), the
research assistant's page shows every status."""

import datetime as dt

from django.utils import timezone

from cellrelay.patients import services as patient_services
from cellrelay.patients.models import Patient
from cellrelay.registry import completeness, services
from cellrelay.registry.sources import Bundle

ATIH = "atih:atih_ordering"


def seed(org) -> None:
    research, coordinator = org["users"]["research"], org["users"]["coordinator"]
    today = timezone.localdate()
    for index, patient in enumerate(Patient.objects.order_by("pk")):
        if index % 2 == 0:
            patient_services.record_consent(actor=coordinator, patient=patient, kind="research", status="given",
                                            decided_on=today - dt.timedelta(days=3))
    rows = [row for row in completeness.rows(Bundle.for_patients(Patient.objects.all()), form_key=ATIH)
            if row.status in (completeness.MISSING, completeness.OVERDUE)]
    filled = rows[::2]
    for row in filled:
        services.enter_value(actor=research, episode=row.episode, item="usually_followed_here", text="yes")
    for number, row in enumerate(filled[:2], 1):
        services.submit(actor=research, episode=row.episode, form_key=ATIH, timepoint="ordering",
                        submitted_on=today - dt.timedelta(days=1), reference=f"ATIH-DEMO-{number}")
    if filled:  # the first one's answer changed after it was sent: to correct
        services.enter_value(actor=research, episode=filled[0].episode, item="usually_followed_here", text="no")
