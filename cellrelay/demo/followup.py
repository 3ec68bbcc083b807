"""Demo follow-up histories for seed_demo, recorded through the follow-up services (so the journal holds them).

The infusion made each plan (pathway.later_steps → followup.services.plan_follow_up); here is what the teams recorded
since, by patient (index in `cases.PATIENTS`), dates in days after D0:

- a patient past Y5 in lasting complete response, with B-cell aplasia, low IgG replaced, a basal-cell carcinoma;
- a death without relapse (aspergillosis after a prolonged cytopenia) and a death from progression (a follicular
  lymphoma relapsing at Y3, followed by the referring hospital from M12, which recorded the relapse);
- a myeloma progressing at M6, then lost to follow-up (no contact for more than 13 months, visits overdue);
- a follicular lymphoma followed by the referring hospital from M6, whose M6 visit is overdue there;
- for the coordinator's day: a call with fever today waiting on the haematologist's worklist, a daily call due
  today (the myeloma patient at D3), visits due this week (D7 of the patients infused this week).
"""

import datetime as dt

from cellrelay.followup import services
from cellrelay.followup.models import FollowUpPlan, Visit
from cellrelay.followup.calls import ANSWERS

NOTHING_TO_REPORT = {name: False for name in ANSWERS} | {"temperature_c": None, "caregiver_present": True,
                                                          "within_reach": True}


class History:
    """One patient's follow-up as recorded: each method calls one service, days counted from D0."""

    def __init__(self, episode, users):
        self.users = users
        self.episode = episode
        self.plan = FollowUpPlan.objects.get(episode=episode)

    def day(self, days: int) -> dt.date:
        return self.plan.d0 + dt.timedelta(days=days)

    def visit_of(self, code: str) -> Visit:
        return self.plan.visits.get(code=code)

    def visit(self, code: str, *, late: int = 0, status: str = Visit.Status.DONE, note: str = "",
              by: str = "haematologist") -> Visit:
        """The visit recorded `late` days after its due date (the day it was noted, when missed)."""
        visit = self.visit_of(code)
        services.record_visit(actor=self.users[by], visit=visit, status=status,
                              on=visit.due + dt.timedelta(days=late), note=note)
        return visit

    def visits(self, codes: str, **kwargs) -> None:
        for code in codes.split():
            self.visit(code, **kwargs)

    def lugano(self, code: str, score: int, uptake: str | None, new_lesions: bool = False, *,
               by: str = "haematologist") -> None:
        self.response(code, "lugano", {"deauville_score": score, "uptake_change": uptake, "new_lesions": new_lesions},
                      by=by)

    def response(self, code: str, criteria: str, raw: dict, *, by: str = "haematologist") -> None:
        visit = self.visit_of(code)
        services.record_response(actor=self.users[by], episode=self.episode, assessed_on=visit.done_on,
                                 criteria=criteria, raw=raw, visit=visit)

    def count(self, code: str, anc: int, platelets: int, haemoglobin: str, *, by: str = "haematologist") -> None:
        visit = self.visit_of(code)
        services.record_blood_count(actor=self.users[by], episode=self.episode, sampled_on=visit.done_on,
                                    anc_per_ul=anc, platelets_g_l=platelets, haemoglobin_g_dl=haemoglobin,
                                    visit=visit)

    def late_effect(self, kind: str, details: dict, *, code: str | None = None, day: int | None = None,
                    t_cell_malignancy: bool = False) -> None:
        """At a visit (`code`, on its date) or on its own day after D0."""
        visit = self.visit_of(code) if code else None
        services.record_late_effect(actor=self.users["haematologist"], episode=self.episode, kind=kind,
                                    observed_on=visit.done_on if visit else self.day(day), details=details,
                                    t_cell_malignancy=t_cell_malignancy, visit=visit)

    def treatment(self, kind: str, day: int, detail: str) -> None:
        services.record_treatment(actor=self.users["haematologist"], episode=self.episode, kind=kind,
                                  started_on=self.day(day), detail=detail)

    def hand_over(self, codes: str) -> None:
        """The referring hospital takes these visits back (and records them)."""
        services.assign_visits(actor=self.users["coordinator"], plan=self.plan, codes=codes.split(),
                               place=Visit.Place.REFERRING)

    def death(self, day: int, cause: str, detail: str, toxicity: str = "") -> None:
        services.record_death(actor=self.users["haematologist"], episode=self.episode, died_on=self.day(day),
                              cause=cause, toxicity=toxicity, detail=detail)

    def call(self, note: str, **answers) -> None:
        services.record_call(actor=self.users["coordinator"], plan=self.plan, answers=NOTHING_TO_REPORT | answers,
                             note=note)


