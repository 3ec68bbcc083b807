"""Changes to staff records: training, API tokens. Each journaled with its actor."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, snapshot

from django.contrib.auth.password_validation import validate_password

from .models import ApiToken, Center, Membership, TrainingRecord, User, hash_token
from .permissions import Role

Action = JournalEntry.Action


@transaction.atomic
def add_staff_member(*, actor, center: Center, username: str, first_name: str, last_name: str, role: str,
                     password: str, email: str = "", unit=None) -> Membership:
    """Create a staff user with a role at a center (a referring physician at a referring hospital)."""
    if role not in {r.value for r in Role}:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    if unit is not None and unit.center_id != center.pk:
        raise ValidationError({"unit": _("This unit belongs to another center.")})
    user = User(username=username.strip(), first_name=first_name, last_name=last_name, email=email)
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    membership = Membership(user=user, center=center, role=role, unit=unit)
    membership.full_clean()
    membership.save()
    record(Action.STAFF_ADDED, actor=actor, obj=membership, center_id=center.pk,
           after={"username": user.username, "role": role, "center": center.name})
    return membership


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
