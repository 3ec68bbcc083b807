from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation.models import User
from cellrelay.patients.forms import DATE

from .models import MdtDecision, MdtMeeting, Referral

# The service knows a letter by its bytes (services.LETTER_SIGNATURES); the name is checked first for a quick answer.
LETTER_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "tif", "tiff"]

# The decision fields that mean something for each outcome; the others are left empty.
OUTCOME_FIELDS = {
    MdtDecision.Outcome.APPROVED: {"product", "indication", "trial", "bridging_planned", "bridging_detail"},
    MdtDecision.Outcome.DECLINED: {"reason"},
    MdtDecision.Outcome.DEFERRED: {"reason", "deferred_until"},
}


def hide_single_choice(form, name: str) -> None:
    """A choice with only one possible answer is not asked."""
    field = form.fields[name]
    if field.queryset.count() == 1:
        form.initial[name] = field.queryset.get().pk
        field.widget = forms.HiddenInput()


class ReferralForm(forms.ModelForm):
    """A referral's items; for a referring physician the center and the physician are their own."""

    class Meta:
        model = Referral
        fields = [
            "from_center", "from_physician_name", "received_on", "diagnosis", "diagnosis_detail", "disease_stage",
            "prior_lines", "prior_transplant", "current_status", "letter",
        ]
        widgets = {"received_on": DATE}

    def __init__(self, *args, centers, physician_is_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_center"].queryset = centers
        self.fields["from_center"].empty_label = None
        self.fields["letter"].validators.append(FileExtensionValidator(LETTER_EXTENSIONS))
        self.fields["letter"].help_text = _("Optional: PDF or image (PNG, JPEG, TIFF), at most %(size)s MB.") % {
            "size": f"{settings.CELLRELAY_MAX_LETTER_MB:g}"}
        if physician_is_user:
            del self.fields["from_physician_name"]
        hide_single_choice(self, "from_center")

    def _post_clean(self):
        # The model validation runs in the service.
        pass


class MeetingForm(forms.ModelForm):
    class Meta:
        model = MdtMeeting
        fields = ["center", "held_on", "title", "attendees", "external_attendees"]
        widgets = {"held_on": DATE, "attendees": forms.CheckboxSelectMultiple}

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        self.fields["center"].empty_label = None
        self.fields["attendees"].queryset = (User.objects.filter(memberships__center__in=centers)
                                             .distinct().order_by("last_name", "first_name"))
        self.fields["attendees"].label_from_instance = lambda user: user.get_full_name() or user.username
        hide_single_choice(self, "center")

    def clean(self):
        data = super().clean()
        center, attendees = data.get("center"), data.get("attendees")
        if center and attendees and attendees.exclude(memberships__center=center).exists():
            self.add_error("attendees", _("Choose attendees among the staff of the meeting's center."))
        return data

    def _post_clean(self):
        pass


class AgendaForm(forms.Form):
    referral = forms.ModelChoiceField(queryset=Referral.objects.none(), label=_("Referral"))

    def __init__(self, *args, referrals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals


class DecisionForm(forms.ModelForm):
    class Meta:
        model = MdtDecision
        fields = ["outcome", "product", "indication", "trial", "bridging_planned", "bridging_detail", "reason",
                  "deferred_until"]
        widgets = {"outcome": forms.RadioSelect, "deferred_until": DATE}
        help_texts = {
            "product": _("For an approval."),
            "indication": _("For an approval: a protocol template must exist for the product and indication."),
            "trial": _("For an investigational product."),
            "reason": _("Required to decline."),
            "deferred_until": _("Required to defer: a date after the meeting."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = MdtDecision.Outcome.choices

    def clean(self):
        """Only the fields of the chosen outcome are kept: a product typed before declining is not recorded."""
        data = super().clean()
        kept = OUTCOME_FIELDS.get(data.get("outcome"), set())
        for name in set(self.Meta.fields) - kept - {"outcome"}:
            data[name] = self.fields[name].to_python(None)
        return data

    def _post_clean(self):
        pass
