"""Demo monitoring data for seed_demo: what the ward, ICU and neurology would have recorded.

A typical course (pathway.md, grading.md): fever from D+1 (recorded up to yesterday), CRS grade 2 on D+2 treated with
tocilizumab, ICE 8 (ICANS grade 1) on D+4, back to normal by D+6. Every record goes through the
services, so the journal holds it.
"""

import datetime as dt
from datetime import time

from django.utils import timezone

from cellrelay.monitoring import grading, services
from cellrelay.pathway.states import ORDER, State
from cellrelay.pharmacy.services import drugs as pharmacy_services

FULL_ICE = dict(orientation_year=1, orientation_month=1, orientation_city=1, orientation_hospital=1, naming_1=1,
                naming_2=1, naming_3=1, follows_commands=1, writes_sentence=1, counts_backwards=1)
# day since D0: temperature, hypotension, oxygen, flow
COURSE = {
    0: ("37.2", "none", "none", None),
    1: ("38.6", "none", "none", None),
    2: ("39.4", "no_vasopressor", "low_flow", "3"),
    3: ("38.1", "none", "low_flow", "2"),
    4: ("37.4", "none", "none", None),
    6: ("36.9", "none", "none", None),
}
ICE_MISSED = {4: ("writes_sentence", "counts_backwards")}


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time(hour)))


def reached(episode, state: State) -> bool:
    return episode.state in ORDER and ORDER.index(State(episode.state)) >= ORDER.index(state)


def seed(episode, users, today: dt.date) -> None:
    """Reserve tocilizumab once the product is in; after the infusion, the course above up to today."""
    if not reached(episode, State.PRODUCT_RECEIVED):
        return
    pharmacy_services.reserve_drug(actor=users["pharmacist"], episode=episode)
    infusion = episode.milestones.filter(code="D0").values_list("actual", flat=True).first()
    if not infusion:
        return
    services.record_labs(actor=users["wardnurse"], episode=episode, sampled_at=at(infusion - dt.timedelta(days=5), 8),
                         platelets_g_l=140, anc_g_l="1.6", haemoglobin_g_dl="10.2", crp_mg_l="12", ferritin_ng_ml=820,
                         ldh_u_l=310, creatinine_umol_l=78)
    for offset, (temperature, hypotension, oxygen, flow) in COURSE.items():
        day = infusion + dt.timedelta(days=offset)
        if day >= today:  # today's rounds are still to come
            break
        vitals = services.record_vital_signs(
            actor=users["wardnurse"], episode=episode, taken_at=at(day, 8), temperature_c=temperature,
            hypotension=hypotension, oxygen=oxygen, oxygen_flow_l_min=flow, heart_rate=96, systolic=104,
            diastolic=62, spo2=95)
        if offset == 2:
            dose = grading.tocilizumab_dose_mg(float(episode.patient.weight_kg))
            services.give_treatment(actor=users["wardnurse"], episode=episode, kind="tocilizumab", dose_mg=dose,
                                    given_at=at(day, 10), notes="8 mg/kg")
        missed = ICE_MISSED.get(offset, ())
        services.record_neuro_assessment(
            actor=users["wardnurse"], episode=episode, assessed_at=at(day, 9), consciousness="normal",
            ice_items={item: 0 if item in missed else 1 for item in FULL_ICE})
        services.confirm_grade(actor=users["haematologist"], source=vitals, confirmed=vitals.crs_proposed)
    if infusion + dt.timedelta(days=10) <= today:
        services.record_adverse_event(actor=users["haematologist"], episode=episode, term="Neutrophil count decreased",
                                      ctcae_grade=4, onset=infusion + dt.timedelta(days=3),
                                      resolution=infusion + dt.timedelta(days=10), relation="probable")
        for alert in episode.alerts.all():  # each team has seen the old alerts
            services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
            services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
