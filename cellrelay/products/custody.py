"""What every handover of the cells shares, for the services of products and pharmacy alike: reading a scanned
code and checking it against a product (a hard stop keeps its deviation), the bag's row lock, the electronic
signatures (one person, or two for a two-person verification), and the journal entries that go with them.

Nothing here is a step of the chain by itself: the services call these inside their own step.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import record_for_patient
from cellrelay.organisation import access
from cellrelay.organisation.models import Membership
from cellrelay.organisation.permissions import Action as PermissionAction
from cellrelay.pathway.models import Episode

from . import isbt128
from .models import Bag, Deviation, Identifier, Product

Action = JournalEntry.Action
Scheme = Identifier.Scheme

# Meaning of the second person's electronic signature (regulation.md), stored in English, shown translated.
VERIFIED = gettext_noop("verified")


# Journal -------------------------------------------------------------------------------------------------

def journal(action, episode: Episode, obj, *, actor, before=None, after=None) -> None:
    """A journal entry about an object of the episode's chain, scoped to its patient."""
    record_for_patient(action, episode.patient, actor=actor, obj=obj, before=before, after=after)


# Scans ---------------------------------------------------------------------------------------------------

def invalid_code(field: str, error: isbt128.InvalidCode) -> ValidationError:
    """An unreadable ISBT 128 code, said in the user's language under ``field``."""
    return ValidationError({field: [_(error.message) % error.params]})


def read_din(scanned: str, field: str) -> str:
    """The 13 characters of a scanned DIN (``=`` data identifier, flags optional); ValidationError otherwise."""
    try:
        structure = isbt128.parse(scanned)
    except isbt128.InvalidCode as error:
        raise invalid_code(field, error) from None
    if structure.name != "din":
        raise ValidationError({field: _("This is not a donation identification number (DIN): scan the DIN, "
                                        "it starts with “=” and a letter or a digit.")})
    return structure.fields["din"]


@dataclass(frozen=True)
class Scan:
    raw: str
    scheme: str
    value: str


def read_scan(raw: str) -> Scan:
    """An ISBT 128 code (``=``/``&``) is parsed and compared by its identifier; anything else is taken as a
    manufacturer's number, compared as text."""
    text = raw.strip()
    if not text:
        raise ValidationError({"scanned": _("A scan is empty.")})
    if text[0] not in "=&":
        return Scan(text, Scheme.MANUFACTURER, text)
    try:
        structure = isbt128.parse(text)
    except isbt128.InvalidCode as error:
        raise invalid_code("scanned", error) from None
    if structure.name == "din":
        return Scan(text, Scheme.DIN, structure.fields["din"])
    if structure.name == "chain_of_identity":
        return Scan(text, Scheme.COI_ISBT, structure.fields["chain_of_identity"])
    raise ValidationError({"scanned": _("%(code)s is not an identifier: scan the DIN, the chain of identity or "
                                        "the manufacturer's number.") % {"code": text}})


def expected_identifiers(product: Product) -> str:
    """The product's identifiers as a refusal names them: “DIN …, Chain of identity …”."""
    return ", ".join(f"{identifier.get_scheme_display()} {identifier.value}"
                     for identifier in product.identifiers.all())


@transaction.atomic
def record_identity_deviations(*, actor, product: Product, mismatches: list[tuple[Scan, Product | None]]) -> None:
    """Committed on its own, before the step is refused: the hard stop leaves its trace. Each mismatch is a scan
    and the product it belongs to (another patient's), or None when it matches no product."""
    episode = product.episode
    expected = expected_identifiers(product)
    for scan, other in mismatches:
        deviation = Deviation.objects.create(
            episode=episode, product=product, other_product=other, kind=Deviation.Kind.IDENTITY_MISMATCH,
            expected=expected[:500], scanned=scan.raw[:500], actor=actor,
            description="belongs to another product" if other else "matches no product")
        journal(Action.DEVIATION_RECORDED, episode, deviation, actor=actor, after={
            "kind": deviation.kind, "expected": deviation.expected, "scanned": deviation.scanned,
            "other_product": other.pk if other else None})