FIRST_COUNTS = ("D7", "D14", "D28", "D100")


def past_y5_in_remission(h: History) -> None:
    """Lemaire: large B-cell lymphoma in complete metabolic response since D28, nearly six years on."""
    h.visits("D7 D14 D28 D100 M6 M12 Y2")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((420, 64, "9.1"), (980, 88, "9.6"),
                                                                   (1650, 121, "10.8"), (2400, 168, "12.4"))):
        h.count(code, anc, platelets, haemoglobin)
    h.lugano("D28", 3, "reduced")
    for code in ("D100", "M6", "M12", "Y2"):
        h.lugano(code, 2, "reduced")
    h.late_effect("igg", {"igg_g_l": 2.8, "immunoglobulin_replacement": True}, code="D100")
    h.late_effect("b_cell_aplasia", {"cd19_per_ul": 0, "immunoglobulin_replacement": True}, code="M6")
    h.late_effect("infection", {"organism": "SARS-CoV-2", "site": "pulmonaire", "severity": "3"}, day=214)
    h.visit("Y3", late=41, note="Consultation décalée : hospitalisation pour pneumopathie à Riom.")
    h.late_effect("igg", {"igg_g_l": 5.1, "immunoglobulin_replacement": False}, code="Y3")
    h.visit("Y4", late=45, status=Visit.Status.MISSED, note="Non venu ; bilan sanguin fait en ville, normal.")
    h.late_effect("second_malignancy", {"diagnosis": "Carcinome basocellulaire de la joue, exérèse complète",
                                        "manufacturer_notified": False, "sample_kept": False}, day=1540)
    h.visit("Y5", late=-6)


def non_relapse_death(h: History) -> None:
    """Garnier: complete response, prolonged cytopenia (late ICAHT), invasive aspergillosis, death without relapse."""
    h.visits("D7 D14 D28 D100 M6 M12")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((90, 18, "8.1"), (150, 22, "8.3"),
                                                                   (380, 35, "8.8"), (640, 46, "9.4"))):
        h.count(code, anc, platelets, haemoglobin)
    for code in ("D28", "D100", "M6", "M12"):
        h.lugano(code, 2, "reduced")
    h.late_effect("igg", {"igg_g_l": 3.1, "immunoglobulin_replacement": True}, code="D100")
    h.late_effect("b_cell_aplasia", {"cd19_per_ul": 0, "immunoglobulin_replacement": True}, code="M6")
    h.late_effect("infection", {"organism": "Aspergillus fumigatus", "site": "pulmonaire", "severity": "4"}, day=398)
    h.death(414, "non_relapse", "Aspergillose pulmonaire invasive en aplasie B, hypogammaglobulinémie ; "
                                "pas de rechute du lymphome.", toxicity="infection")


