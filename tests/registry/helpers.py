import datetime as dt

from django.utils import timezone

from cellrelay.patients import services as patient_services


def consent(org, patient, *kinds, status="given", days_ago=5):
    for kind in kinds:
        patient_services.record_consent(actor=org["users"]["coordinator"], patient=patient, kind=kind, status=status,
                                        decided_on=timezone.localdate() - dt.timedelta(days=days_ago))


def infused_long_ago(org, patient, days_ago=200):
    """An episode whose infusion was months ago (its D100 is past, its M6 not yet)."""
    from tests.conftest import open_episode
    from tests.monitoring.test_services import infused

    return infused(open_episode(org, patient, held_on=timezone.localdate() - dt.timedelta(days=days_ago + 20)),
                   org["users"], days_ago=days_ago)
