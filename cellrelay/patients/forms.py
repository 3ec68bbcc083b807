from django import forms
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation.models import Center

from .identity import compact_ins
from .models import Consent, Contact, LocalId, Patient

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InsField(forms.CharField):
    """Accepts the INS as printed on the card (with spaces); the model checks the key."""

    def __init__(self, **kwargs):
        super().__init__(max_length=30, required=False, label=_("INS"),
                         help_text=_("National health identifier: NIR and key, 15 characters."), **kwargs)

    def to_python(self, value):
        return compact_ins(super().to_python(value))


class PatientForm(forms.ModelForm):
    ipp = forms.CharField(label=_("IPP at the treating center"), max_length=30, required=False)
    treating_center = forms.ModelChoiceField(queryset=Center.objects.none(), label=_("Treating center"))
    ins = InsField()

    class Meta:
        model = Patient
        fields = [
            "treating_center", "family_name", "given_names", "birth_date", "sex", "ins",
            "weight_kg", "height_cm", "measured_on", "address", "postcode", "city", "phone",
        ]
        widgets = {"birth_date": DATE, "measured_on": DATE}

    def __init__(self, *args, centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treating_center"].queryset = centers if centers is not None else Center.objects.none()
        if centers is not None and centers.count() == 1:
            self.fields["treating_center"].initial = centers.first()
            self.fields["treating_center"].widget = forms.HiddenInput()


class PatientEditForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput())
    ins = InsField()

    class Meta:
        model = Patient
        fields = [
            "family_name", "given_names", "birth_date", "sex", "ins", "weight_kg", "height_cm",
            "measured_on", "address", "postcode", "city", "phone",
        ]
        widgets = {"birth_date": DATE, "measured_on": DATE}

    def _post_clean(self):
        # The version check and the model validation run in the service, under a row lock.
        pass


class LocalIdForm(forms.ModelForm):
    class Meta:
        model = LocalId
        fields = ["center", "ipp"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = Center.objects.all()

    def _post_clean(self):
        pass


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["kind", "name", "relationship", "phone", "email"]


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["kind", "status", "decided_on", "notes"]
        widgets = {"decided_on": DATE}

    def _post_clean(self):
        pass


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, INS or IPP"), required=False, max_length=100)
