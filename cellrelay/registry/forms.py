import re

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import completeness
from .sources import catalog

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _registry_choices():
    return [("", _("every registry"))] + [(code, _(d.name)) for code, d in catalog().registries.items()]


def _form_choices():
    language = get_language() or "en"
    return [("", _("every form"))] + [(form.key, form.title(language)) for form in catalog().forms.values()]


class FilterForm(forms.Form):
    destination = forms.ChoiceField(label=_("Registry"), required=False)
    form = forms.ChoiceField(label=_("Form"), required=False)
    month = forms.CharField(label=_("Due in month"), required=False, help_text=_("YYYY-MM"), max_length=7)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = _registry_choices()
        self.fields["form"].choices = _form_choices()
        self.fields["status"].choices = [("", _("due: to do"))] + [(k, v) for k, v in
                                                                   completeness.STATUS_LABELS.items()]

    def clean_month(self):
        month = self.cleaned_data["month"].strip()
        if month and not MONTH.match(month):
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return month


class EnteredValueForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"))
    timepoint = forms.CharField(label=_("Timepoint"), required=False, max_length=20,
                                help_text=_("Leave empty when the value holds for every timepoint."))
    value = forms.CharField(label=_("Value"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        self.fields["item"].choices = [(item.code, item.label(language)) for item in catalog().items.values()
                                       if item.entered]


class SubmitForm(forms.Form):
    form_key = forms.ChoiceField(label=_("Form"))
    timepoint = forms.CharField(label=_("Timepoint"), max_length=20)
    submitted_on = forms.DateField(label=_("Submitted on"), initial=timezone.localdate)
    reference = forms.CharField(label=_("Reference number"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_key"].choices = _form_choices()[1:]
