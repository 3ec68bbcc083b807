"""Identity rules without Django: the French INS (NIR + key) and body measures.

INS: 13-character NIR + 2-digit key, key = 97 - (NIR mod 97), Corsica 2A/2B read as 19/18
(domain/identifiers.md; python-stdnum's stdnum.fr.nir implements it).
"""

from datetime import date
from decimal import Decimal
from enum import StrEnum
import math
import re
import unicodedata

from stdnum import exceptions as stdnum_errors
from stdnum.fr import nir


class InsProblem(StrEnum):
    FORMAT = "format"
    LENGTH = "length"
    KEY = "key"
    SEX = "sex"
    BIRTH_YEAR = "birth_year"
    BIRTH_MONTH = "birth_month"


class InvalidIns(ValueError):
    def __init__(self, problem: InsProblem):
        super().__init__(problem.value)
        self.problem = problem


# Latin letters that Unicode does not split into a base letter and an accent.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"ø": "o", "œ": "oe", "æ": "ae", "ð": "d", "þ": "th", "ł": "l",
                                                "đ": "d", "ı": "i"})


def search_key(*parts: str) -> str:
    """What a name is searched by: lower case, accents and punctuation gone, single spaces.

    "Lefèvre-Dupré, Zoé" and "lefevre dupre zoe" give the same key, so staff find a patient however they type.
    """
    text = unicodedata.normalize("NFKD", " ".join(parts)).casefold().translate(_LETTERS_WITHOUT_DECOMPOSITION)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(re.split(r"[\W_]+", text)).strip()


def compact_ins(value: str | None) -> str | None:
    """The INS as typed, without spaces or dots and in capitals; None when empty."""
    return nir.compact(value) or None if value else None


def normalise_ins(value: str) -> str:
    """The 15-character INS with spaces and dots removed, or InvalidIns naming the problem."""
    try:
        return nir.validate(value)
    except stdnum_errors.InvalidLength:
        raise InvalidIns(InsProblem.LENGTH) from None
    except stdnum_errors.InvalidChecksum:
        raise InvalidIns(InsProblem.KEY) from None
    except stdnum_errors.ValidationError:
        raise InvalidIns(InsProblem.FORMAT) from None


# First NIR digit: 1 man, 2 woman (INSEE). Other digits are temporary numbers: not checked.
_SEX_DIGIT = {"1": "M", "2": "F"}


def format_ins(ins: str) -> str:
    return nir.format(ins)


def ins_identity_problem(ins: str, sex: str, birth_date: date) -> InsProblem | None:
    """Whether a valid INS disagrees with the sex or birth date it is attached to."""
    expected_sex = _SEX_DIGIT.get(ins[0])
    if expected_sex and sex in {"M", "F"} and sex != expected_sex:
        return InsProblem.SEX
    if int(ins[1:3]) != birth_date.year % 100:
        return InsProblem.BIRTH_YEAR
    month = int(ins[3:5])
    # Months 20-42 and 50-99 stand for an unknown month of birth (INSEE): only 1-12 are compared.
    if 1 <= month <= 12 and month != birth_date.month:
        return InsProblem.BIRTH_MONTH
    return None


def make_ins(sex_digit: int, year: int, month: int, place: str, serial: int) -> str:
    """Build a valid INS from its parts (for demo and synthetic data, and tests)."""
    body = f"{sex_digit}{year % 100:02d}{month:02d}{place}{serial:03d}"
    return body + nir.calc_check_digits(body)


# Plausible body measures for children and adults receiving CAR-T (ALL is treated from infancy).
WEIGHT_KG_RANGE = (Decimal("2"), Decimal("350"))
HEIGHT_CM_RANGE = (Decimal("40"), Decimal("250"))


def body_surface_area_m2(weight_kg: float, height_cm: float) -> float:
    """Mosteller: BSA = sqrt(height cm × weight kg / 3600) (Mosteller, N Engl J Med 1987;317:1098)."""
    return math.sqrt(float(height_cm) * float(weight_kg) / 3600)
