"""The follow-up room's forms: they parse; the services decide (dates, who may record, the criteria's fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import calls
from .models import DETAIL_LABELS, Death, LateEffect, SubsequentTreatment, Visit

DATE = forms.DateInput(attrs={"type": "date"})
RECORDED_STATUSES = [(s.value, s.label) for s in (Visit.Status.DONE, Visit.Status.MISSED, Visit.Status.DECLINED,
                                                   Visit.Status.LOST)]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VisitForm(VersionedForm):
    status = forms.ChoiceField(label=_("What happened"), choices=RECORDED_STATUSES, initial=Visit.Status.DONE)
    on = forms.DateField(label=_("Date"), widget=DATE, required=False,
                         help_text=_("The day of the visit; for a missed visit, the day you noted it."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(VersionedForm):
    codes = forms.MultipleChoiceField(label=_("Visits"), widget=forms.CheckboxSelectMultiple)
    place = forms.ChoiceField(label=_("Where they take place"), choices=Visit.Place.choices)

    def __init__(self, data=None, *, visits, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["codes"].choices = [(v.code, f"{v.display_code} — {v.due:%Y-%m-%d}") for v in visits]


class CallScheduleForm(VersionedForm):
    daily_until = forms.DateField(label=_("Daily calls until"), widget=DATE)
    twice_monthly_until = forms.DateField(label=_("Calls twice a month until"), widget=DATE)
    days_before_visit = forms.IntegerField(label=_("Then call this many days before each visit"), min_value=0,
                                           max_value=30)


YES_NO = [("", "—"), ("yes", _("yes")), ("no", _("no"))]


class CallForm(forms.Form):
    """followup.md, "The coordinator's calls": the questions asked (calls.ANSWERS), then free text."""

    reached = forms.TypedChoiceField(label=_("Patient reached"), choices=[("yes", _("yes")), ("no", _("no answer"))],
                                     coerce=lambda value: value == "yes", initial="yes", widget=forms.RadioSelect)
    temperature_c = forms.DecimalField(label=_("Highest temperature since the last call (°C)"), max_digits=3,
                                       decimal_places=1, required=False, min_value=30, max_value=45)
    note = forms.CharField(label=_("What the patient said"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    QUESTIONS = tuple(name for name in calls.ANSWERS if name != "temperature_c")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for name in self.QUESTIONS:
            self.fields[name] = forms.ChoiceField(label=_(calls.ANSWERS[name]), choices=YES_NO, required=False)
        self.order_fields(["reached", *self.QUESTIONS[:1], "temperature_c", *self.QUESTIONS[1:], "note"])

    def answers(self) -> dict:
        """The answers given (a question left empty was not asked), as calls.py reads them."""
        data = self.cleaned_data
        answers = {name: data[name] == "yes" for name in self.QUESTIONS if data.get(name)}
        if data.get("temperature_c") is not None:
            answers["temperature_c"] = float(data["temperature_c"])
        return answers


class VisitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, visit):
        return f"{visit.display_code} ({visit.due:%Y-%m-%d})"


def _visit_field(visits):
    return VisitChoiceField(label=_("At the visit"), queryset=visits, required=False,
                            empty_label=_("not at a planned visit"))


class ResponseForm(forms.Form):
    """The fields of every criteria; the page shows those of the episode's indication (response.py checks them)."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    # Lugano 2014 (registry.md): PET-CT Deauville score, uptake against baseline, new lesions.
    deauville_score = forms.TypedChoiceField(label=_("Deauville score"), coerce=int, required=False,
                                             choices=[("", "—")] + [(n, str(n)) for n in range(1, 6)])
    uptake_change = forms.ChoiceField(label=_("Uptake against baseline"), required=False, choices=[
        ("", "—"), ("reduced", _("reduced")), ("no_significant_change", _("no significant change")),
        ("increased", _("increased"))])
    new_lesions = forms.BooleanField(label=_("New lesions"), required=False)
    # B-ALL and myeloma (registry.md): remission or IMWG category, with MRD status and method.
    remission = forms.ChoiceField(label=_("Remission"), required=False, choices=[
        ("", "—"), ("CR", "CR"), ("CRi", "CRi"), ("no_remission", _("no remission"))])
    imwg_category = forms.ChoiceField(label=_("IMWG response"), required=False, choices=[("", "—")] + [
        (c, c) for c in ("sCR", "CR", "VGPR", "PR", "SD", "PD")])
    mrd_status = forms.ChoiceField(label=_("MRD"), required=False, choices=[
        ("", "—"), ("negative", _("negative")), ("positive", _("positive")), ("not_done", _("not done"))])
    mrd_method = forms.ChoiceField(label=_("MRD method"), required=False, choices=[
        ("", "—"), ("flow_cytometry", _("flow cytometry")), ("ngs", "NGS"), ("pcr", "PCR")])
    # Autoimmune trials: the protocol's score, by name.
    score_name = forms.CharField(label=_("Score"), max_length=40, required=False, help_text=_("e.g. SLEDAI-2K"))
    score_value = forms.DecimalField(label=_("Score value"), max_digits=6, decimal_places=1, required=False)

    FIELDS_OF = {
        "lugano": ("deauville_score", "uptake_change", "new_lesions"),
        "b_all": ("remission", "mrd_status", "mrd_method"),
        "imwg": ("imwg_category", "mrd_status", "mrd_method"),
        "autoimmune": ("score_name", "score_value"),
    }
    RAW_NAME = {"imwg_category": "category"}

    def __init__(self, data=None, *, criteria: str, visits, **kwargs):
        super().__init__(data, **kwargs)
        self.criteria = criteria
        self.fields["visit"] = _visit_field(visits)
        for name in [n for fields in self.FIELDS_OF.values() for n in fields]:
            if name not in self.FIELDS_OF.get(criteria, ()):
                self.fields.pop(name, None)

    def raw(self) -> dict:
        """The criteria's findings as response.evaluate reads them (the empty ones as None)."""
        raw = {}
        for name in self.FIELDS_OF[self.criteria]:
            value = getattr(self, "cleaned_data", {}).get(name)  # a live preview reads a form still being typed
            if hasattr(value, "as_tuple"):
                value = float(value)
            raw[self.RAW_NAME.get(name, name)] = value if value != "" else None
        return raw


