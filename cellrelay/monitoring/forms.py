"""The forms of the monitoring room. They parse; the services validate, grade and save."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import contradictions, grading
from .services import CONFIRM_VALUES, warning_text
from .models import AdverseEvent, IcuStay, Intervention, LabResult, NeuroAssessment, VitalSigns

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def now_minutes():
    """The local time now, to the minute, as the datetime-local field shows it."""
    return timezone.localtime().replace(second=0, microsecond=0)


def when_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME, initial=now_minutes)


def grading_error(form: forms.Form, error: grading.ContradictoryInput) -> None:
    """A grading rule refused the input: say so beside the field at fault (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, _(error.message))


class VitalSignsForm(forms.ModelForm):
    """The reading; entries that contradict each other (contradictions.py) need ``values_confirmed``.

    ``value_warnings`` lists them once the form is cleaned; the confirmation box is shown with them,
    not among the fields (``visible_fields``), so that nobody ticks it out of habit.
    """

    taken_at = when_field(_("Taken at"))
    values_confirmed = forms.BooleanField(label=_("I confirm these values"), required=False)

    class Meta:
        model = VitalSigns
        fields = ["taken_at", "temperature_c", "heart_rate", "systolic", "diastolic", "spo2", "hypotension", "oxygen",
                  "oxygen_flow_l_min", "antipyretic_given"]
        help_texts = {
            "hypotension": _("Vasopressin does not count as a second vasopressor."),
            "oxygen_flow_l_min": _("For a nasal cannula, the flow decides between low-flow (≤ 6 L/min) and "
                                   "high-flow."),
            "antipyretic_given": _("After an antipyretic or anti-cytokine treatment, fever is no longer required "
                                   "for CRS."),
        }

    def __init__(self, *args, age_years: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.age_years = age_years
        self.value_warnings: list[contradictions.ValueWarning] = []

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != "values_confirmed"]

    def clean(self):
        data = super().clean()
        if self.grading_inputs_complete():
            try:
                grading.crs_grade(float(data["temperature_c"]), False, data["hypotension"], data["oxygen"],
                                  float(data["oxygen_flow_l_min"]) if data.get("oxygen_flow_l_min") is not None
                                  else None)
            except grading.ContradictoryInput as error:
                grading_error(self, error)
        self.check_values(data)
        return data

    def check_values(self, data) -> None:
        """Refuse what cannot be true; ask to confirm entries that contradict each other."""
        try:
            contradictions.check_blood_pressure(data.get("systolic"), data.get("diastolic"))
        except grading.ContradictoryInput as error:
            grading_error(self, error)
            return
        if data.get("hypotension") is None or data.get("oxygen") is None:
            return
        self.value_warnings = contradictions.vital_signs_warnings(
            systolic=data.get("systolic"), spo2=data.get("spo2"), hypotension=data["hypotension"],
            oxygen=data["oxygen"], age_years=self.age_years)
        if self.value_warnings and not data.get("values_confirmed"):
            self.add_error("values_confirmed", CONFIRM_VALUES)

    def warning_texts(self) -> list[str]:
        return [warning_text(warning) for warning in self.value_warnings]

    def grading_inputs_complete(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) is not None for name in ("temperature_c", "hypotension", "oxygen"))

    def _post_clean(self):
        pass  # the service builds and validates the record


ICE_LABELS = {
    "orientation_year": _("Orientation: year"),
    "orientation_month": _("Orientation: month"),
    "orientation_city": _("Orientation: city"),
    "orientation_hospital": _("Orientation: hospital"),
    "naming_1": _("Names object 1 (e.g. clock)"),
    "naming_2": _("Names object 2 (e.g. pen)"),
    "naming_3": _("Names object 3 (e.g. button)"),
    "follows_commands": _("Follows simple commands (“show me 2 fingers”)"),
    "writes_sentence": _("Writes a standard sentence"),
    "counts_backwards": _("Counts backwards from 100 by 10"),
}
CAPD_LABELS = {
    "eye_contact": _("Makes eye contact with the caregiver"),
    "purposeful_actions": _("Actions are purposeful"),
    "aware_of_surroundings": _("Aware of their surroundings"),
    "communicates_needs": _("Communicates needs and wants"),
    "restless": _("Restless"),
    "inconsolable": _("Inconsolable"),
    "underactive": _("Underactive, very little movement while awake"),
    "slow_to_respond": _("Takes a long time to respond to interactions"),
}
CAPD_CHOICES = [(0, _("Never")), (1, _("Rarely")), (2, _("Sometimes")), (3, _("Often")), (4, _("Always"))]


