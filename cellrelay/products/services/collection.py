"""The collection (*aphérèse*): the starting material and its DIN, the first link of the chain."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.pathway import services as pathway_services
from cellrelay.pathway.models import Episode
from cellrelay.pathway.states import State
from cellrelay.validation import refuse_future_time

from .. import to_ship
from ..custody import Action, journal, read_din
from ..models import Collection, CustodyEvent
from .manufacturing import live_products


@transaction.atomic
def record_collection(*, actor, episode: Episode, collected_at: datetime, volume_ml, din: str,
                      cd3_count=None) -> Collection:
    """The apheresis was done: the starting material and its DIN; the episode moves to “Cells collected”.

    A collection after a failed product (or a second collection before any product) is recorded
    without moving the episode, which is already past the apheresis.
    """
    refuse_future_time("collected_at", collected_at)
    if volume_ml is None or Decimal(volume_ml) <= 0:
        raise ValidationError({"volume_ml": _("Give the collected volume in mL.")})
    if cd3_count is not None and Decimal(cd3_count) < 0:
        raise ValidationError({"cd3_count": _("A cell count cannot be negative.")})
    value = read_din(din, "din")
    if Collection.objects.filter(din=value).exists():
        raise ValidationError({"din": _("The DIN %(din)s is already recorded for a collection.") % {"din": value}})
    episode = Episode.objects.select_related("patient").get(pk=episode.pk)
    if episode.state == State.APHERESIS_SCHEDULED:
        episode = pathway_services.advance(actor=actor, episode=episode, target=State.COLLECTED,
                                           on=timezone.localtime(collected_at).date(), expected_version=None)
    elif episode.state not in (State.COLLECTED, State.MANUFACTURING) or live_products(episode).exists():
        raise ValidationError(_("A collection is recorded when the apheresis is scheduled, or again after a "
                                "manufacturing failure; this episode is %(state)s.") % {
                                    "state": episode.get_state_display()})
    collection = Collection(episode=episode, collected_at=collected_at, volume_ml=volume_ml, cd3_count=cd3_count,
                            operator=actor, din=value)
    collection.full_clean()
    collection.save()
    CustodyEvent.objects.create(collection=collection, action=CustodyEvent.Action.COLLECTED, actor=actor,
                                scanned=[din.strip()], at=collected_at)
    to_ship.keep(Collection.objects.filter(pk=collection.pk))  # the cells wait to leave for the manufacturer
    journal(Action.COLLECTION_RECORDED, episode, collection, actor=actor, after={
        "din": value, "collected_at": collected_at, "volume_ml": volume_ml, "cd3_count": cd3_count})
    return collection