class BloodCountForm(forms.Form):
    sampled_on = forms.DateField(label=_("Sampled on"), widget=DATE)
    anc_per_ul = forms.IntegerField(label=_("Neutrophils (/µL)"), min_value=0, max_value=100000, required=False)
    platelets_g_l = forms.IntegerField(label=_("Platelets (G/L)"), min_value=0, max_value=5000, required=False)
    haemoglobin_g_dl = forms.DecimalField(label=_("Haemoglobin (g/dL)"), min_value=0, max_value=25, max_digits=4,
                                          decimal_places=1, required=False)

    def __init__(self, data=None, *, visits, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["visit"] = _visit_field(visits)


class LateEffectForm(forms.Form):
    kind = forms.ChoiceField(label=_("Late effect"), choices=LateEffect.Kind.choices)
    observed_on = forms.DateField(label=_("Date"), widget=DATE)
    igg_g_l = forms.DecimalField(label=DETAIL_LABELS["igg_g_l"], min_value=0, max_value=60, max_digits=4, decimal_places=1,
                                 required=False)
    immunoglobulin_replacement = forms.BooleanField(label=DETAIL_LABELS["immunoglobulin_replacement"], required=False)
    cd19_per_ul = forms.IntegerField(label=DETAIL_LABELS["cd19_per_ul"], min_value=0, max_value=10000, required=False)
    organism = forms.CharField(label=DETAIL_LABELS["organism"], max_length=100, required=False)
    site = forms.CharField(label=DETAIL_LABELS["site"], max_length=100, required=False)
    severity = forms.ChoiceField(label=DETAIL_LABELS["severity"], required=False, choices=[
        ("", "—"), ("1", _("grade 1")), ("2", _("grade 2")), ("3", _("grade 3")), ("4", _("grade 4")),
        ("5", _("grade 5 (fatal)"))])
    diagnosis = forms.CharField(label=DETAIL_LABELS["diagnosis"], max_length=200, required=False)
    t_cell_malignancy = forms.BooleanField(label=_("T-cell malignancy"), required=False)
    manufacturer_notified = forms.BooleanField(label=DETAIL_LABELS["manufacturer_notified"], required=False)
    sample_kept = forms.BooleanField(label=DETAIL_LABELS["sample_kept"], required=False)
    description = forms.CharField(label=DETAIL_LABELS["description"], max_length=300, required=False)

    DETAILS_OF = {
        LateEffect.Kind.IGG: ("igg_g_l", "immunoglobulin_replacement"),
        LateEffect.Kind.B_CELL_APLASIA: ("cd19_per_ul", "immunoglobulin_replacement"),
        LateEffect.Kind.INFECTION: ("organism", "site", "severity"),
        LateEffect.Kind.SECOND_MALIGNANCY: ("diagnosis", "manufacturer_notified", "sample_kept"),
        LateEffect.Kind.NEUROLOGICAL: ("description", "severity"),
        LateEffect.Kind.PREGNANCY: ("description",),
    }

    def __init__(self, data=None, *, visits, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["visit"] = _visit_field(visits)

    def details(self) -> dict:
        """The raw details of the chosen kind only (a field of another kind typed by mistake is not kept)."""
        data, details = self.cleaned_data, {}
        for name in self.DETAILS_OF.get(data["kind"], ()):
            value = data.get(name)
            if hasattr(value, "as_tuple"):
                value = float(value)
            if value not in (None, ""):
                details[name] = value
        return details


class TreatmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Treatment"), choices=SubsequentTreatment.Kind.choices)
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    detail = forms.CharField(label=_("Details"), max_length=300, required=False)


class DeathForm(forms.Form):
    died_on = forms.DateField(label=_("Date of death"), widget=DATE)
    cause = forms.ChoiceField(label=_("Cause"), choices=Death.Cause.choices)
    toxicity = forms.ChoiceField(label=_("Non-relapse cause"), required=False,
                                 choices=[("", "—")] + list(Death.Toxicity.choices))
    detail = forms.CharField(label=_("Details"), max_length=300, required=False)