class NeuroAssessmentForm(forms.ModelForm):
    """ICE items as ticks (done or failed), or the CAPD items as answers, for a child below the CAPD age."""

    assessed_at = when_field(_("Assessed at"))

    class Meta:
        model = NeuroAssessment
        fields = ["assessed_at", "consciousness", "consciousness_due_to_sedation", "seizure", "motor_weakness",
                  "cerebral_edema", "aphasia_global", "tremor", "notes"]
        help_texts = {
            "tremor": _("Noted for the record: tremor and myoclonus are graded with CTCAE and do not change the "
                        "ICANS grade."),
            "consciousness_due_to_sedation": _("Depressed consciousness caused by sedating drugs does not count."),
        }

    def __init__(self, *args, capd: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.capd = capd
        items = {}
        if capd:
            for name, label in CAPD_LABELS.items():
                items[name] = forms.TypedChoiceField(label=label, choices=CAPD_CHOICES, coerce=int, initial=0)
        else:
            for name, label in ICE_LABELS.items():
                items[name] = forms.BooleanField(label=label, required=False)
        self.item_names = list(items)
        # The items come first, after the time of the assessment.
        ordered = {"assessed_at": self.fields.pop("assessed_at"), **items}
        ordered.update(self.fields)
        self.fields = ordered
        self.fields["consciousness"].initial = NeuroAssessment.Consciousness.NORMAL

    def item_fields(self):
        return [self[name] for name in self.item_names]

    def other_fields(self):
        return [self[name] for name in self.fields if name not in self.item_names]

    def items(self) -> dict:
        data = self.cleaned_data
        if self.capd:
            return {name: data[name] for name in self.item_names}
        return {name: bool(data.get(name)) for name in self.item_names}

    def service_arguments(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.item_names}
        return {**data, ("capd_items" if self.capd else "ice_items"): self.items()}

    def _post_clean(self):
        pass  # the service builds and validates the record


class LabsForm(forms.ModelForm):
    sampled_at = when_field(_("Sampled at"))

    class Meta:
        model = LabResult
        fields = ["sampled_at", "crp_mg_l", "ferritin_ng_ml", "anc_g_l", "haemoglobin_g_dl", "platelets_g_l",
                  "fibrinogen_g_l", "ldh_u_l", "creatinine_umol_l"]

    def _post_clean(self):
        pass


class ConfirmGradeForm(forms.Form):
    confirmed = forms.TypedChoiceField(label=_("Confirmed grade"), coerce=int,
                                       choices=[(grade, str(grade)) for grade in range(6)],
                                       help_text=_("Grade 5 is death from the toxicity: only a physician records it."))
    override_reason = forms.CharField(label=_("Reason for a different grade"), required=False, max_length=500,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("Required when the grade differs from the one proposed."))


class TreatmentForm(forms.ModelForm):
    given_at = when_field(_("Given at"))

    class Meta:
        model = Intervention
        fields = ["kind", "drug", "dose_mg", "route", "given_at", "notes"]
        help_texts = {"drug": _("For a corticosteroid or another drug: its name (dexamethasone…).")}

    def _post_clean(self):
        pass


class IcuTransferForm(forms.ModelForm):
    admitted_at = when_field(_("Transferred to ICU at"))

    class Meta:
        model = IcuStay
        fields = ["admitted_at", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        pass


class IcuReturnForm(forms.Form):
    discharged_at = when_field(_("Returned from ICU at"))
    note = forms.CharField(label=_("Return note"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AdverseEventForm(forms.ModelForm):
    class Meta:
        model = AdverseEvent
        fields = ["term", "ctcae_grade", "onset", "resolution", "relation", "serious", "notes"]
        widgets = {"onset": DATE, "resolution": DATE}

    def _post_clean(self):
        pass


class ChecklistForm(forms.Form):
    consultation_on = forms.DateField(label=_("Neurology consultation on"), required=False, widget=DATE)
    mri_on = forms.DateField(label=_("Brain MRI on"), required=False, widget=DATE)
    eeg_on = forms.DateField(label=_("EEG on"), required=False, widget=DATE)


class WaiverForm(forms.Form):
    reason = forms.CharField(label=_("Why the infusion goes ahead without it"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ReserveForm(forms.Form):
    doses = forms.IntegerField(label=_("Tocilizumab doses to reserve"), min_value=1, max_value=10)


class AcknowledgeForm(forms.Form):
    """Nothing to fill in: the button is the acknowledgement."""

