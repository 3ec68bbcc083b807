from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Center, Membership, TrainingRecord, User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActorChoice(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username


class TrainingForm(forms.ModelForm):
    user = ActorChoice(queryset=User.objects.none(), label=_("Staff member"))

    class Meta:
        model = TrainingRecord
        fields = ["user", "topic", "completed_on", "expires_on", "reference"]
        widgets = {"completed_on": DATE, "expires_on": DATE}

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff if staff is not None else User.objects.none()


class JournalFilter(forms.Form):
    patient = forms.CharField(required=False, max_length=100, label=_("Patient"),
                              widget=forms.TextInput(attrs={"placeholder": _("Name, INS or IPP")}))
    user = ActorChoice(queryset=User.objects.none(), required=False, label=_("User"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DATE)
    date_to = forms.DateField(required=False, label=_("To"), widget=DATE)

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = actors


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What is this token for?"), max_length=100)


class StaffMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    center = forms.ModelChoiceField(queryset=Center.objects.none(), label=_("Center"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership._meta.get_field("role").choices)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, centers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers if centers is not None else Center.objects.none()


class SecondFactorForm(forms.Form):
    token = forms.CharField(label=_("Code"), max_length=16,
                            help_text=_("The 6-digit code your authenticator app shows now, or one recovery code."),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}))


class UnlockForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=255, required=False)
    address = forms.GenericIPAddressField(label=_("Address"), required=False)
