from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Episode, ProtocolTemplate
from .states import StopReason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.Form):
    """Carries the episode version the user saw, so that a concurrent change is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput())


class PlanForm(VersionedForm):
    infusion_date = forms.DateField(label=_("Target infusion date (D0)"), required=False, widget=DATE)
    apheresis_date = forms.DateField(label=_("or apheresis date"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if not data.get("infusion_date") and not data.get("apheresis_date"):
            raise forms.ValidationError(_("Give the target infusion date or the apheresis date."))
        if data.get("infusion_date") and data.get("apheresis_date"):
            raise forms.ValidationError(_("Give one date only: the plan follows from it."))
        return data


class DayForm(VersionedForm):
    """The day a step was done; with a confirmation box when the rooms above ask to confirm something."""

    on = forms.DateField(label=_("Done on"), widget=DATE, initial=timezone.localdate)
    confirmed = forms.BooleanField(label=_("I have read the points above and record this step anyway"),
                                   required=False)

    def __init__(self, *args, asks_confirmation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not asks_confirmation:
            del self.fields["confirmed"]


class ReplanForm(VersionedForm):
    planned = forms.DateField(label=_("New planned date"), widget=DATE)


class StopForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=list(Episode.STOP_LABELS.items()))
    on = forms.DateField(label=_("Stopped on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Details"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TemplateForm(forms.ModelForm):
    source = forms.CharField(label=_("Source of this change"), max_length=250,
                             help_text=_("The label, SmPC or guideline, with its date."))

    class Meta:
        model = ProtocolTemplate
        fields = ["ld_days", "infusion_window_min", "infusion_window_max", "manufacturing_days", "admission_day",
                  "discharge_day", "proximity_days", "no_driving_days", "tocilizumab_doses", "thaw_limit_minutes", "storage_max_c",
                  "follow_up", "unverified"]
        widgets = {"ld_days": forms.Textarea(attrs={"rows": 6, "class": "mono"})}

    def _post_clean(self):
        pass  # validated by the service, with the source


STOP_REASONS = [r.value for r in StopReason]
