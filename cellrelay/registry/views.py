"""The registry room's pages: the research assistant's page of what is due and missing, an episode's registry
page (values, missing items, entered values, submissions), the exports, and the section on the patient's page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from cellrelay.journal.reads import shown
from cellrelay.journal.services import record_document_read
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.pathway.models import Episode
from cellrelay.patients.access import patients_for, reach

from . import completeness, exports, services, stored
from .forms import EnteredValueForm, FilterForm, SubmitForm
from .sources import Bundle, catalog

LIMIT = 50  # rows shown on the research assistant's page; the count says how many more


def _episodes():
    return Episode.objects.select_related("patient__treating_center", "decision__meeting", "decision__referral",
                                          "template")


@access.requires(Action.REPORT_TO_REGISTRIES)
def registry_page(request):
    """What is due and missing, for every patient of the user's centers, filterable by registry, form and month: the
    counts and the first rows read from the stored completeness (``stored``), brought up to date first."""
    filters = FilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found = stored.listing(request.user, destination=chosen.get("destination", ""), form_key=chosen.get("form", ""),
                           month=chosen.get("month", ""), status=chosen.get("status", ""), size=LIMIT)
    shown(request.user, [row.patient for row in found.rows])
    return render(request, "registry/page.html", {
        "filters": filters, "rows": found.rows, "count": found.count, "summary": found.summary,
        "may_export": access.can(request.user, Action.EXPORT_DATA)})


def _refused(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@access.requires(Action.REPORT_TO_REGISTRIES)
def episode_registry(request, pk):
    """An episode's forms: each timepoint's status, values, missing items; enter a value, mark a form submitted."""
    episode = reach(request.user, _episodes(), pk, Action.REPORT_TO_REGISTRIES)
    entered_form, submit_form = EnteredValueForm(prefix="enter"), SubmitForm(prefix="submit")
    if request.method == "POST":
        if "enter-item" in request.POST:
            entered_form = EnteredValueForm(request.POST, prefix="enter")
            if entered_form.is_valid():
                try:
                    data = entered_form.cleaned_data
                    services.enter_value(actor=request.user, episode=episode, item=data["item"], text=data["value"],
                                         timepoint=data["timepoint"])
                    messages.success(request, _("Value recorded."))
                    return redirect("registry:episode", pk=episode.pk)
                except ValidationError as error:
                    _refused(entered_form, error)
        else:
            submit_form = SubmitForm(request.POST, prefix="submit")
            if submit_form.is_valid():
                data = submit_form.cleaned_data
                try:
                    services.submit(actor=request.user, episode=episode, form_key=data["form_key"],
                                    timepoint=data["timepoint"], submitted_on=data["submitted_on"],
                                    reference=data["reference"])
                    messages.success(request, _("Submission recorded."))
                    return redirect("registry:episode", pk=episode.pk)
                except ValidationError as error:
                    _refused(submit_form, error)
    found = completeness.rows(Bundle([episode]))
    return render(request, "registry/episode.html", {
        "episode": episode, "patient": episode.patient, "rows": found, "entered_form": entered_form,
        "submit_form": submit_form, "may_export": access.can(request.user, Action.EXPORT_DATA),
        "items": catalog().items}, status=400 if request.method == "POST" else 200)


@access.requires(Action.EXPORT_DATA)
def form_pdf(request, pk):
    """A form pre-filled for a registry that takes paper (``?form=cibmtr:4000&timepoint=infusion``; without them,
    the episode's first form that may be sent). A blocked form is never printed."""
    episode = reach(request.user, _episodes(), pk, Action.EXPORT_DATA, journal_read=False)
    found = [row for row in completeness.rows(Bundle([episode]))
             if row.status not in (completeness.BLOCKED, completeness.NOT_DUE)]
    wanted_form, wanted_timepoint = request.GET.get("form"), request.GET.get("timepoint")
    row = next((row for row in found if (not wanted_form or row.form.key == wanted_form)
                and (not wanted_timepoint or row.timepoint == wanted_timepoint)), None)
    if row is None:
        raise Http404("no form of this episode may be printed")
    document = exports.form_pdf(row)
    record_document_read("registry.form_pdf", episode.patient, actor=request.user, obj=episode,
                         details={"form": row.form.key, "timepoint": row.timepoint})
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{row.form.code}-{row.timepoint}-{episode.pk}.pdf"'
    return response


@access.requires(Action.EXPORT_DATA)
def exports_page(request):
    """The exports: a CSV per form (``?download=csv&form=…``) and the pseudonymised research export
    (``?download=research``, ``&shift=1`` to shift dates). Each names in the journal the patients it holds."""
    download = request.GET.get("download", "")
    if download == "csv":
        form = catalog().forms.get(request.GET.get("form", ""))
        if form is None:
            messages.error(request, _("Choose a form to export."))
            return redirect("registry:exports")
        bundle = Bundle.for_patients(patients_for(request.user, Action.EXPORT_DATA))
        text, written, _blocked = exports.form_csv(completeness.rows(bundle, form_key=form.key), form)
        shown(request.user, [row.patient for row in written])
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{form.registry}-{form.code}.csv"'
        return response
    if download == "research":
        bundle = Bundle.for_patients(patients_for(request.user, Action.EXPORT_DATA))
        body, patients = exports.research_lines(bundle, shift_dates=request.GET.get("shift") == "1")
        shown(request.user, patients)
        response = HttpResponse(body, content_type="application/x-ndjson")
        response["Content-Disposition"] = 'attachment; filename="research-pseudonymised.jsonl"'
        return response
    return render(request, "registry/exports.html", {
        "forms": [form for form in catalog().forms.values() if form.registry != exports.RESEARCH],
        "shift_days": settings.CELLRELAY_RESEARCH_DATE_SHIFT_DAYS})


def patient_section(request, patient) -> str:
    """The patient's registry status per destination, for those who report to registries."""
    if not access.can(request.user, Action.REPORT_TO_REGISTRIES, patient.treating_center_id):
        return ""
    bundle = Bundle.for_patients([patient])
    if not len(bundle):
        return ""
    found = completeness.rows(bundle)
    per_destination = []
    for code, destination in catalog().registries.items():
        theirs = [row for row in found if row.form.registry == code]
        if not theirs:
            continue
        blocked = next((row.missing_consents for row in theirs if row.status == completeness.BLOCKED), [])
        per_destination.append({"name": _(destination.name), "blocked": blocked,
                                "summary": completeness.summarise(theirs)})
    return render_to_string("registry/_patient.html", {
        "destinations": per_destination, "episodes": [data.episode for data in bundle]}, request=request)
