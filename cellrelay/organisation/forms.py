from django import forms
from django.utils.translation import gettext_lazy as _

from .models import TrainingRecord, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrainingForm(forms.ModelForm):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Staff member"))

    class Meta:
        model = TrainingRecord
        fields = ["user", "topic", "completed_on", "expires_on", "reference"]
        widgets = {"completed_on": DATE, "expires_on": DATE}

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff if staff is not None else User.objects.none()


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What is this token for?"), max_length=100)
