"""The forms of the receipt, the dispensing and the administration of a bag. They parse; the services verify.

Scans: a barcode scanner types the code, then Enter. The receipt reads several labels in a row, so its codes
go in a textarea (Enter starts a new line: one code per line, nothing is submitted by mistake). The dispensing
and the bedside check read one code per field; the page's small script turns the scanner's Enter into a move
to the next field (``data-scan``), so that the form is only sent with the button.

Passwords are never rendered back: a refused signature asks for them again.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation import access
from cellrelay.organisation.models import User
from cellrelay.organisation.permissions import Action

from .models import Bag

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


# The times of the administration to the second: the thaw limit counts minutes, and a thaw recorded in the
# minute of the dispensing must not read as before it.
DATETIME_SECONDS = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")


def now_seconds():
    """The local time now, to the second, as the datetime-local field shows it."""
    return timezone.localtime().replace(microsecond=0)


def when_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DATETIME_SECONDS, initial=now_seconds)


def scan_field(label, help_text="") -> forms.CharField:
    return forms.CharField(label=label, max_length=200, help_text=help_text, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "data-scan": "",
                                                         "autocapitalize": "off", "spellcheck": "false"}))


def password_field(label) -> forms.CharField:
    # autocomplete off: the signature is a password typed again, not one the browser fills in.
    return forms.CharField(label=label, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


def yes_no_field(label) -> forms.TypedChoiceField:
    """Yes or no, with no answer chosen beforehand: the receiver looks and answers."""
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda value: value == "yes",
                                  widget=forms.RadioSelect)


def second_people(patient, actor, verifies: Action):
    """Who may verify: the other active staff of the patient's treating center whose role the permission table
    allows the step (``verifies``), never the actor; the service refuses anyone else
    (``services.sign_with_second_person``)."""
    return (access.users_allowed(verifies, patient.treating_center_id).exclude(pk=actor.pk)
            .order_by("last_name", "first_name", "username"))


class SecondPersonField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class SecondPersonMixin:
    """The second person of a two-person verification, chosen among ``second_people`` of the form's step."""

    verifies: Action

    def set_second_people(self, patient, actor):
        self.fields["second_person"].queryset = second_people(patient, actor, self.verifies)


class ReceiveForm(SecondPersonMixin, forms.Form):
    verifies = Action.RECEIVE_PRODUCT  # the pharmacy
    scanned = forms.CharField(
        label=_("Scanned codes"), widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false",
                                                               "autocapitalize": "off"}),
        help_text=_("Scan every identifier on the product's labels (DIN, chain of identity, manufacturer's number): "
                    "one code per line."))
    seal_intact = yes_no_field(_("Seal intact"))
    shipper_temperature_c = forms.DecimalField(label=_("Dry shipper temperature (°C)"), max_digits=5,
                                               decimal_places=1, widget=forms.NumberInput(attrs={"step": "0.1"}))
    documents_ok = yes_no_field(_("Documents complete"))
    bag_count = forms.IntegerField(label=_("Number of bags"), min_value=1)
    bag_expiry = forms.DateTimeField(label=_("Expiry on the bags' labels"), widget=DATETIME)
    place = forms.CharField(label=_("Place"), max_length=100, initial="PUI")
    actor_password = password_field(_("Your password"))
    second_person = SecondPersonField(label=_("Second person"), queryset=User.objects.none(),
                                      empty_label=_("— choose who verifies —"))
    second_password = password_field(_("Second person's password"))

    def __init__(self, *args, patient, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_second_people(patient, actor)

    def codes(self) -> list[str]:
        """The scanned codes, one per line, blank lines left out."""
        return [line.strip() for line in self.cleaned_data["scanned"].splitlines() if line.strip()]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"scanned": self.codes(), "seal_intact": data["seal_intact"],
                "shipper_temperature_c": data["shipper_temperature_c"], "documents_ok": data["documents_ok"],
                "bag_count": data["bag_count"], "bag_expiry": data["bag_expiry"], "place": data["place"],
                "actor_password": data["actor_password"], "second_person": data["second_person"],
                "second_password": data["second_password"]}


class DispenseForm(forms.Form):
    scanned_bag_code = scan_field(_("Bag's code"), _("Scan the bag's label."))
    actor_password = password_field(_("Your password"))


class WhenForm(forms.Form):
    """Only the time: of the thaw, of the start or of the end of the infusion."""

    at = when_field(_("Time"))

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["at"].label = label


class BedsideForm(SecondPersonMixin, forms.Form):
    verifies = Action.ADMINISTER_PRODUCT  # those who may give the product
    scanned_wristband = scan_field(_("Patient's wristband"), _("Scan the wristband the patient is wearing."))
    scanned_bag_code = scan_field(_("Bag's code"), _("Scan the label of the bag you are about to give."))
    actor_password = password_field(_("Your password"))
    second_person = SecondPersonField(label=_("Second person"), queryset=User.objects.none(),
                                      empty_label=_("— choose who verifies —"))
    second_password = password_field(_("Second person's password"))

    def __init__(self, *args, patient, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_second_people(patient, actor)


class DisposeForm(forms.Form):
    action = forms.ChoiceField(label=_("What happens to the bag"), choices=Bag.Disposal.choices,
                               widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
