from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cellrelay.journal.reads import shown
from cellrelay.organisation import access
from cellrelay.organisation.permissions import Action
from cellrelay.web import run_service

from . import page_sections, services
from .access import may, patients_for, reach, registration_for
from .forms import ConsentForm, ContactForm, LocalIdForm, PatientEditForm, PatientForm, SearchForm
from .models import Patient
from .search import COUNT_CAP, first_page

PAGE_SIZE = 50


@access.requires(Action.VIEW_PATIENT)
def patient_list(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page, total = first_page(patients_for(request.user).select_related("treating_center"), text, PAGE_SIZE)
    shown(request.user, page)
    return render(request, "patients/list.html", {
        "form": form, "patients": page, "total": total, "q": text, "page_size": PAGE_SIZE,
        "count_cap": COUNT_CAP,
    })


@access.requires(Action.CREATE_PATIENT)
def patient_create(request):
    registration = registration_for(request.user)
    form = PatientForm(request.POST or None, centers=registration.centers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        patient = run_service(form, lambda: services.register_patient(
            actor=request.user, **data, **registration.referred_by))
        if patient:
            messages.success(request, _("Patient registered."))
            return redirect("patients:detail", patient.pk)
    return render(request, "patients/form.html", {"form": form, "title": _("Register a patient")})


@access.requires(Action.VIEW_PATIENT)
def patient_detail(request, pk):
    patient = reach(request.user, Patient, pk, patient="")
    history = list(patient.consents.select_related("recorded_by").order_by("-recorded_at"))  # read once for both
    return render(request, "patients/detail.html", {
        "patient": patient,
        "local_ids": patient.local_ids.select_related("center"),
        "contacts": patient.contacts.all(),
        "consents": services.latest_consents(history),
        "consent_history": history,
        "can_edit": may(request.user, Action.EDIT_PATIENT, patient),
        "can_consent": may(request.user, Action.RECORD_CONSENT, patient),
        "sections": page_sections.render(request, patient),
    })


@access.requires(Action.EDIT_PATIENT)
def patient_edit(request, pk):
    patient = reach(request.user, Patient, pk, Action.EDIT_PATIENT, patient="")
    form = PatientEditForm(request.POST or None, instance=patient, initial={"version": patient.version})
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in PatientEditForm.Meta.fields}
        updated = run_service(form, lambda: services.update_patient(
            actor=request.user, patient=patient, expected_version=form.cleaned_data["version"], changes=changes))
        if updated:
            messages.success(request, _("Changes saved."))
            return redirect("patients:detail", pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": _("Edit patient")})


def _patient_subform(request, pk, action, form_class, call, title, done):
    patient = reach(request.user, Patient, pk, action, patient="")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: call(patient, form.cleaned_data)):
            messages.success(request, done)
            return redirect("patients:detail", pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})


@access.requires(Action.EDIT_PATIENT)
def local_id_add(request, pk):
    return _patient_subform(
        request, pk, Action.EDIT_PATIENT, LocalIdForm,
        lambda patient, data: services.add_local_id(actor=request.user, patient=patient, **data),
        _("Add a local identifier (IPP)"), _("Identifier added."))


@access.requires(Action.EDIT_PATIENT)
def contact_add(request, pk):
    return _patient_subform(
        request, pk, Action.EDIT_PATIENT, ContactForm,
        lambda patient, data: services.add_contact(actor=request.user, patient=patient, **data),
        _("Add a contact"), _("Contact added."))


@access.requires(Action.RECORD_CONSENT)
def consent_add(request, pk):
    return _patient_subform(
        request, pk, Action.RECORD_CONSENT, ConsentForm,
        lambda patient, data: services.record_consent(actor=request.user, patient=patient, **data),
        _("Record a consent"), _("Consent recorded."))
