"""Changes to staff records: roles, training, API tokens, passwords, second factor, sign-in lockouts. Each
journaled with its actor."""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record, snapshot
from cellrelay.written_out import columns, prepared_cursor

from . import access
from .models import ApiToken, Center, Membership, TrainingRecord, User, hash_token, token_expiry
from .permissions import MACHINE_ROLES, Action as Permission, Role, may_grant

Action = JournalEntry.Action


@transaction.atomic
def add_staff_member(*, actor, center: Center, username: str, first_name: str, last_name: str, role: str,
                     password: str, email: str = "", unit=None) -> Membership:
    """Create a staff user with a role at a center (a referring physician at a referring hospital)."""
    if role not in {r.value for r in Role}:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    at_own_center = center.pk in access.centers_for(actor, Permission.MANAGE_STAFF)
    if not may_grant(role, at_own_center=at_own_center, at_referring_hospital=center.kind == Center.Kind.REFERRING):
        raise ValidationError({"role": _("At a center other than your own you may only add a referring physician "
                                         "of a referring hospital.")})
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
           after={"username": user.username, "role": role, "center": center.name,
                  "granted_by": actor.get_username()})
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
    token = ApiToken(user=user, name=name.strip() or _("token"), key_hash=hash_token(raw), hint=raw[:7],
                     expires_at=token_expiry())
    token.full_clean()
    token.save()
    record(Action.TOKEN_CREATED, actor=actor, obj=token,
           after={"user": user.get_username(), "name": token.name, "expires_at": token.expires_at},
           actor_label="" if actor else "issue_token command")
    return token, raw


@transaction.atomic
def renew_token(*, actor, token: ApiToken) -> ApiToken:
    """The same token, valid for a whole lifetime from now (an expired one too; a revoked one stays revoked)."""
    if token.revoked_at is not None:
        raise ValidationError(_("A revoked token cannot be renewed: create a new one."))
    before = {"expires_at": token.expires_at}
    token.expires_at = token_expiry()
    token.save(update_fields=["expires_at"])
    record(Action.TOKEN_RENEWED, actor=actor, obj=token, before=before, after={"expires_at": token.expires_at})
    return token


@transaction.atomic
def revoke_token(*, actor, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(Action.TOKEN_REVOKED, actor=actor, obj=token, after={"name": token.name})


class TokenExpired(Exception):
    """A bearer token past its expiry: the caller is told, rather than a bare 401."""

    def __init__(self, expired_at):
        super().__init__(expired_at)
        self.expired_at = expired_at

    def message(self) -> str:
        return _("This API token expired on %(day)s: renew it on your profile page.") % {
            "day": date_format(timezone.localtime(self.expired_at), "SHORT_DATETIME_FORMAT")}


# A token's "last used" is written at most once a minute (issue #14): not one write per API call.
LAST_USED_PRECISION = timedelta(minutes=1)


def user_for_token(raw: str):
    """The active user behind a bearer token, or None, with their memberships. An expired token is refused with a
    401 that says so. A machine account's token acts with its machine memberships only."""
    now = timezone.now()
    found = _token_holder(hash_token(raw), now)
    if found is None:
        return None
    user, held = found
    if user.token_expired:
        raise TokenExpired(ApiToken.objects.filter(pk=user.token_id).values_list("expires_at", flat=True).get())
    if not user.token_used_recently:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    machine = [m for m in held if m.role in MACHINE_ROLES]
    access.limit_memberships(user, machine or held)
    return user


def _token_holder(key_hash: str, now):
    """(the active user holding this unrevoked token, their memberships), or None. The user carries ``token_id``,
    ``token_expired`` and ``token_used_recently`` (its "last used" written less than LAST_USED_PRECISION ago).

    One written-out statement, the memberships joined (a row each): every API call runs it, and the ORM spent four
    times the CPU compiling the holder's query that the database spends answering it, then read the memberships in
    a second (issue #14). The times are compared in the database, adapted as the ORM adapts them (SQLite keeps
    text)."""
    connection = connections[User.objects.db]
    ops, memberships = connection.ops, access.memberships_read(connection)
    holder = columns(User, "u", connection)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            f"SELECT {holder.sql}, t.id, t.expires_at <= %s, t.last_used_at IS NOT NULL AND t.last_used_at > %s, "
            f"{memberships.sql} FROM {ops.quote_name(ApiToken._meta.db_table)} t "
            f"JOIN {ops.quote_name(User._meta.db_table)} u ON u.id = t.user_id "
            f"LEFT JOIN ({memberships.joins}) ON m.{memberships.user_column} = u.id "
            f"WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active",
            [ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(now - LAST_USED_PRECISION), key_hash])
        rows = cursor.fetchall()
    if not rows:
        return None
    user = holder.instance(rows[0][:holder.width])
    user.token_id, user.token_expired, user.token_used_recently = rows[0][holder.width:holder.width + 3]
    return user, memberships.memberships(rows)


