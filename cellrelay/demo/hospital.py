"""The fictional demo hospital, shared by `seed_demo` and the tests' personas.

CHU de Montclair (fictional) treats; two fictional referring hospitals send patients in.
"""

from django.contrib.auth.hashers import make_password

from cellrelay.organisation.models import Center, Membership, Unit, User
from cellrelay.organisation.permissions import Role

DEMO_PASSWORD = "cellrelay-demo-2026"

TREATING = {"name": "CHU de Montclair", "short_name": "CHU Montclair", "city": "Montclair", "facility_id": "F9999",
            "emergency_phone": "01 99 00 10 00"}
REFERRING = [
    {"name": "Centre hospitalier de Val-d'Arve", "short_name": "CH Val-d'Arve", "city": "Val-d'Arve"},
    {"name": "Hôpital Saint-Lys", "short_name": "H. Saint-Lys", "city": "Saint-Lys"},
]
# Fictional numbers (the 01 99 00 xx xx range is reserved for fiction in France).
UNITS = [
    (Unit.Kind.APHERESIS, "Unité d'aphérèse", "01 99 00 10 01"),
    (Unit.Kind.PHARMACY, "Pharmacie à usage intérieur (PUI)", "01 99 00 10 02"),
    (Unit.Kind.TRANSPLANT, "Unité de greffe et thérapie cellulaire", "01 99 00 10 03"),
    (Unit.Kind.ICU, "Réanimation médicale", "01 99 00 10 04"),
    (Unit.Kind.NEUROLOGY, "Neurologie", "01 99 00 10 05"),
    (Unit.Kind.HAEMATOLOGY, "Hématologie clinique", "01 99 00 10 06"),
]

# username, first name, last name, role, unit kind (treating center unless marked referring)
STAFF = [
    ("coordinator", "Claire", "Martin", Role.COORDINATOR, Unit.Kind.HAEMATOLOGY),
    ("haematologist", "Paul", "Bernard", Role.HAEMATOLOGIST, Unit.Kind.HAEMATOLOGY),
    ("pharmacist", "Sophie", "Dubois", Role.PHARMACIST, Unit.Kind.PHARMACY),
    # A second pharmacist: the receipt of a product is verified by two people of the pharmacy.
    ("pharmacist2", "Julien", "Girard", Role.PHARMACIST, Unit.Kind.PHARMACY),
    ("apheresis", "Luc", "Thomas", Role.APHERESIS_NURSE, Unit.Kind.APHERESIS),
    ("wardnurse", "Emma", "Robert", Role.WARD_NURSE, Unit.Kind.TRANSPLANT),
    ("icu", "Hugo", "Richard", Role.ICU_PHYSICIAN, Unit.Kind.ICU),
    ("neurologist", "Léa", "Petit", Role.NEUROLOGIST, Unit.Kind.NEUROLOGY),
    ("research", "Nina", "Durand", Role.RESEARCH_ASSISTANT, Unit.Kind.HAEMATOLOGY),
    ("manager", "Marc", "Leroy", Role.PROGRAM_MANAGER, None),
    ("admin", "Alice", "Moreau", Role.ADMINISTRATOR, None),
]
# Machine accounts of the treating center, used through API tokens only (no password): a manufacturer's system
# (sees the products of its manufacturer, never a patient's identity) and the pharmacy's tank probe.
MACHINES = [
    ("kite-system", "Kite", "(system)", Role.MANUFACTURER, "Kite"),
    ("tank-probe", "Tank probe", "(PUI)", Role.TANK_PROBE, ""),
]
REFERRING_STAFF = [
    ("referrer", "Jean", "Simon", 0),
    ("referrer2", "Inès", "Laurent", 1),
]


def ensure_center(**fields) -> Center:
    center, _ = Center.objects.get_or_create(name=fields["name"], defaults=fields)
    return center


def ensure_user(username: str, first: str, last: str, password: str | None, hashed: dict | None = None) -> User:
    """The user, created with this password (``None``: no password, a machine signs in with a token only).
    `hashed`: {password: its hash} shared by the users of one build, so that the demo staff's one known password is
    hashed once, not once per user (Argon2 is slow on purpose: a second or more of a fresh seed_synthetic)."""
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
    if created:
        if password is None or hashed is None:
            user.set_password(password)  # None sets an unusable password
        else:
            if password not in hashed:
                hashed[password] = make_password(password)
            user.password = hashed[password]
        user.save()
    return user


def build_organisation(password: str = DEMO_PASSWORD) -> dict:
    """Centers, units and one user per role; idempotent. Returns the pieces by name."""
    treating = ensure_center(kind=Center.Kind.TREATING, **TREATING)
    referring = [ensure_center(kind=Center.Kind.REFERRING, **fields) for fields in REFERRING]
    units = {kind: Unit.objects.get_or_create(center=treating, kind=kind, defaults={"name": name, "phone": phone})[0]
             for kind, name, phone in UNITS}
    users, hashed = {}, {}
    for username, first, last, role, unit_kind in STAFF:
        user = ensure_user(username, first, last, password, hashed)
        Membership.objects.get_or_create(user=user, center=treating,
                                         defaults={"role": role, "unit": units.get(unit_kind)})
        users[username] = user
    for username, first, last, role, manufacturer in MACHINES:
        user = ensure_user(username, first, last, None)
        Membership.objects.get_or_create(user=user, center=treating,
                                         defaults={"role": role, "manufacturer": manufacturer})
        users[username] = user
    for username, first, last, index in REFERRING_STAFF:
        user = ensure_user(username, first, last, password, hashed)
        Membership.objects.get_or_create(user=user, center=referring[index],
                                         defaults={"role": Role.REFERRING_PHYSICIAN})
        users[username] = user
    return {"treating": treating, "referring": referring, "units": units, "users": users}
