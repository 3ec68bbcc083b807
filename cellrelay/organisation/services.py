"""Changes to staff records: training, API tokens. Each journaled with its actor."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, snapshot

from .models import ApiToken, TrainingRecord, hash_token

Action = JournalEntry.Action


@transaction.atomic
def record_training(*, actor, user, topic: str, completed_on, expires_on=None, reference: str = "") -> TrainingRecord:
    if expires_on and expires_on <= completed_on:
        raise ValidationError({"expires_on": _("The expiry date must come after the completion date.")})
    training = TrainingRecord(user=user, topic=topic, completed_on=completed_on, expires_on=expires_on,
                              reference=reference, recorded_by=actor)
    training.full_clean()
    training.save()
    record(Action.TRAINING_RECORDED, actor=actor, obj=training, after=snapshot(training))
    return training


@transaction.atomic
def create_token(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """A new personal token for ``user``; returns it with the raw value, shown once and never stored."""
    raw = ApiToken.new_raw_token()
    token = ApiToken(user=user, name=name.strip() or _("token"), key_hash=hash_token(raw), hint=raw[:7])
    token.full_clean()
    token.save()
    record(Action.TOKEN_CREATED, actor=actor, obj=token, after={"user": user.get_username(), "name": token.name},
           actor_label="" if actor else "issue_token command")
    return token, raw


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(Action.TOKEN_REVOKED, actor=actor, obj=token, after={"name": token.name})


def user_for_token(raw: str):
    """The active user behind a bearer token, or None."""
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True).first())
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
