"""Pages of the referrals room: referrals, RCP meetings, their decisions and minutes."""

import io
import os
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import IntegerField, OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.models import Center
from cellrelay.organisation.permissions import Action
from cellrelay.patients.access import patients_for, reach, referring_membership, seen_by
from cellrelay.patients.models import Patient
from cellrelay.web import run_service

from . import minutes, services
from .forms import AgendaForm, DecisionForm, MeetingForm, ReferralForm
from .models import MdtDecision, MdtMeeting, Referral

PAGE_SIZE = 50
REFERRALS_COUNT_CAP = 1000  # more is said as "more than 1000"


@dataclass
class AgendaItem:
    referral: Referral
    decision: MdtDecision | None  # the decision taken at this meeting
    decided: bool  # a final decision exists, at this meeting or another

    @property
    def awaits_decision(self) -> bool:
        return self.decision is None and not self.decided


def _visible_referrals(user):
    """The referrals of the patients the user may see, the scope checked on each referral's patient
    (``seen_by``): as ``patient__in``, SQLite starts from every patient of the center and PostgreSQL hashes them."""
    return Referral.objects.filter(seen_by(patients_for(user), "patient_id"))


REFERRAL_RELATED = ("patient", "from_center", "from_physician", "to_center")


def _meeting_for(user, pk, action: Action = Action.VIEW_MDT) -> MdtMeeting:
    """The meeting if it belongs to one of the user's centers (404 otherwise); 403 when only allowed to view it."""
    meeting = get_object_or_404(MdtMeeting.objects.select_related("center"), pk=pk,
                                center_id__in=access.centers_for(user, Action.VIEW_MDT))
    if meeting.center_id not in access.centers_for(user, action):
        raise PermissionDenied(action.value)
    return meeting


def _physician_user(user):
    """A referring physician refers in their own name; staff name the referring physician."""
    return user if referring_membership(user, Action.REFER) else None


def _referral_centers(user):
    """The user's own center, and for treating-center staff every referring hospital of the network."""
    centers = Center.objects.filter(pk__in=access.centers_for(user, Action.REFER))
    if _physician_user(user) is None:
        centers = centers | Center.objects.filter(kind=Center.Kind.REFERRING)
    return centers


def _agenda(meeting: MdtMeeting) -> list[AgendaItem]:
    referrals = list(meeting.agenda.select_related("patient", "from_center", "from_physician")
                     .order_by("patient__family_name", "pk"))
    here = {d.referral_id: d for d in meeting.decisions.select_related("decided_by")}
    decided = set(MdtDecision.objects.filter(referral__in=referrals, outcome__in=services.FINAL_OUTCOMES)
                  .values_list("referral_id", flat=True))
    return [AgendaItem(r, here.get(r.pk), r.pk in decided) for r in referrals]


def _agenda_candidates(meeting: MdtMeeting):
    """Referrals to the meeting's center, not decided yet and not already on its agenda."""
    return (Referral.objects.filter(to_center=meeting.center).exclude(decisions__outcome__in=services.FINAL_OUTCOMES)
            .exclude(meetings=meeting).select_related("patient"))


def _agenda_form(request, meeting: MdtMeeting) -> AgendaForm:
    """The form to add a referral to the agenda: its choices name the patients, a journaled read."""
    candidates = _agenda_candidates(meeting)
    shown(request.user, [referral.patient for referral in candidates])
    return AgendaForm(request.POST or None, referrals=candidates)


def _after_decision(decision: MdtDecision) -> str:
    """An approval leads to the new treatment episode, once the pathway pages exist."""
    if decision.outcome == MdtDecision.Outcome.APPROVED:
        try:
            return reverse("pathway:episode", args=[decision.episode.pk])
        except NoReverseMatch:
            pass
    return reverse("referrals:meeting", args=[decision.meeting_id])


# Referrals -----------------------------------------------------------------------------------------

def patient_section(request, patient) -> str:
    """The patient's referrals and their RCP decisions: a section of the patient's page (patients.page_sections)."""
    referrals = patient.referrals.select_related("from_center").prefetch_related(
        Prefetch("decisions", queryset=MdtDecision.objects.select_related("meeting")))  # one query each, not per row
    return render_to_string("referrals/_patient_section.html", {"patient": patient, "referrals": referrals},
                            request=request)


