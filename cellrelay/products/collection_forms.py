"""Forms of the collection and shipment pages. They parse; the services (services.py, shipping.py) validate and save."""

import re

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def now_minutes():
    """The local time now, to the minute, as the datetime-local field shows it."""
    return timezone.localtime().replace(second=0, microsecond=0)


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
