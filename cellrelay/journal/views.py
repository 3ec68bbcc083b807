from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cellrelay.organisation import access
from cellrelay.organisation.models import User
from cellrelay.organisation.permissions import Action

from . import patient_search
from .models import JournalEntry

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActorChoice(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username


class JournalFilter(forms.Form):
    patient = forms.CharField(required=False, max_length=100, label=_("Patient"),
                              widget=forms.TextInput(attrs={"placeholder": _("Name, INS or IPP")}))
    user = ActorChoice(queryset=User.objects.none(), required=False, label=_("User"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DATE)
    date_to = forms.DateField(required=False, label=_("To"), widget=DATE)

    def __init__(self, *args, actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = actors


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _actors(entries):
    """Everyone who acted in these entries: staff, referring physicians and machine accounts alike."""
    return User.objects.filter(pk__in=entries.values("actor_id")).order_by("last_name", "first_name", "username")


@access.requires(Action.VIEW_JOURNAL)
def journal_list(request):
    """The audit journal of the administrator's centers (entries tied to no center included)."""
    center_ids = access.centers_for(request.user, Action.VIEW_JOURNAL)
    entries = JournalEntry.objects.filter(Q(center_id__in=center_ids) | Q(center_id__isnull=True))
    form = JournalFilter(request.GET or None, actors=_actors(entries))
    if form.is_valid():
        data = form.cleaned_data
        if data["patient"]:
            entries = entries.filter(patient_id__in=patient_search.patient_ids(data["patient"], center_ids))
        if data["user"]:
            entries = entries.filter(actor=data["user"])
        if data["date_from"]:
            entries = entries.filter(at__gte=_day_start(data["date_from"]))
        if data["date_to"]:
            entries = entries.filter(at__lt=_day_start(data["date_to"]) + timedelta(days=1))
    page = Paginator(entries.select_related("actor").order_by("-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "journal/list.html", {"form": form, "page": page, "query": query.urlencode()})
