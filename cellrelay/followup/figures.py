"""One patient's follow-up in figures, read from the records through the pure rules (outcomes.py, icaht.py,
response.py), and the rules' codes as sentences in the user's language."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from cellrelay.monitoring.models import LabResult

from . import icaht, outcomes, response
from .models import Call, Death, FollowUpPlan, Visit, category_text
from .settings import icaht_table, icaht_to_verify

CRITERIA_HELP = {
    "lugano": gettext_lazy("Lugano 2014: the PET-CT Deauville score (1-5), the uptake against baseline and new lesions."),
    "b_all": gettext_lazy("B-ALL: complete remission (CR) or with incomplete recovery (CRi), with the bone-marrow MRD status and "
               "its method."),
    "imwg": gettext_lazy("Myeloma: the IMWG category (sCR, CR, VGPR, PR, SD, PD), with the MRD status and its method."),
    "autoimmune": gettext_lazy("Autoimmune trial: the protocol's disease-activity score, by name (e.g. SLEDAI-2K), and its "
                    "value."),
}


def criteria_of(episode) -> str:
    """The response criteria of the episode's indication (response.py); the protocol's score when none is known."""
    referral = getattr(episode.decision, "referral", None)
    try:
        return response.criteria_for_indication(episode.template.indication,
                                                diagnosis=getattr(referral, "diagnosis", None))
    except response.ContradictoryInput:
        return "autoimmune"


def criteria_help(criteria: str) -> str:
    return str(CRITERIA_HELP.get(criteria, ""))


def graded(record) -> response.Response | None:
    """A stored response graded again from its raw findings (the criteria may have changed since)."""
    try:
        return response.evaluate(record.criteria, record.raw)
    except response.ContradictoryInput:
        return None


def _last_contact(plan: FollowUpPlan) -> date | None:
    last_visit = (plan.visits.filter(status=Visit.Status.DONE).order_by("-done_on")
                  .values_list("done_on", flat=True).first())
    last_call = (plan.calls.filter(status=Call.Status.DONE).order_by("-made_at")
                 .values_list("made_at", flat=True).first())
    days = [day for day in (last_visit, last_call and timezone.localdate(last_call)) if day]
    return max(days) if days else None


def outcome_of(plan: FollowUpPlan, today: date | None = None) -> outcomes.Outcome | None:
    """Time since infusion, status, best response, PFS and OS with their censoring (outcomes.py)."""
    today = today or timezone.localdate()
    episode = plan.episode
    records = list(episode.responses.all())
    regraded = [(record.assessed_on, graded(record)) for record in records]
    death = Death.objects.filter(patient_id=episode.patient_id).values_list("died_on", flat=True).first()
    last_contact = _last_contact(plan)
    if death and last_contact and last_contact > death:
        last_contact = death
    try:
        return outcomes.outcome(plan.d0, max(today, plan.d0), [(day, r) for day, r in regraded if r is not None], [],
                                death, last_contact)
    except outcomes.ContradictoryInput:
        return None


def best_response_text(outcome: outcomes.Outcome | None) -> str:
    best = outcome.best_response if outcome else None
    if best is None:
        return ""
    return category_text(best.category, {"score_name": best.score_name, "score_value": best.score_value})


def status_text(outcome: outcomes.Outcome | None) -> str:
    return _(outcomes.STATUSES[outcome.status]) if outcome else ""


def icaht_of(plan: FollowUpPlan, extra=None):
    """ICAHT from every neutrophil and platelet count since D0: the ward's during the stay (monitoring) and the
    follow-up's after it; a day with both keeps the follow-up's. ``extra``: a count being typed, (day, anc, platelets).
    None when the counts cannot be graded."""
    anc, platelets = {}, {}
    for lab in LabResult.objects.filter(episode=plan.episode, sampled_at__date__gte=plan.d0).order_by("sampled_at"):
        day = timezone.localdate(lab.sampled_at)
        if lab.anc_g_l is not None:
            anc[day] = min(anc.get(day, 10**9), float(lab.anc_g_l) * 1000)  # the lowest of the day: G/L → /µL
        if lab.platelets_g_l is not None:
            platelets[day] = min(platelets.get(day, 10**9), float(lab.platelets_g_l))
    for count in plan.episode.follow_up_counts.all():
        if count.anc_per_ul is not None:
            anc[count.sampled_on] = count.anc_per_ul
        if count.platelets_g_l is not None:
            platelets[count.sampled_on] = count.platelets_g_l
    if extra is not None:
        day, extra_anc, extra_platelets = extra
        if extra_anc is not None:
            anc[day] = extra_anc
        if extra_platelets is not None:
            platelets[day] = extra_platelets
    try:
        result = icaht.grade(plan.d0, sorted(anc.items()), sorted(platelets.items()), icaht_table(),
                             as_of=timezone.localdate())
    except icaht.ContradictoryInput:
        return None
    return {"result": result, "reasons": [icaht.reason_text(r, _) for r in result.reasons],
            "to_verify": icaht_to_verify()}


def delay_text(delay: int) -> str:
    """A visit outside its window: by how much."""
    if delay > 0:
        return ngettext("Recorded %(days)d day after its window closed.",
                        "Recorded %(days)d days after its window closed.", delay) % {"days": delay}
    return ngettext("Recorded %(days)d day before its window opened.",
                    "Recorded %(days)d days before its window opened.", -delay) % {"days": -delay}




def response_texts(result: response.Response) -> list[str]:
    return [_(response.REASON_TEXT[code]) for code in result.reasons if code in response.REASON_TEXT]


def _grade_words(grade) -> str:
    return _("grade %(grade)s") % {"grade": grade} if grade is not None else "—"


def icaht_preview(plan: FollowUpPlan, form) -> dict:
    """The ICAHT grades the counts would give with the one being typed (nothing saved)."""
    extra = None
    if form.is_bound and form.is_valid() and form.cleaned_data["sampled_on"] >= plan.d0:
        data = form.cleaned_data
        extra = (data["sampled_on"], data["anc_per_ul"], data["platelets_g_l"])
    graded_now = icaht_of(plan, extra)
    if graded_now is None:
        return {"preview_problem": _("The counts cannot be graded yet: check the dates.")}
    result = graded_now["result"]
    value = _("early %(early)s, late %(late)s") % {"early": _grade_words(result.early_grade),
                                                   "late": _grade_words(result.late_grade)}
    return {"preview": {"title": "ICAHT", "value": value, "reasons": graded_now["reasons"],
                        "to_verify": graded_now["to_verify"]}}


def response_preview(form) -> dict:
    """The category the criteria give to the findings typed so far (nothing saved)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    raw = {name: value for name, value in form.raw().items() if value not in (None, "")}
    if form.criteria == "lugano" and "new_lesions" not in raw:
        raw["new_lesions"] = False
    try:
        result = response.evaluate(form.criteria, raw)
    except response.ContradictoryInput as error:
        return {"preview_problem": _(error.message)}
    return {"preview": {"title": _("Response"), "value": category_text(result.category, raw),
                        "reasons": response_texts(result)}}
