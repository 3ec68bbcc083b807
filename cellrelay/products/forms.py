"""The forms of the products' pages. They parse; the services verify and save.

Scans: a barcode scanner types the code, then Enter. The receipt reads several labels in a row, so its codes
go in a textarea (Enter starts a new line: one code per line, nothing is submitted by mistake). The bedside check
(and the pharmacy's dispensing) read one code per field; the page's small script turns the scanner's Enter into a
move to the next field (``data-scan``), so that the form is only sent with the button.

Passwords are never rendered back: a refused signature asks for them again.
"""

import re

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation import access
from cellrelay.organisation.models import User
from cellrelay.organisation.permissions import Action

from . import isbt128, manufacturers
from .models import Bag, Identifier, Product

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def now_minutes():
    """The local time now, to the minute, as the datetime-local field shows it."""
    return timezone.localtime().replace(second=0, microsecond=0)


# The collection and the shipments ----------------------------------------------------------------------

# Labels reuse the models' verbose names (their translations), capitalised.
class CollectionForm(forms.Form):
    collected_at = forms.DateTimeField(label=capfirst(_("collected at")), widget=DATETIME, initial=now_minutes)
    volume_ml = forms.DecimalField(label=capfirst(_("volume (mL)")), max_digits=7, decimal_places=1)
    cd3_count = forms.DecimalField(label=capfirst(_("CD3+ count (×10⁹)")), max_digits=8, decimal_places=2, required=False)
    # The scan is read by the service (isbt128.parse), which says precisely what is wrong with it.
    din = forms.CharField(label=_("DIN (scan the bag label)"), max_length=40,
                          widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                        "class": "mono"}))


def split_seals(text: str) -> list[str]:
    """Seal numbers one per line or separated by commas or semicolons; blank entries dropped."""
    return [seal.strip() for seal in re.split(r"[\n,;]+", text or "") if seal.strip()]


class ShipmentForm(forms.Form):
    courier = forms.CharField(label=capfirst(_("courier")), max_length=100)
    shipper_id = forms.CharField(label=capfirst(_("dry shipper number")), max_length=60)
    seal_numbers = forms.CharField(label=capfirst(_("seal numbers")), widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("One per line, or separated by commas."))
    departed_at = forms.DateTimeField(label=capfirst(_("departed at")), widget=DATETIME, initial=now_minutes)
    arrived_at = forms.DateTimeField(label=capfirst(_("arrived at")), widget=DATETIME, required=False,
                                     help_text=_("Leave empty while the shipment is on its way."))

    def clean_seal_numbers(self) -> list[str]:
        return split_seals(self.cleaned_data["seal_numbers"])


class TemperatureLogForm(forms.Form):
    csv_file = forms.FileField(
        label=_("Temperature log (CSV)"),
        help_text=_("The file exported from the dry shipper's logger: a header row with a time column and a "
                    "temperature column, then one reading per line."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv,text/plain"}))


# The manufacturing steps -------------------------------------------------------------------------------

# The company that manufactures each commercial product, to prefill the registration form (staff may change it);
# investigational products: the trial's sponsor, typed by staff.
MANUFACTURERS = manufacturers.MARKETED

# The form's identifier fields, in the order the service receives them.
IDENTIFIER_FIELDS = (("din", Identifier.Scheme.DIN), ("coi_isbt", Identifier.Scheme.COI_ISBT),
                     ("manufacturer_number", Identifier.Scheme.MANUFACTURER))


def _parsed(text: str, structure_name: str, wrong: str) -> str:
    """The ISBT 128 identifier in a scanned code, or a ValidationError in the user's language."""
    try:
        structure = isbt128.parse(text)
    except isbt128.InvalidCode as error:
        raise forms.ValidationError(gettext(error.message) % error.params) from None
    if structure.name != structure_name:
        raise forms.ValidationError(wrong)
    return structure.fields[structure_name]


class ProductRegistrationForm(forms.Form):
    """The product at the manufacturer and the identifiers printed on its labels."""

    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=100)
    din = forms.CharField(
        label=_("Donation identification number (DIN)"), max_length=40,
        help_text=_("Scan it from the label: it starts with “=”. Prefilled with the collection's DIN."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
    coi_isbt = forms.CharField(
        label=_("ISBT 128 chain of identity"), max_length=40, required=False,
        help_text=_("Optional. Scan it from the label: it starts with “&/CH”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
    manufacturer_number = forms.CharField(
        label=_("Manufacturer's order or chain of identity number"), max_length=80, required=False,
        help_text=_("Optional. As printed by the manufacturer (e.g. Kite's COI, Novartis' order number)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalised: dict[str, str] = {}  # field name → the identifier as the service stores it

    def clean_din(self):
        text = self.cleaned_data["din"].strip()
        self.normalised["din"] = _parsed(
            text, "din", gettext("This is not a donation identification number (DIN): scan the DIN, it starts with "
                                 "“=”."))
        return text

    def clean_coi_isbt(self):
        text = self.cleaned_data["coi_isbt"].strip()
        if text:
            self.normalised["coi_isbt"] = _parsed(
                text, "chain_of_identity", gettext("This is not an ISBT 128 chain of identity: it starts with "
                                                   "“&/CH”."))
        return text

    def clean_manufacturer_number(self):
        text = self.cleaned_data["manufacturer_number"].strip()
        self.normalised["manufacturer_number"] = text
        return text

    def identifiers(self) -> list[tuple[str, str]]:
        """The non-empty identifiers as (scheme, scanned text), for ``manufacturing.register_product``."""
        return [(scheme, self.cleaned_data[name]) for name, scheme in IDENTIFIER_FIELDS if self.cleaned_data[name]]

    def field_of(self, message: str) -> str | None:
        """The identifier field a refusal of the service names (by its value), so the message shows beside it."""
        for name, _scheme in IDENTIFIER_FIELDS:
            value = self.normalised.get(name)
            if value and value in message:
                return name
        return None


class ManufacturingForm(forms.Form):
    """What the manufacturer reports: the next status (only the moves allowed from the current one), why it
    failed, and the certificate of analysis."""

    status = forms.ChoiceField(label=_("Status reported by the manufacturer"), widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason for the failure"), max_length=500, required=False,
                             help_text=_("Required when manufacturing failed: as the manufacturer reported it."),
                             widget=forms.Textarea(attrs={"rows": 3}))
    certificate = forms.FileField(label=_("Certificate of analysis (PDF)"), required=False,
                                  help_text=_("Optional. The manufacturer's release certificate, as a PDF file of "
                                              "at most 20 MB."),
                                  widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(status, Product.Status(status).label)
                                         for status in Product.Status.values if status in moves]


# The receipt and the bag's steps -----------------------------------------------------------------------

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
    (``custody.sign_with_second_person``)."""
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


# The pharmacist's decisions ------------------------------------------------------------------------------

class ReleaseForm(forms.Form):
    """The pharmacist's signed decision that a product may be used despite its deviations (quarantine, a
    shipment's temperature excursion)."""

    reason = forms.CharField(label=_("What was checked, and why the product may be used"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    actor_password = forms.CharField(label=_("Your password (signature)"), widget=forms.PasswordInput,
                                     strip=False)
