"""The monitoring room's pages: the flow sheet, its forms, the live previews, the alerts on the worklists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cellrelay.journal.models import JournalEntry
from cellrelay.monitoring import services
from cellrelay.monitoring.forms import CAPD_LABELS, ICE_LABELS
from cellrelay.monitoring.grading import CAPD_REVERSED_ITEMS, CAPD_STRAIGHT_ITEMS, ICE_ITEMS
from cellrelay.monitoring.models import Alert, GradeRecord, IcuStay, Intervention, NeuroAssessment, VitalSigns
from cellrelay.monitoring.alerts import open_alerts
from cellrelay.monitoring.views import lab_row
from cellrelay.pharmacy.services import drugs as pharmacy
from cellrelay.pharmacy.models import DrugReserve
from tests.monitoring.test_services import ICE_FULL, ago, infused, neuro, vitals

pytestmark = pytest.mark.django_db


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def under_way(episode, users):
    return infused(episode, users)


def flow_sheet(episode) -> str:
    return f"/episodes/{episode.pk}/monitoring/"


def test_the_form_labels_cover_every_ice_and_capd_item():
    assert tuple(ICE_LABELS) == ICE_ITEMS
    assert tuple(CAPD_LABELS) == CAPD_REVERSED_ITEMS + CAPD_STRAIGHT_ITEMS


# The flow sheet -----------------------------------------------------------------------------------------------

def test_the_flow_sheet_shows_every_table_and_journals_the_read(under_way, users, client_as):
    episode = under_way
    vitals(episode, users, hypotension="one_vasopressor")
    neuro(episode, users, ice=8, tremor=True)
    services.record_labs(actor=users["wardnurse"], episode=episode, sampled_at=ago(hours=2), crp_mg_l=Decimal("40"),
                         ferritin_ng_ml=Decimal("2500"), anc_g_l=Decimal("1.0"), haemoglobin_g_dl=Decimal("8.5"),
                         platelets_g_l=Decimal("50"), ldh_u_l=Decimal("500"), creatinine_umol_l=Decimal("177"))
    pharmacy.reserve_drug(actor=users["pharmacist"], episode=episode)
    services.give_treatment(actor=users["haematologist"], episode=episode, kind="tocilizumab", dose_mg=600,
                            given_at=ago(hours=1))
    services.transfer_to_icu(actor=users["icu"], episode=episode, admitted_at=ago(minutes=30), reason="CRS 3")
    services.record_adverse_event(actor=users["research"], episode=episode, term="Hypotension", ctcae_grade=3,
                                  onset=timezone.localdate(), relation="probable")
    reads = JournalEntry.objects.filter(action="patient.read").count()

    response = client_as("haematologist").get(flow_sheet(episode))
    assert response.status_code == 200
    assert JournalEntry.objects.filter(action="patient.read").count() == reads + 1
    html = response.content.decode()
    for words in ("Pre-infusion neurology checklist", "Daily maximum grades", "Vital signs", "Neurological assessments",
                  "Laboratory results", "Treatments given", "Intensive care", "Adverse events", "Registry summary",
                  "Open alerts", "still in intensive care", "Hypotension", "ICE 8/10", "Tremor (CTCAE, not ICANS).",
                  "site setting, unverified", "high risk", "class=\"monitoring-chart\""):
        assert words in html, words
    # CAR-HEMATOTOX 2 (platelets < 75) + 1 (ANC) + 1 (Hb) + 1 (CRP 4 mg/dL) + 2 (ferritin > 2000) = 7
    assert "7 — " in html
    assert "20.02" in html  # EASIX = 500 U/L × 2.002 mg/dL (177 µmol/L) / 50 G/L
    assert "Confirm</a>" in html and "not acknowledged yet" in html  # acknowledging is for the ICU and neurology
    assert "1 of 2 dose(s) remaining" in html


def test_easix_and_hematotox_convert_the_french_units():
    class Labs:
        platelets_g_l, anc_g_l, haemoglobin_g_dl = Decimal("200"), Decimal("2"), Decimal("12")
        crp_mg_l, ferritin_ng_ml = Decimal("29"), Decimal("100")  # 2.9 mg/dL: below the 3.0 cut
        ldh_u_l, creatinine_umol_l = Decimal("250"), Decimal("176.8")  # 2 mg/dL (the model keeps whole µmol/L)

    row = lab_row(Labs)
    assert row.hematotox == (0, "low")
    assert row.easix == pytest.approx(250 * 2 / 200)
    Labs.crp_mg_l = Decimal("30")  # 3.0 mg/dL: one point
    assert lab_row(Labs).hematotox == (1, "low")


def test_easix_and_hematotox_need_their_markers():
    class Labs:
        platelets_g_l, anc_g_l, haemoglobin_g_dl, crp_mg_l, ferritin_ng_ml = Decimal("100"), None, None, None, None
        ldh_u_l, creatinine_umol_l = Decimal("300"), None

    row = lab_row(Labs)
    assert (row.hematotox, row.easix) == (None, None)


def test_daily_maximum_uses_the_confirmed_grade_else_the_proposed_one(under_way, users, client_as):
    episode = under_way
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    def at(hour):
        return timezone.make_aware(dt.datetime.combine(yesterday, dt.time(hour)))

    low = vitals(episode, users, taken_at=at(9))  # grade 1
    vitals(episode, users, taken_at=at(10), hypotension="no_vasopressor")  # grade 2, proposed
    services.confirm_grade(actor=users["haematologist"], source=low, confirmed=1)
    assessment = neuro(episode, users, ice=8, assessed_at=at(11))  # grade 1
    services.confirm_grade(actor=users["neurologist"], source=assessment, confirmed=2, override_reason="Dysgraphia")
    response = client_as("wardnurse").get(flow_sheet(episode))
    daily = response.context["daily"]
    assert len(daily) == 1
    label, day, crs, icans = daily[0]
    assert label.startswith("D+") and day == yesterday
    assert (crs.grade, crs.proposed) == (2, True)
    assert (icans.grade, icans.proposed) == (2, False)
    assert response.context["crs_summary"].highest == 2


def test_day_labels_are_in_french_for_french_users(under_way, users, client_as):
    vitals(under_way, users)
    response = client_as("wardnurse", language="fr").get(flow_sheet(under_way))
    assert response.context["daily"][0][0].startswith("J+")


def test_the_chart_fits_the_days_recorded_and_shows_every_sign(under_way, users, client_as):
    vitals(under_way, users, taken_at=ago(days=2), heart_rate=96, systolic=118, diastolic=70, spo2=97)
    vitals(under_way, users, taken_at=ago(days=1), heart_rate=124, systolic=92, diastolic=55, spo2=93)
    html = client_as("wardnurse").get(flow_sheet(under_way)).content.decode()
    chart_svg = html[html.index("<svg"):html.index("</svg>")]
    assert 3 <= chart_svg.count('class="day-label"') <= 4  # from two days ago to now, not D-1 to D+30
    for words in ("Heart rate", "Blood pressure", "SpO2 (%)", "systolic", "diastolic", "90 % (hypoxia)", "Now"):
        assert words in chart_svg, words
    assert "124 /min" in chart_svg and "92 mmHg" in chart_svg and "93 %" in chart_svg
    french = client_as("wardnurse", language="fr").get(flow_sheet(under_way)).content.decode()
    assert "Fréquence" in french and "systolique" in french and "Maintenant" in french  # titles wrap in the margin


def test_links_follow_the_users_actions(under_way, users, client_as):
    episode = under_way
    record = vitals(episode, users, hypotension="no_vasopressor")
    nurse = client_as("wardnurse").get(flow_sheet(episode)).content.decode()
    assert f"/episodes/{episode.pk}/vitals/new/" in nurse and f"/episodes/{episode.pk}/treatments/new/" in nurse
    assert f"/vitals/{record.pk}/confirm/" not in nurse and "/acknowledge/" not in nurse
    assert f"/episodes/{episode.pk}/adverse-events/new/" not in nurse
    research = client_as("research").get(flow_sheet(episode)).content.decode()
    assert f"/episodes/{episode.pk}/adverse-events/new/" in research and "/vitals/new/" not in research
    icu = client_as("icu").get(flow_sheet(episode)).content.decode()
    assert f"/vitals/{record.pk}/confirm/" in icu and "/acknowledge/" in icu
    pharmacist = client_as("pharmacist").get(flow_sheet(episode)).content.decode()
    assert f"/episodes/{episode.pk}/reserve/" in pharmacist and "/vitals/new/" not in pharmacist


def test_the_missing_checklist_items_say_so_in_words(episode, client_as):
    html = client_as("coordinator").get(flow_sheet(episode)).content.decode()
    assert html.count('class="missing">✗ missing') == 3


def test_a_flow_sheet_of_a_patient_out_of_scope_is_404(episode, client_as):
    assert client_as("outsider").get(flow_sheet(episode)).status_code == 404
    assert client_as("referrer").get(flow_sheet(episode)).status_code == 404


# Vital signs and the live preview -------------------------------------------------------------------------

def test_the_crs_preview_proposes_a_grade_and_saves_nothing(under_way, client_as):
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/vitals/preview/"
    response = client.post(url, {"taken_at": local_input(ago(minutes=1)), "temperature_c": "39.2",
                                 "hypotension": "one_vasopressor", "oxygen": "none"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="crs-preview"' in html and 'data-grade="3"' in html
    assert "Proposed CRS grade: 3" in html and "Hypotension requiring one vasopressor." in html
    assert "<html" not in html  # a fragment
    assert not VitalSigns.objects.exists() and not Alert.objects.exists()


def test_the_crs_preview_asks_for_the_temperature_and_shows_contradictions(under_way, client_as):
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/vitals/preview/"
    assert "Enter the temperature" in client.post(url, {"hypotension": "none"}).content.decode()
    assert 'data-grade=""' in client.get(url).content.decode()
    html = client.post(url, {"temperature_c": "38.5", "hypotension": "none", "oxygen": "none",
                             "oxygen_flow_l_min": "4"}).content.decode()
    assert "An oxygen flow is given, but no oxygen." in html and 'data-grade=""' in html


def test_recording_vital_signs_goes_back_to_the_flow_sheet(under_way, client_as):
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/vitals/new/"
    page = client.get(url).content.decode()
    assert 'hx-post="/episodes/%d/vitals/preview/"' % under_way.pk in page and 'id="crs-preview"' in page
    response = client.post(url, {"taken_at": local_input(ago(minutes=2)), "temperature_c": "39.2",
                                 "hypotension": "one_vasopressor", "oxygen": "none"}, follow=True)
    assert response.redirect_chain[-1][0] == flow_sheet(under_way)
    assert "Vital signs recorded." in response.content.decode()
    assert VitalSigns.objects.get().crs_proposed == 3
    assert Alert.objects.get().grade == 3


def test_refusals_are_shown_beside_the_fields(under_way, client_as):
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/vitals/new/"
    future = client.post(url, {"taken_at": local_input(ago(hours=-2)), "temperature_c": "39.2",
                               "hypotension": "none", "oxygen": "none"})
    assert future.status_code == 200 and "This time is in the future." in future.content.decode()
    contradiction = client.post(url, {"taken_at": local_input(ago(minutes=2)), "temperature_c": "38.2",
                                      "hypotension": "none", "oxygen": "none", "oxygen_flow_l_min": "3"})
    assert "An oxygen flow is given, but no oxygen." in contradiction.content.decode()
    assert not VitalSigns.objects.exists()


def test_before_the_infusion_the_form_and_its_preview_speak_of_a_fever_to_investigate(episode, users, client_as):
    client = client_as("wardnurse")
    form = client.get(f"/episodes/{episode.pk}/vitals/new/").content.decode()
    assert "a fever is a fever to investigate" in form and "No CRS grade is proposed." in form
    preview = client.post(f"/episodes/{episode.pk}/vitals/preview/", {
        "taken_at": local_input(ago(minutes=1)), "temperature_c": "38.6", "hypotension": "none",
        "oxygen": "none"}).content.decode()
    assert 'data-grade=""' in preview and 'data-not-graded="true"' in preview
    assert "No CRS grade before the infusion (D0)." in preview and "a fever to investigate" in preview
    assert "Proposed CRS grade" not in preview


def test_the_flow_sheet_shows_a_reading_before_the_infusion_as_not_graded(episode, users, client_as):
    record = vitals(episode, users, temperature_c=Decimal("38.6"))
    response = client_as("haematologist").get(flow_sheet(episode))
    html = response.content.decode()
    assert "not graded: before the infusion" in html and "a fever to investigate" in html
    assert f"/vitals/{record.pk}/confirm/" not in html
    assert response.context["daily"] == []
    refused = client_as("haematologist").get(f"/vitals/{record.pk}/confirm/", follow=True)
    assert "there is no CRS or ICANS grade to confirm" in refused.content.decode()
    assert not GradeRecord.objects.exists()


def test_before_the_infusion_the_neurological_form_says_it_is_not_icans(episode, client_as):
    client = client_as("neurologist")
    assert "neurological signs are not ICANS" in client.get(f"/episodes/{episode.pk}/neuro/new/").content.decode()
    data = {"assessed_at": local_input(ago(minutes=1)), "consciousness": "awakens_to_voice", "seizure": "none",
            "cerebral_edema": "none", **{k: "on" for k in ICE_FULL}}
    preview = client.post(f"/episodes/{episode.pk}/neuro/preview/", data).content.decode()
    assert "No ICANS grade before the infusion (D0)." in preview and 'data-grade=""' in preview


def test_contradicting_values_are_shown_and_saved_only_with_the_confirmation_box(under_way, client_as):
    client = client_as("wardnurse")
    data = {"taken_at": local_input(ago(minutes=2)), "temperature_c": "37.2", "systolic": "60", "diastolic": "30",
            "spo2": "85", "hypotension": "none", "oxygen": "none"}
    preview = client.post(f"/episodes/{under_way.pk}/vitals/preview/", data).content.decode()
    assert "Check these values" in preview and "Systolic pressure 60 mmHg (below 90)" in preview
    assert 'name="values_confirmed"' in preview and "These values contradict" not in preview  # no scolding live
    url = f"/episodes/{under_way.pk}/vitals/new/"
    assert 'name="values_confirmed"' not in client.get(url).content.decode()  # no box before a contradiction
    refused = client.post(url, data)
    html = refused.content.decode()
    assert refused.status_code == 200 and not VitalSigns.objects.exists()
    assert "SpO2 85 % (below 90 %) on room air" in html and 'name="values_confirmed"' in html
    assert "I confirm these values" in html and "These values contradict each other" in html
    saved = client.post(url, {**data, "values_confirmed": "on"})
    assert saved.status_code == 302 and VitalSigns.objects.get().systolic == 60


def test_a_diastolic_above_the_systolic_is_refused_beside_the_field(under_way, client_as):
    response = client_as("wardnurse").post(f"/episodes/{under_way.pk}/vitals/new/", {
        "taken_at": local_input(ago(minutes=2)), "temperature_c": "37.2", "systolic": "80", "diastolic": "95",
        "hypotension": "none", "oxygen": "none", "values_confirmed": "on"})
    assert "The diastolic pressure must be below the systolic." in response.content.decode()
    assert response.context["form"].errors["diastolic"] and not VitalSigns.objects.exists()


# Neurological assessment ----------------------------------------------------------------------------------

def test_an_adult_gets_the_ice_items_and_an_icans_preview(under_way, client_as):
    client = client_as("neurologist")
    page = client.get(f"/episodes/{under_way.pk}/neuro/new/").content.decode()
    assert "Orientation: year" in page and "Restless" not in page and 'id="icans-preview"' in page
    data = {"assessed_at": local_input(ago(minutes=1)), "consciousness": "normal", "seizure": "none",
            "cerebral_edema": "none", **{k: "on" for k in list(ICE_FULL)[:8]}}
    preview = client.post(f"/episodes/{under_way.pk}/neuro/preview/", data).content.decode()
    assert 'data-grade="1"' in preview and "ICE 8/10" in preview
    assert not NeuroAssessment.objects.exists()
    response = client.post(f"/episodes/{under_way.pk}/neuro/new/", {**data, "tremor": "on"})
    assert response.status_code == 302
    saved = NeuroAssessment.objects.get()
    assert (saved.ice_score, saved.icans_proposed, saved.tremor) == (8, 1, True)


def test_the_icans_preview_explains_a_contradiction(under_way, client_as):
    data = {"assessed_at": local_input(ago(minutes=1)), "consciousness": "normal", "seizure": "none",
            "cerebral_edema": "none", "aphasia_global": "on", "orientation_year": "on"}
    preview = client_as("neurologist").post(f"/episodes/{under_way.pk}/neuro/preview/", data).content.decode()
    assert "A globally aphasic patient cannot perform the ICE" in preview


def test_a_child_gets_the_capd_items(org, users, client_as):
    from tests.conftest import open_episode, register

    child = register(org, family="Petit", given="Jules", birth=timezone.localdate() - dt.timedelta(days=8 * 365),
                     serial=7, weight_kg=25, height_cm=125)
    episode = infused(open_episode(org, child, product="kymriah", indication="b_all"), users)
    client = client_as("neurologist")
    page = client.get(f"/episodes/{episode.pk}/neuro/new/").content.decode()
    assert "Restless" in page and "Orientation: year" not in page and "CAPD" in page
    answers = {"eye_contact": 0, "purposeful_actions": 0, "aware_of_surroundings": 1, "communicates_needs": 4,
               "restless": 2, "inconsolable": 0, "underactive": 0, "slow_to_respond": 0}  # 4+4+3+0+2 = 13
    data = {"assessed_at": local_input(ago(minutes=1)), "consciousness": "normal", "seizure": "none",
            "cerebral_edema": "none", **answers}
    preview = client.post(f"/episodes/{episode.pk}/neuro/preview/", data).content.decode()
    assert "CAPD 13/32" in preview and 'data-grade="3"' in preview
    assert client.post(f"/episodes/{episode.pk}/neuro/new/", data).status_code == 302
    assert NeuroAssessment.objects.get().capd_score == 13


# Labs, confirmations, treatments -----------------------------------------------------------------------------

def test_labs_need_one_result(under_way, client_as):
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/labs/new/"
    empty = client.post(url, {"sampled_at": local_input(ago(minutes=5))})
    assert empty.status_code == 200 and "Enter at least one result." in empty.content.decode()
    assert client.post(url, {"sampled_at": local_input(ago(minutes=5)), "crp_mg_l": "12.5"}).status_code == 302


def test_confirming_with_another_grade_needs_a_reason(under_way, users, client_as):
    record = vitals(under_way, users, hypotension="no_vasopressor")
    client = client_as("icu")
    url = f"/vitals/{record.pk}/confirm/"
    page = client.get(url)
    assert page.status_code == 200 and "Hypotension not requiring vasopressors." in page.content.decode()
    assert page.context["form"]["confirmed"].value() == 2
    refused = client.post(url, {"confirmed": "3", "override_reason": ""})
    assert "Give the reason" in refused.content.decode() and not GradeRecord.objects.exists()
    assert client.post(url, {"confirmed": "3", "override_reason": "Norepinephrine started"}).status_code == 302
    assert GradeRecord.objects.get().confirmed == 3
    again = client.post(url, {"confirmed": "3", "override_reason": "x"})
    assert "already been confirmed" in again.content.decode()


def test_confirming_an_icans_grade(under_way, users, client_as):
    assessment = neuro(under_way, users, ice=5)
    client = client_as("neurologist")
    assert "ICE 5/10" in client.get(f"/neuro/{assessment.pk}/confirm/").content.decode()
    assert client.post(f"/neuro/{assessment.pk}/confirm/", {"confirmed": "2"}).status_code == 302
    assert GradeRecord.objects.get(neuro_assessment=assessment).confirmed == 2


def test_the_treatment_page_shows_the_dose_the_doses_given_and_the_reserve(under_way, users, client_as):
    pharmacy.reserve_drug(actor=users["pharmacist"], episode=under_way, doses=2)
    services.give_treatment(actor=users["haematologist"], episode=under_way, kind="tocilizumab", dose_mg=600,
                            given_at=ago(hours=10))
    client = client_as("wardnurse")
    url = f"/episodes/{under_way.pk}/treatments/new/"
    page = client.get(url)
    assert (page.context["suggested_dose"], page.context["doses_24h"], page.context["doses_total"]) == (624.0, 1, 1)
    assert "624.0 mg" in page.content.decode() and "1 of 2 dose(s)" in page.content.decode()
    too_much = client.post(url, {"kind": "tocilizumab", "dose_mg": "700", "route": "IV",
                                 "given_at": local_input(ago(minutes=3))})
    assert "Above the tocilizumab dose" in too_much.content.decode()
    response = client.post(url, {"kind": "tocilizumab", "dose_mg": "600", "route": "IV",
                                 "given_at": local_input(ago(minutes=3))}, follow=True)
    assert "Treatment recorded." in response.content.decode()
    assert DrugReserve.objects.get().remaining == 0
    assert Intervention.objects.count() == 2


def test_a_backdated_dose_before_another_is_refused_not_a_crash(under_way, users, client_as):
    services.give_treatment(actor=users["haematologist"], episode=under_way, kind="tocilizumab", dose_mg=600,
                            given_at=ago(hours=1))
    response = client_as("haematologist").post(f"/episodes/{under_way.pk}/treatments/new/", {
        "kind": "tocilizumab", "dose_mg": "600", "route": "IV", "given_at": local_input(ago(hours=5))})
    assert response.status_code == 200 and "A dose cannot be given after the new one." in response.content.decode()


def test_the_warnings_of_a_treatment_are_shown_in_words(under_way, users, client_as):
    services.give_treatment(actor=users["haematologist"], episode=under_way, kind="tocilizumab", dose_mg=600,
                            given_at=ago(hours=1))
    html = client_as("wardnurse").get(flow_sheet(under_way)).content.decode()
    assert "No tocilizumab dose was reserved for this episode." in html


# ICU, adverse events, checklist, reserve, alerts -----------------------------------------------------------

def test_icu_transfer_and_return_pages(under_way, client_as):
    client = client_as("icu")
    assert client.post(f"/episodes/{under_way.pk}/icu/new/", {
        "admitted_at": local_input(ago(hours=5)), "reason": "CRS grade 3"}).status_code == 302
    stay = IcuStay.objects.get()
    assert f"/icu/{stay.pk}/return/" in client.get(flow_sheet(under_way)).content.decode()
    before = client.post(f"/icu/{stay.pk}/return/", {"discharged_at": local_input(ago(hours=6))})
    assert "The return must come after the transfer." in before.content.decode()
    assert client.post(f"/icu/{stay.pk}/return/", {"discharged_at": local_input(ago(hours=1))}).status_code == 302
    stay.refresh_from_db()
    assert stay.discharged_at


def test_adverse_event_page(under_way, client_as):
    client = client_as("research")
    url = f"/episodes/{under_way.pk}/adverse-events/new/"
    today = timezone.localdate()
    refused = client.post(url, {"term": "Neutropenia", "ctcae_grade": "4", "onset": today.isoformat(),
                                "resolution": (today - dt.timedelta(days=3)).isoformat(), "relation": "probable"})
    assert "The resolution cannot come before the onset." in refused.content.decode()
    assert client.post(url, {"term": "Neutropenia", "ctcae_grade": "4", "onset": today.isoformat(),
                             "relation": "probable"}).status_code == 302


def test_checklist_and_waiver_pages(episode, users, client_as):
    client = client_as("neurologist")
    today = timezone.localdate().isoformat()
    assert client.post(f"/episodes/{episode.pk}/checklist/", {"consultation_on": today}).status_code == 302
    assert services.infusion_blockers(episode) == ["mri_on", "eeg_on"]
    page = client.get(f"/episodes/{episode.pk}/checklist/waive/").content.decode()
    assert "Missing: Brain MRI, EEG." in page
    assert client.post(f"/episodes/{episode.pk}/checklist/waive/", {"reason": " "}).context["form"].errors["reason"]
    assert client.post(f"/episodes/{episode.pk}/checklist/waive/", {"reason": "No MRI slot"}).status_code == 302
    html = client.get(flow_sheet(episode)).content.decode()
    assert "by Léa Petit" in html and "No MRI slot" in html


def test_reserve_page_defaults_to_the_templates_doses(episode, client_as):
    client = client_as("pharmacist")
    page = client.get(f"/episodes/{episode.pk}/reserve/")
    assert page.context["form"]["doses"].value() == episode.template.tocilizumab_doses
    assert client.post(f"/episodes/{episode.pk}/reserve/", {"doses": "3"}).status_code == 302
    assert DrugReserve.objects.get().reserved_doses == 3


def test_acknowledge_asks_on_get_and_acknowledges_on_post_for_the_users_team(under_way, users, client_as):
    vitals(under_way, users, hypotension="no_vasopressor")
    alert = Alert.objects.get()
    client = client_as("icu")
    url = f"/alerts/{alert.pk}/acknowledge/icu/"
    page = client.get(url)
    assert page.status_code == 200 and "not acknowledged yet" in page.content.decode()
    assert not alert.acknowledgements.exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == flow_sheet(under_way)
    assert list(alert.acknowledgements.values_list("team", "acknowledged_by__username")) == [("icu", "icu")]
    neurology = f"/alerts/{alert.pk}/acknowledge/neurology/"
    assert client.post(neurology).status_code == 403  # the ICU physician does not acknowledge for neurology
    assert client_as("haematologist").post(url).status_code == 403
    assert client_as("wardnurse").post(url).status_code == 403
    assert alert.acknowledgements.count() == 1


def test_open_alerts_are_listed_for_intensive_care_and_neurology(under_way, users, referred_patient, org):
    from cellrelay.patients import access

    vitals(under_way, users, hypotension="one_vasopressor")
    groups = open_alerts(access.patients_for(users["icu"]))
    assert [team for team, _label, _alerts in groups] == ["icu", "neurology"]
    assert [str(label) for _team, label, _alerts in groups] == ["Intensive care", "Neurology"]
    assert groups[0][2] == groups[1][2] and groups[0][2][0].word == "severe"
    assert open_alerts(access.patients_for(users["referrer"])) == []  # not their patient


def worklist_alerts(client) -> dict[str, str]:
    """The worklist's alert tables, by class (alerts-icu, alerts-neurology, to-confirm): their HTML."""
    html = client.get("/worklist/").content.decode()
    tables = {}
    for name in ("alerts-icu", "alerts-neurology", "to-confirm"):
        start = html.find(f'<table class="{name}">')
        tables[name] = html[start:html.index("</table>", start)] if start >= 0 else ""
    return tables


