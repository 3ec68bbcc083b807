"""The forms of the pharmacy's pages: cryostorage and dispensing. They parse; the services check and save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cellrelay.products import forms as product_forms

from .models import Position

# A barcode scanner types the code and presses Enter (which submits the form): the scan field comes last,
# has the focus when the page opens, and nothing the browser remembers is offered in it.
SCAN = forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false", "class": "scan"})


class ScanForm(forms.Form):
    def forget_refused_scan(self) -> None:
        """A refused scan is not shown again: the scanner's next read would be appended to it. A scan
        refused for another reason (no position chosen) stays, so that Enter can be pressed again."""
        if self.is_bound and "scanned_bag_code" in self.errors:
            self.data = self.data.copy()
            self.data["scanned_bag_code"] = ""


def scan_field() -> forms.CharField:
    # Not required here: the service says what an empty scan is.
    return forms.CharField(label=_("Scan the bag's label"), max_length=200, widget=SCAN, required=False,
                           help_text=_("The DIN, the chain of identity or the manufacturer's number printed on "
                                       "the bag."))


def grouped_positions(positions) -> list:
    """Positions grouped by tank/rack/box for a select, each shown with its full place."""
    groups: dict[str, list] = {}
    for position in positions:
        groups.setdefault(str(position.box), []).append((position.pk, str(position)))
    return [("", _("Choose a free position"))] + list(groups.items())


class TankForm(forms.Form):
    """Every field optional here: the service names what is missing or wrong, all at once."""

    center = forms.TypedChoiceField(label=_("Center"), coerce=int, choices=())
    name = forms.CharField(label=_("Name of the tank"), max_length=40, required=False,
                           help_text=_("As written on the tank."))
    racks = forms.IntegerField(label=_("Racks"), required=False, initial=6,
                               help_text=_("Between 1 and 20: labelled R1, R2…"))
    boxes_per_rack = forms.IntegerField(label=_("Boxes in each rack"), required=False, initial=4,
                                        help_text=_("Between 1 and 20: labelled B1, B2…"))
    positions_per_box = forms.IntegerField(
        label=_("Places in each box"), required=False, initial=4,
        help_text=_("Between 1 and 100: labelled as a grid, a letter per row and a number per column "
                    "(A1, A2, B1, B2 for 4 places)."))
    ln2_min_level_percent = forms.DecimalField(label=_("Lowest LN2 level (%)"), required=False, initial=20,
                                               max_digits=4, decimal_places=1,
                                               help_text=_("A reading below raises an alarm."))
    max_temperature_c = forms.DecimalField(label=_("Highest temperature (°C)"), required=False, initial=-150,
                                           max_digits=5, decimal_places=1,
                                           help_text=_("A reading above raises an alarm."))

    def __init__(self, *args, centers, **kwargs):
        """``centers``: the centers where the user may set up a tank; the choice is shown only when there
        are several."""
        super().__init__(*args, **kwargs)
        self.fields["center"].choices = [(center.pk, str(center)) for center in centers]
        if len(centers) == 1:
            self.fields["center"].initial = centers[0].pk
            self.fields["center"].widget = forms.HiddenInput()


class ReadingForm(forms.Form):
    ln2_level_percent = forms.DecimalField(label=_("LN2 level (%)"), required=False, max_digits=4, decimal_places=1)
    temperature_c = forms.DecimalField(label=_("Temperature (°C)"), required=False, max_digits=5, decimal_places=1)


class ConfirmForm(forms.Form):
    """A button and nothing else (acknowledging an alarm)."""


class PlaceForm(ScanForm):
    """Place or move: a position at the patient's treating center, then the scan of the bag. The select
    offers the free positions; one taken meanwhile is refused by the service, which names it."""

    position = forms.IntegerField(label=_("Tank/Rack/Box/Position"), widget=forms.Select,
                                  error_messages={"required": _("Choose the position where the bag goes.")})
    scanned_bag_code = scan_field()

    def __init__(self, *args, free, center_positions, propose_first=False, **kwargs):
        """``free``: the positions offered; ``center_positions``: every position the bag may go to;
        ``propose_first``: the first free position is chosen already (placing: the next free place)."""
        super().__init__(*args, **kwargs)
        self.center_positions = center_positions
        free = list(free)
        self.fields["position"].widget.choices = grouped_positions(free)
        if propose_first and free:
            self.fields["position"].initial = free[0].pk

    def clean_position(self) -> Position:
        position = self.center_positions.filter(pk=self.cleaned_data["position"]).first()
        if position is None:
            raise forms.ValidationError(_("Choose a position in a tank of the patient's treating center."))
        return position


class RemoveForm(ScanForm):
    reason = forms.CharField(label=_("Why the bag leaves the tank"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Transfer to another center, return to the manufacturer…"))
    scanned_bag_code = scan_field()


class DispenseForm(forms.Form):
    """The bag's label scanned, then the pharmacist's signature: one code per field, as at the bedside."""

    scanned_bag_code = product_forms.scan_field(_("Bag's code"), _("Scan the bag's label."))
    actor_password = product_forms.password_field(_("Your password"))
