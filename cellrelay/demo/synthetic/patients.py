"""Realistic synthetic patients as plain dicts, for `seed_synthetic` and benchmarks. No Django here.

Every draw comes from the `random.Random` passed in, so that a seed reproduces the same patients.
"""

from bisect import bisect_right
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
import random

from cellrelay.patients.identity import HEIGHT_CM_RANGE, WEIGHT_KG_RANGE, make_ins, search_key

FAMILY_NAMES = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefevre", "Faure", "Andre",
    "Mercier", "Blanc", "Guerin", "Boyer", "Garnier", "Chevalier", "Francois", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clement", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noel", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Riviere", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
]
GIVEN_NAMES = {
    "F": ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Martine", "Christine", "Françoise",
          "Valérie", "Sandrine", "Monique", "Nicole", "Sophie", "Céline", "Chantal", "Véronique", "Anne",
          "Julie", "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Jade", "Louise", "Alice", "Lina"],
    "M": ["Jean", "Philippe", "Michel", "Alain", "Patrick", "Nicolas", "Christophe", "Pierre", "Christian",
          "Éric", "Frédéric", "Laurent", "Stéphane", "David", "Pascal", "Daniel", "Thierry", "Bernard",
          "Julien", "Thomas", "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Nathan", "Léo"],
}
# Department code (as in the INS birth place), a town and its postcode.
DEPARTMENTS = [
    ("01", "Bourg-en-Bresse", "01000"), ("03", "Vichy", "03200"), ("06", "Nice", "06000"),
    ("13", "Marseille", "13005"), ("15", "Aurillac", "15000"), ("2A", "Ajaccio", "20000"),
    ("2B", "Bastia", "20200"), ("21", "Dijon", "21000"), ("29", "Brest", "29200"),
    ("31", "Toulouse", "31000"), ("33", "Bordeaux", "33000"), ("34", "Montpellier", "34000"),
    ("35", "Rennes", "35000"), ("38", "Grenoble", "38000"), ("42", "Saint-Étienne", "42000"),
    ("43", "Le Puy-en-Velay", "43000"), ("44", "Nantes", "44000"), ("49", "Angers", "49000"),
    ("54", "Nancy", "54000"), ("59", "Lille", "59000"), ("63", "Clermont-Ferrand", "63000"),
    ("63", "Riom", "63200"), ("63", "Issoire", "63500"), ("67", "Strasbourg", "67000"),
    ("69", "Lyon", "69003"), ("75", "Paris", "75013"), ("76", "Rouen", "76000"),
    ("87", "Limoges", "87000"), ("92", "Nanterre", "92000"), ("93", "Saint-Denis", "93200"),
]
STREETS = [
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta", "rue Pasteur",
    "place de l'Église", "rue des Tilleuls", "chemin des Vignes", "allée des Peupliers", "rue du Moulin",
]
# An adult's caregiver, spouse most often; the relationship fixes the caregiver's sex when it can.
ADULT_CAREGIVERS = ["spouse", "spouse", "spouse", "partner", "daughter", "son", "sister", "brother"]
RELATIONSHIP_SEX = {"daughter": "F", "sister": "F", "son": "M", "brother": "M"}

# Growth and ageing, by age: mean height (cm) for F and M, and mean body-mass index (kg/m²).
# Linear between the points; rough French figures, enough for plausible doses of body surface area.
_BODY_BY_AGE = [
    (3, 95, 96, 16.0), (6, 115, 116, 15.5), (10, 138, 138, 17.0), (14, 160, 164, 19.5),
    (18, 164, 176, 21.5), (40, 164, 176, 25.0), (80, 160, 172, 25.5),
]
_BODY_AGES = [point[0] for point in _BODY_BY_AGE]

NO_INS_SHARE = 0.05
REFERRED_SHARE = 1 / 3
CONSENT_SHARE = 0.90


def draw_age(rng: random.Random) -> int:
    """Mostly lymphoma and myeloma patients aged 40-80; some children and young adults with B-ALL."""
    group = rng.random()
    if group < 0.10:
        return rng.randint(3, 25)
    if group < 0.15:
        return rng.randint(26, 39)
    return round(rng.triangular(40, 80, 64))


def birth_date_for(rng: random.Random, age: int, today: date) -> date:
    """A birth date making the patient `age` years old today."""
    last_birthday = today - timedelta(days=rng.randint(0, 364))
    if (last_birthday.month, last_birthday.day) == (2, 29):
        last_birthday -= timedelta(days=1)  # 29 February exists only in leap years
    return last_birthday.replace(year=last_birthday.year - age)