def test_acknowledged_by_intensive_care_the_alert_stays_on_the_neurology_worklist(under_way, users, client_as):
    record = vitals(under_way, users, hypotension="one_vasopressor")
    alert = Alert.objects.get()
    icu, neurologist = client_as("icu"), client_as("neurologist")
    before = worklist_alerts(icu)
    assert f"/alerts/{alert.pk}/acknowledge/icu/" in before["alerts-icu"]
    assert "/acknowledge/" not in before["alerts-neurology"]  # the ICU physician acknowledges for the ICU only
    icu.post(f"/alerts/{alert.pk}/acknowledge/icu/")

    for client, may_confirm in ((icu, True), (neurologist, True), (client_as("coordinator"), False)):
        tables = worklist_alerts(client)
        assert tables["alerts-icu"] == ""
        assert "grade 3" in tables["alerts-neurology"]
        assert "grade 3" in tables["to-confirm"]
        assert (f"/vitals/{record.pk}/confirm/" in tables["to-confirm"]) == may_confirm
    neurologist.post(f"/alerts/{alert.pk}/acknowledge/neurology/")
    tables = worklist_alerts(neurologist)
    assert tables["alerts-neurology"] == "" and "grade 3" in tables["to-confirm"]  # still to confirm
    client_as("haematologist").post(f"/vitals/{record.pk}/confirm/", {"confirmed": "3"})
    assert "Toxicity alerts" not in client_as("coordinator").get("/worklist/").content.decode()


def test_the_flow_sheet_shows_who_acknowledged_for_which_team(under_way, users, client_as):
    vitals(under_way, users, hypotension="one_vasopressor")
    alert = Alert.objects.get()
    services.acknowledge_alert(actor=users["icu"], alert=alert, team="icu")
    html = client_as("neurologist").get(flow_sheet(under_way)).content.decode()
    assert "Open alerts" in html and "acknowledged by" in html
    assert f"/alerts/{alert.pk}/acknowledge/neurology/" in html and f"/alerts/{alert.pk}/acknowledge/icu/" not in html
    services.acknowledge_alert(actor=users["neurologist"], alert=alert, team="neurology")
    html = client_as("neurologist").get(flow_sheet(under_way)).content.decode()
    assert "/acknowledge/" not in html
    assert "Proposed grades awaiting a physician" in html  # the grade 3 still awaits its confirmation