# Passwords and the second factor ------------------------------------------------------------------------

@transaction.atomic
def change_password(*, actor, new_password: str):
    """The signed-in user's own password (the old one was checked by the form, the validators run here too)."""
    try:
        validate_password(new_password, actor)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.messages}) from None
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    record(Action.PASSWORD_CHANGED, actor=actor, obj=actor, after={"username": actor.get_username()})
    return actor


RECOVERY_CODES = 10


def pending_authenticator(user) -> TOTPDevice:
    """The user's authenticator being set up: the unconfirmed TOTP device, created on the first visit and kept
    until it is confirmed, so that reloading the page keeps the QR code the phone may already have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def enrol_second_factor(*, actor, device: TOTPDevice, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a first code from it; returns it with the new single-use recovery codes
    (shown once; any older ones are replaced)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor, confirmed=False)
    if not device.verify_token(token.strip()):
        raise ValidationError({"token": _("This code is not the one your authenticator shows now.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=actor).delete()
    recovery = StaticDevice.objects.create(user=actor, name="recovery codes")
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    record(Action.SECOND_FACTOR_ENROLLED, actor=actor, obj=actor, after={"recovery_codes": RECOVERY_CODES})
    return device, codes


@transaction.atomic
def verify_second_factor(*, actor, token: str):
    """The device that accepts this code (a 6-digit authenticator code, or a recovery code, then used up), or None.
    A recovery code used is journaled: it means the phone was not at hand."""
    token = token.strip().replace(" ", "").lower()
    if token.isdigit() and len(token) == 6:
        devices = TOTPDevice.objects.select_for_update().filter(user=actor, confirmed=True)
    else:
        devices = StaticDevice.objects.select_for_update().filter(user=actor, confirmed=True)
    for device in devices:
        if device.verify_token(token):
            if isinstance(device, StaticDevice):
                record(Action.RECOVERY_CODE_USED, actor=actor, obj=actor,
                       after={"codes_left": device.token_set.count()})
            return device
    return None


# Sign-in lockouts (django-axes) --------------------------------------------------------------------------

@transaction.atomic
def record_lockout(*, username: str, address: str) -> None:
    """Sign-in locked for a username or an address after repeated failures. Nobody is signed in: the entry names
    the attempt, not an actor."""
    record(Action.LOGIN_LOCKED_OUT, actor=None, actor_label=_lockout_label(address),
           after={"username": username, "address": address})


def _lockout_label(address: str) -> str:
    return f"sign-in from {address}"[:150]


@transaction.atomic
def unlock_sign_in(*, actor, username: str = "", address: str = "") -> int:
    """An administrator lifts a lockout before its cool-off ends: the failures counted for that username or
    that address are forgotten. Returns how many attempt records were removed."""
    from axes.utils import reset

    if not username and not address:
        raise ValidationError(_("Name a username or an address to unlock."))
    removed = reset(username=username or None, ip=address or None, ip_or_username=bool(username and address))
    record(Action.LOGIN_UNLOCKED, actor=actor, after={"username": username, "address": address})
    return removed
