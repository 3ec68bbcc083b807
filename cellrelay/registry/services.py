"""Every change the registry room makes: a value typed for an item only this room holds, and a submission."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record
from cellrelay.pathway.models import Episode
from cellrelay.validation import refuse_future_date

from . import completeness, dictionary
from .models import EnteredValue, Submission
from .sources import Bundle, catalog

VALUE_PROBLEMS = {
    "empty": gettext_lazy("Give a value."),
    "integer": gettext_lazy("Give a whole number."),
    "decimal": gettext_lazy("Give a number."),
    "date": gettext_lazy("Give a date as YYYY-MM-DD."),
    "boolean": gettext_lazy("Answer yes or no."),
    "choice": gettext_lazy("Choose one of the allowed values."),
}


def _journal(action, episode: Episode, *, actor, obj, after: dict) -> None:
    record(action, actor=actor, obj=obj, patient_id=episode.patient_id,
           center_id=episode.patient.treating_center_id, after=after)


@transaction.atomic
def enter_value(*, actor, episode: Episode, item: str, text: str, timepoint: str = "") -> EnteredValue:
    """A value for an item that only the registry room holds (the dictionary says ``source = "entered"``)."""
    found = catalog().items.get(item)
    if found is None or not found.entered:
        raise ValidationError({"item": [_("This item is not typed here: it comes from the patient's record.")]})
    try:
        value = dictionary.parse_value(found, text)
    except dictionary.BadValue as error:
        raise ValidationError({"value": [str(VALUE_PROBLEMS[error.problem])]}) from None
    entered = EnteredValue.objects.create(episode=episode, item=item, timepoint=timepoint, value=value,
                                          entered_by=actor)
    _journal(JournalEntry.Action.REGISTRY_VALUE_ENTERED, episode, actor=actor, obj=entered,
             after={"item": item, "timepoint": timepoint, "value": value})
    return entered


def _missing_text(row: completeness.Row, language: str) -> str:
    return "; ".join(f"{item.label(language)} ({where})" for item, where in row.missing)


@transaction.atomic
def submit(*, actor, episode: Episode, form_key: str, timepoint: str, submitted_on: date,
           reference: str = "") -> Submission:
    """Mark a form sent to its registry, freezing the values sent. Refused for a blocked or incomplete form (naming
    the missing consents or items), and for a form sent already with the same values."""
    refuse_future_date("submitted_on", submitted_on, born=episode.patient.birth_date)
    bundle = Bundle(Episode.objects.filter(pk=episode.pk).select_related(
        "patient__treating_center", "decision__meeting", "decision__referral", "template"))
    row = completeness.one_row(bundle, episode.pk, form_key, timepoint)
    if row is None:
        raise ValidationError({"form": [_("This form has no such timepoint for this patient.")]})
    if row.status == completeness.BLOCKED:
        raise ValidationError({"form": [_("Blocked: the patient has not given the consent this registry needs "
                                          "(%(consents)s).") % {"consents": ", ".join(row.missing_consents)}]})
    if row.status == completeness.NOT_DUE:
        raise ValidationError({"form": [_("This timepoint is not reached yet.")]})
    if row.missing:
        raise ValidationError({"form": [_("The form is incomplete. Missing: %(items)s.") % {
            "items": _missing_text(row, get_language() or "en")}]})
    if row.status == completeness.SUBMITTED:
        raise ValidationError({"form": [_("This form was already submitted with these values.")]})
    form = row.form
    submission = Submission.objects.create(
        destination=form.registry, form_code=form.code, form_version=form.version, timepoint=timepoint,
        episode=episode, submitted_on=submitted_on, reference=reference, values=completeness.sendable(row.values),
        submitted_by=actor, submitted_at=timezone.now())
    after = {"form": form.key, "version": form.version, "timepoint": timepoint, "reference": reference,
             "submitted_on": submitted_on.isoformat(), "values": submission.values}
    if row.submission is not None:
        after["corrects"] = row.submission.pk
        after["differences"] = {item.code: [sent, now] for item, sent, now in row.differences}
    _journal(JournalEntry.Action.REGISTRY_SUBMITTED, episode, actor=actor, obj=submission, after=after)
    return submission