@access.requires(Action.VIEW_PATIENT)
def referral_list(request):
    referrals = (_visible_referrals(request.user).select_related("patient", "from_center", "from_physician")
                 .prefetch_related("decisions"))
    # The latest first, from the (received_on, id) index, and counted up to the cap: a national registry's
    # referrals are a hundred thousand, read by no one past the first page.
    page = list(referrals[:PAGE_SIZE])
    total = len(page) if len(page) < PAGE_SIZE else referrals.order_by()[:REFERRALS_COUNT_CAP + 1].count()
    shown(request.user, [referral.patient for referral in page])
    return render(request, "referrals/list.html", {
        "referrals": page, "total": total, "page_size": PAGE_SIZE, "count_cap": REFERRALS_COUNT_CAP,
    })


@access.requires(Action.REFER)
def referral_create(request, pk):
    patient = reach(request.user, Patient, pk, Action.REFER, patient="")
    physician = _physician_user(request.user)
    form = ReferralForm(request.POST or None, request.FILES or None, centers=_referral_centers(request.user),
                        physician_is_user=physician is not None,
                        initial={"received_on": timezone.localdate(), "from_center": patient.referring_center_id})
    if request.method == "POST" and form.is_valid():
        referral = run_service(form, lambda: services.create_referral(
            actor=request.user, patient=patient, from_physician=physician, **form.cleaned_data))
        if referral:
            messages.success(request, _("Referral recorded."))
            return redirect("referrals:detail", referral.pk)
    return render(request, "referrals/form.html", {
        "form": form, "title": _("Refer for CAR-T"), "back": reverse("patients:detail", args=[pk]),
        "back_label": str(patient), "multipart": True,
    })


@access.requires(Action.VIEW_PATIENT)
def referral_detail(request, pk):
    referral = reach(request.user, Referral.objects.select_related(*REFERRAL_RELATED), pk)
    return render(request, "referrals/detail.html", {
        "referral": referral,
        "decisions": referral.decisions.select_related("meeting", "decided_by"),
        "meetings": referral.meetings.all(),
    })


@access.requires(Action.VIEW_PATIENT)
def referral_letter(request, pk):
    """The letter as a download, to those who may see the patient; reading it is a read of the record."""
    referral = reach(request.user, Referral.objects.exclude(letter=""), pk)  # no letter: 404, nothing read
    return FileResponse(referral.letter.open("rb"), as_attachment=True,
                        filename=os.path.basename(referral.letter.name))


# RCP meetings --------------------------------------------------------------------------------------

COUNT_CAP = 100  # a meeting's agenda or decisions counted up to this; more is shown as "100+"


