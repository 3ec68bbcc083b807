"""Forms of the manufacturing steps: registering the product at the manufacturer, and what the manufacturer
reports. They parse the scanned codes; the services check uniqueness, the episode's state and the moves."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import isbt128, manufacturers
from .models import Identifier, Product

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
        raise forms.ValidationError(_(error.message) % error.params) from None
    if structure.name != structure_name:
        raise forms.ValidationError(wrong)
    return structure.fields[structure_name]


class ProductRegistrationForm(forms.Form):
    """The product at the manufacturer and the identifiers printed on its labels."""

    manufacturer = forms.CharField(label=gettext_lazy("Manufacturer"), max_length=100)
    din = forms.CharField(
        label=gettext_lazy("Donation identification number (DIN)"), max_length=40,
        help_text=gettext_lazy("Scan it from the label: it starts with “=”. Prefilled with the collection's DIN."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
    coi_isbt = forms.CharField(
        label=gettext_lazy("ISBT 128 chain of identity"), max_length=40, required=False,
        help_text=gettext_lazy("Optional. Scan it from the label: it starts with “&/CH”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))
    manufacturer_number = forms.CharField(
        label=gettext_lazy("Manufacturer's order or chain of identity number"), max_length=80, required=False,
        help_text=gettext_lazy("Optional. As printed by the manufacturer (e.g. Kite's COI, Novartis' order "
                               "number)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.normalised: dict[str, str] = {}  # field name → the identifier as the service stores it

    def clean_din(self):
        text = self.cleaned_data["din"].strip()
        self.normalised["din"] = _parsed(
            text, "din", _("This is not a donation identification number (DIN): scan the DIN, it starts with “=”."))
        return text

    def clean_coi_isbt(self):
        text = self.cleaned_data["coi_isbt"].strip()
        if text:
            self.normalised["coi_isbt"] = _parsed(
                text, "chain_of_identity", _("This is not an ISBT 128 chain of identity: it starts with “&/CH”."))
        return text

    def clean_manufacturer_number(self):
        text = self.cleaned_data["manufacturer_number"].strip()
        self.normalised["manufacturer_number"] = text
        return text

    def identifiers(self) -> list[tuple[str, str]]:
        """The non-empty identifiers as (scheme, scanned text), for ``services.register_product``."""
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

    status = forms.ChoiceField(label=gettext_lazy("Status reported by the manufacturer"),
                               widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("Reason for the failure"), max_length=500, required=False,
                             help_text=gettext_lazy("Required when manufacturing failed: as the manufacturer "
                                                    "reported it."),
                             widget=forms.Textarea(attrs={"rows": 3}))
    certificate = forms.FileField(label=gettext_lazy("Certificate of analysis (PDF)"), required=False,
                                  help_text=gettext_lazy("Optional. The manufacturer's release certificate, as a "
                                                         "PDF file of at most 20 MB."),
                                  widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(status, Product.Status(status).label)
                                         for status in Product.Status.values if status in moves]