def verify_bag_scan(*, actor, bag: Bag, scanned_bag_code: str) -> Scan:
    """The scanned code is an identifier of the bag's product; a hard stop otherwise.

    The deviation of a hard stop is committed on its own transaction before the ValidationError: call this
    outside any transaction that the refusal rolls back. Every handling of a bag checks its scan here: the
    storage, the dispensing and the bedside check.
    """
    try:
        scan = read_scan(scanned_bag_code or "")
    except ValidationError as error:
        raise ValidationError({"scanned_bag_code": error.message_dict["scanned"]}) from None
    product = Product.objects.select_related("episode__patient").get(pk=bag.product_id)
    if product.identifiers.filter(scheme=scan.scheme, value=scan.value).exists():
        return scan
    other = Identifier.objects.filter(scheme=scan.scheme, value=scan.value).select_related("product").first()
    other_product = other.product if other else None
    record_identity_deviations(actor=actor, product=product, mismatches=[(scan, other_product)])
    message = (_("HARD STOP — %(scanned)s belongs to another patient's product, not to bag %(bag)s. Expected: "
                 "%(expected)s. Put the bag aside; the deviation is recorded.") if other_product else
               _("HARD STOP — %(scanned)s is not an identifier of bag %(bag)s. Expected: %(expected)s. Put the "
                 "bag aside; the deviation is recorded."))
    raise ValidationError({"scanned_bag_code": message % {
        "scanned": scan.raw, "bag": bag.number, "expected": expected_identifiers(product)}})


# The bag's row lock ----------------------------------------------------------------------------------------

def lock_bag(bag: Bag) -> Bag:
    """The bag read again inside a lock of its row: a step reads its status, position and times under this lock,
    so that two people handling the same bag at the same moment give one success and one refusal."""
    # of=("self",): lock the bag row only, not the product, episode and patient joined to it.
    return (Bag.objects.select_for_update(of=("self",))
            .select_related("product__episode__patient", "product__episode__template", "dispensed_by")
            .get(pk=bag.pk))


# Electronic signatures -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    """A signature whose password was re-checked: the signer, the meaning (English msgid) and the time."""

    user: object
    meaning: str
    at: datetime


def sign(*, user, password: str, meaning: str, field: str = "password") -> Signature:
    """The electronic signature (regulation.md): the signer re-enters their password at each signing; a refusal
    is filed under ``field`` (the form's password field).

    Nothing is written: the service that asked for the signature journals it with its record (``journal_signature``).
    """
    if not user.is_active or not password or not user.check_password(password):
        raise ValidationError({field: _("The password is wrong: the signature is refused.")})
    return Signature(user=user, meaning=meaning, at=timezone.now())


def sign_with_second_person(*, actor, actor_password: str, meaning: str, second_person, second_password: str,
                            same_person: str, verifies: PermissionAction,
                            center_id: int) -> tuple[Signature, Signature]:
    """Two-person verification: two different people, each re-entering a password (regulation.md, Annex 11).

    The second person is a member of the patient's treating center (``center_id``) whose role the permission table
    allows the step (``verifies``): the pharmacy at the receipt, those who give the product at the bedside; never
    a role without it (an administrator, a manager…) nor staff of another center. Refusals name the field at
    fault; ``same_person`` says why one person cannot sign twice here.
    """
    if second_person is None or second_person.pk == actor.pk:
        raise ValidationError({"second_person": same_person})
    if not access.can(second_person, verifies, center_id):
        roles = ", ".join(str(Membership.ROLE_LABELS[role]) for role in access.roles_allowed(verifies))
        raise ValidationError({"second_person": _(
            "%(who)s may not verify this step: the second person is a member of the patient's treating center "
            "whose role does this step (%(roles)s).") % {
                "who": second_person.get_full_name() or second_person.get_username(), "roles": roles}})
    return (sign(user=actor, password=actor_password, meaning=meaning, field="actor_password"),
            sign(user=second_person, password=second_password, meaning=VERIFIED, field="second_password"))


def journal_signature(signature: Signature, episode: Episode, obj) -> None:
    """The signature's own journal entry, in the name of its signer, about the record it signs."""
    journal(Action.SIGNED, episode, obj, actor=signature.user, after={
        "meaning": signature.meaning, "signer": signature.user.get_full_name() or signature.user.get_username(),
        "signed_at": signature.at})