def _body_means(age: int, sex: str) -> tuple[float, float]:
    """Mean height (cm) and body-mass index for the age and sex, interpolated in _BODY_BY_AGE."""
    age = min(max(age, _BODY_AGES[0]), _BODY_AGES[-1])
    upper = min(bisect_right(_BODY_AGES, age), len(_BODY_BY_AGE) - 1)
    (age0, f0, m0, bmi0), (age1, f1, m1, bmi1) = _BODY_BY_AGE[upper - 1], _BODY_BY_AGE[upper]
    share = (age - age0) / (age1 - age0)
    height0, height1 = (f0, f1) if sex == "F" else (m0, m1)
    return height0 + share * (height1 - height0), bmi0 + share * (bmi1 - bmi0)


def _one_decimal(value: float, bounds: tuple[Decimal, Decimal]) -> Decimal:
    return min(max(Decimal(str(round(value, 1))), bounds[0]), bounds[1])


def draw_measures(rng: random.Random, age: int, sex: str) -> tuple[Decimal, Decimal]:
    """Weight (kg) and height (cm), one decimal place, plausible for the age and sex."""
    mean_height, mean_bmi = _body_means(age, sex)
    height_cm = rng.gauss(mean_height, mean_height * 0.04)
    # Clamped so that no draw gives a cachectic or implausibly obese patient.
    bmi = min(max(rng.gauss(mean_bmi, mean_bmi * 0.15), mean_bmi * 0.7), mean_bmi * 1.6)
    weight_kg = bmi * (height_cm / 100) ** 2
    return _one_decimal(weight_kg, WEIGHT_KG_RANGE), _one_decimal(height_cm, HEIGHT_CM_RANGE)


def draw_ins(rng: random.Random, sex: str, birth: date, taken: set[str]) -> str:
    """A valid INS for the sex and birth date that is not in `taken`; it is added to `taken`.

    Birth place (department + commune) and serial are random: about 10^8 choices per sex and month
    of birth, so a redraw is rare, and the check against `taken` makes a duplicate impossible.
    """
    while True:
        place = f"{rng.choice(DEPARTMENTS)[0]}{rng.randint(1, 999):03d}"
        ins = make_ins(1 if sex == "M" else 2, birth.year, birth.month, place, rng.randint(1, 999))
        if ins not in taken:
            taken.add(ins)
            return ins


def draw_phone(rng: random.Random) -> str:
    """A French mobile number (06 or 07, then eight digits drawn at once: the same numbers as digit by digit, at a
    fifth of the draws)."""
    digits = f"{rng.randrange(100_000_000):08d}"
    return f"0{rng.choice('67')} {digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"


# The names come from short lists: each pair's search key is made once (patients.identity's rule).
names_search_key = lru_cache(maxsize=65_536)(search_key)


def draw_caregiver(rng: random.Random, family_name: str, age: int) -> dict:
    """The person to call: a parent for a child or young adult, otherwise mostly the spouse."""
    relationship = "parent" if age < 26 else rng.choice(ADULT_CAREGIVERS)
    sex = RELATIONSHIP_SEX.get(relationship) or rng.choice("FM")
    return {
        "name": f"{rng.choice(GIVEN_NAMES[sex])} {family_name}",
        "relationship": relationship,
        "phone": draw_phone(rng),
    }


def patient(rng: random.Random, today: date, taken_ins: set[str]) -> dict:
    """One synthetic patient: the Patient `fields`, whether `referred`, a `caregiver` and `consent_on`.

    `taken_ins` holds every INS already in use; the new one, if any, is added to it.
    `consent_on` is the date of the registry consent, or None when none was given.
    """
    sex = rng.choice("FM")
    age = draw_age(rng)
    birth = birth_date_for(rng, age, today)
    weight_kg, height_cm = draw_measures(rng, age, sex)
    family_name = rng.choice(FAMILY_NAMES)
    given_names = rng.choice(GIVEN_NAMES[sex])
    _department, city, postcode = rng.choice(DEPARTMENTS)
    fields = {
        "family_name": family_name,
        "given_names": given_names,
        # What name searches read, as the patients services keep it (written here in bulk, past the services).
        "search_key": names_search_key(family_name, given_names),
        "search_key_given_first": names_search_key(given_names, family_name),
        "sex": sex,
        "birth_date": birth,
        "ins": None if rng.random() < NO_INS_SHARE else draw_ins(rng, sex, birth, taken_ins),
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "measured_on": today - timedelta(days=rng.randint(0, 60)),
        "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        "postcode": postcode,
        "city": city,
        "phone": draw_phone(rng),
    }
    return {
        "fields": fields,
        "referred": rng.random() < REFERRED_SHARE,
        "caregiver": draw_caregiver(rng, family_name, age),
        "consent_on": today - timedelta(days=rng.randint(1, 90)) if rng.random() < CONSENT_SHARE else None,
    }