class CountUpTo(Subquery):
    """How many rows a sliced subquery gives: ``(SELECT COUNT(*) FROM (subquery LIMIT n))``, so that a count stops
    at the slice's end."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _per_meeting(rows, meeting_field: str):
    """How many of these rows each meeting has, up to COUNT_CAP + 1: a subquery on the meeting's own index, stopped
    at the cap. Counted apart, not as two joined DISTINCT counts (a meeting's agenda times its decisions); capped,
    because a registry's weekly meeting may list a thousand referrals and a page of 20 meetings would read them all
    to print a number no one reads past a hundred. In the order of the (meeting, referral) unique index: unordered,
    PostgreSQL chose a bitmap scan, which reads every entry of the meeting before the limit applies (20 meetings of
    1,100 referrals: 44,000 index entries and 2,800 pages, 19 ms, where the index scan stops at 101)."""
    return CountUpTo(rows.filter(**{meeting_field: OuterRef("pk")}).order_by(f"{meeting_field}_id", "referral_id")
                     .values(meeting_field)[:COUNT_CAP + 1])


UPCOMING_SHOWN = 20  # meetings planned from today on, the soonest first
PAST_PAGE_SIZE = 20  # meetings held, the latest first, page by page


def _with_counts(meetings):
    return (meetings.select_related("center")
            .annotate(items=_per_meeting(MdtMeeting.agenda.through.objects, "mdtmeeting"),
                      decided=_per_meeting(MdtDecision.objects, "meeting")))


@access.requires(Action.VIEW_MDT)
def meeting_list(request):
    """The meetings to come, then those held, a page at a time: a center holds one or more a week for years."""
    meetings = MdtMeeting.objects.filter(center_id__in=access.centers_for(request.user, Action.VIEW_MDT))
    today = timezone.localdate()
    upcoming = list(_with_counts(meetings.filter(held_on__gte=today).order_by("held_on", "pk"))[:UPCOMING_SHOWN])
    past = Paginator(_with_counts(meetings.filter(held_on__lt=today).order_by("-held_on", "-pk")),
                     PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "referrals/meeting_list.html", {"upcoming": upcoming, "past": past, "count_cap": COUNT_CAP})


@access.requires(Action.DECIDE_MDT)
def meeting_create(request):
    centers = Center.objects.filter(pk__in=access.centers_for(request.user, Action.DECIDE_MDT))
    form = MeetingForm(request.POST or None, centers=centers, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        meeting = run_service(form, lambda: services.create_meeting(actor=request.user, **form.cleaned_data))
        if meeting:
            messages.success(request, _("RCP meeting planned."))
            return redirect("referrals:meeting", meeting.pk)
    return render(request, "referrals/form.html", {
        "form": form, "title": _("Plan an RCP meeting"), "back": reverse("referrals:meetings"),
        "back_label": _("RCP meetings"),
    })


@access.requires(Action.VIEW_MDT)
def meeting_detail(request, pk):
    meeting = _meeting_for(request.user, pk)
    can_decide = meeting.center_id in access.centers_for(request.user, Action.DECIDE_MDT)
    items = _agenda(meeting)
    shown(request.user, [item.referral.patient for item in items])
    return render(request, "referrals/meeting.html", {
        "meeting": meeting,
        "attendees": meeting.attendees.order_by("last_name", "first_name"),
        "items": items,
        "can_decide": can_decide and meeting.held_on <= timezone.localdate(),
        "not_held_yet": meeting.held_on > timezone.localdate(),
        "agenda_form": _agenda_form(request, meeting) if can_decide else None,
    })


@access.requires(Action.DECIDE_MDT)
def agenda_add(request, pk):
    meeting = _meeting_for(request.user, pk, Action.DECIDE_MDT)
    form = _agenda_form(request, meeting)
    if request.method == "POST" and form.is_valid():
        run_service(form, lambda: services.add_to_agenda(
            actor=request.user, meeting=meeting, referral=form.cleaned_data["referral"]))
        if not form.errors:
            messages.success(request, _("Referral added to the agenda."))
            return redirect("referrals:meeting", pk)
    return render(request, "referrals/form.html", {
        "form": form, "title": _("Add a referral to the agenda"), "back": reverse("referrals:meeting", args=[pk]),
        "back_label": str(meeting),
    })


@access.requires(Action.DECIDE_MDT)
def decide(request, pk, referral_pk):
    meeting = _meeting_for(request.user, pk, Action.DECIDE_MDT)
    referral = reach(request.user, Referral.objects.select_related(*REFERRAL_RELATED), referral_pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = run_service(form, lambda: services.record_decision(
            actor=request.user, meeting=meeting, referral=referral, **form.cleaned_data))
        if decision:
            approved = decision.outcome == MdtDecision.Outcome.APPROVED
            messages.success(request, _("Decision recorded: the treatment episode is open.") if approved
                             else _("Decision recorded."))
            return redirect(_after_decision(decision))
    return render(request, "referrals/decide.html", {
        "form": form, "title": _("RCP decision"), "referral": referral, "meeting": meeting,
        "back": reverse("referrals:meeting", args=[pk]), "back_label": str(meeting),
    })


@access.requires(Action.VIEW_MDT)
def meeting_minutes(request, pk):
    """The printable minutes: one journaled read naming every patient they contain."""
    meeting = _meeting_for(request.user, pk)
    items = _agenda(meeting)
    shown(request.user, [item.referral.patient for item in items])
    pdf = minutes.build(meeting, list(meeting.attendees.order_by("last_name", "first_name")), items)
    return FileResponse(io.BytesIO(pdf), content_type="application/pdf",
                        filename=f"rcp-{meeting.held_on:%Y-%m-%d}-{meeting.pk}.pdf")
