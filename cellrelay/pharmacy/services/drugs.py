"""Reserving drugs for an episode and counting the doses given. Journaled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record_for_patient

from ..models import DrugReserve

TOCILIZUMAB = "tocilizumab"


def _journal(reserve: DrugReserve, *, actor, before, after):
    episode = reserve.episode
    record_for_patient(JournalEntry.Action.DRUG_RESERVED, episode.patient, actor=actor, obj=reserve, before=before,
                       after=after)


@transaction.atomic
def reserve_drug(*, actor, episode, drug: str = TOCILIZUMAB, doses: int | None = None) -> DrugReserve:
    """Set doses aside for the episode: by default the product template's tocilizumab doses (products.md)."""
    doses = doses if doses is not None else episode.template.tocilizumab_doses
    if doses < 1:
        raise ValidationError({"doses": _("Reserve at least one dose.")})
    reserve, created = DrugReserve.objects.select_for_update().get_or_create(
        episode=episode, drug=drug, defaults={"reserved_doses": doses, "reserved_by": actor})
    before = None if created else {"reserved_doses": reserve.reserved_doses}
    if not created:
        reserve.reserved_doses = doses
        reserve.save(update_fields=["reserved_doses"])
    _journal(reserve, actor=actor, before=before, after={"drug": drug, "reserved_doses": doses})
    return reserve


def use_dose(*, actor, episode, drug: str) -> DrugReserve | None:
    """Count one dose against the reserve (inside the caller's transaction); None when nothing was reserved."""
    reserve = DrugReserve.objects.select_for_update().filter(episode=episode, drug=drug).first()
    if reserve is None:
        return None
    reserve.used_doses += 1
    reserve.save(update_fields=["used_doses"])
    _journal(reserve, actor=actor, before={"used_doses": reserve.used_doses - 1},
             after={"used_doses": reserve.used_doses})
    return reserve