def relapse_at_referring_hospital(h: History) -> None:
    """Giraud: follicular lymphoma, followed by the referring hospital from M12; relapse at Y3, death from it."""
    h.visits("D7 D14 D28 D100 M6")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((510, 95, "10.2"), (1200, 130, "10.9"),
                                                                   (1900, 160, "11.6"), (2700, 190, "12.8"))):
        h.count(code, anc, platelets, haemoglobin)
    h.lugano("D28", 4, "reduced")
    h.lugano("D100", 2, "reduced")
    h.lugano("M6", 1, None)
    h.hand_over("M12 Y2 Y3 Y4 Y5 Y6 Y7 Y8 Y9 Y10 Y11 Y12 Y13 Y14 Y15")
    h.visit("M12", late=3, by="referrer", note="Examen clinique normal, pas d'adénopathie.")
    h.lugano("M12", 2, "reduced", by="referrer")
    h.visit("Y2", by="referrer")
    h.count("Y2", 2900, 210, "13.1", by="referrer")
    h.visit("Y3", late=-8, by="referrer", note="Adénopathies axillaires et iliaques : TEP-TDM, biopsie en cours.")
    h.lugano("Y3", 5, "increased", True, by="referrer")
    h.treatment("new_line", 3 * 365 + 21, "Rituximab-lénalidomide (R2), au CH de Val-d'Arve")
    h.visit("Y4", late=12, by="referrer", note="Progression sous R2 ; soins de support, HAD discutée.")
    h.death(1600, "progression", "Progression lymphomateuse réfractaire ; décès en soins palliatifs à domicile.")


def progression_then_lost(h: History) -> None:
    """Brunet: myeloma, progression at M6, a new line, then no news: lost to follow-up."""
    h.visits("D7 D14 D28 D100 M6")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((620, 80, "9.4"), (1100, 104, "10.1"),
                                                                   (1500, 118, "10.7"), (2100, 150, "11.5"))):
        h.count(code, anc, platelets, haemoglobin)
    h.response("D28", "imwg", {"category": "VGPR", "mrd_status": "not_done"})
    h.response("D100", "imwg", {"category": "CR", "mrd_status": "negative", "mrd_method": "ngs"})
    h.response("M6", "imwg", {"category": "PD", "mrd_status": "not_done"})
    h.treatment("new_line", 196, "Téclistamab")
    h.visit("M12", late=7, status=Visit.Status.MISSED,
            note="Patiente injoignable ; courrier envoyé au médecin traitant.")


def followed_by_referring_hospital(h: History) -> None:
    """Faure: follicular lymphoma in complete response; the referring hospital follows her from M6 and has not
    sent the M6 visit yet (overdue, theirs to record)."""
    h.visits("D7 D14 D28 D100")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((700, 110, "10.4"), (1300, 140, "11.0"),
                                                                   (2100, 175, "11.9"), (3100, 220, "12.9"))):
        h.count(code, anc, platelets, haemoglobin)
    h.lugano("D28", 4, "reduced")
    h.lugano("D100", 2, "reduced")
    h.late_effect("igg", {"igg_g_l": 3.6, "immunoglobulin_replacement": True}, code="D100")
    h.hand_over("M6 M12 Y2 Y3 Y4 Y5 Y6 Y7 Y8 Y9 Y10 Y11 Y12 Y13 Y14 Y15")


def fever_today(h: History) -> None:
    """Blanc, five weeks after her infusion: first visits done; today's call finds a fever (escalated)."""
    h.visit("D7")
    h.visit("D14", late=1)
    h.visit("D28")
    for code, (anc, platelets, haemoglobin) in zip(FIRST_COUNTS, ((350, 70, "9.2"), (900, 85, "9.7"),
                                                                   (1600, 120, "10.5"))):
        h.count(code, anc, platelets, haemoglobin)
    h.lugano("D28", 4, "reduced")
    h.call("Fièvre à 38,4 °C depuis ce matin, frissons, pas de signe neurologique. Conseillée de venir aux "
           "urgences ; hématologue prévenu.", fever=True, temperature_c=38.4)


# By patient (index in cases.PATIENTS).
HISTORIES = {20: past_y5_in_remission, 0: non_relapse_death, 22: relapse_at_referring_hospital,
             21: progression_then_lost, 1: followed_by_referring_hospital, 3: fever_today}


def seed(episode, users, patient_index: int) -> None:
    """The patient's follow-up since the infusion, if the demo tells one."""
    history = HISTORIES.get(patient_index)
    if history is not None and FollowUpPlan.objects.filter(episode=episode).exists():
        history(History(episode, users))
