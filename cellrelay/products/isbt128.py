"""Reading ISBT 128 codes scanned from a product label, or a DIN typed from it. No Django.

Source of every rule: ``shared/domain/identifiers.md`` (ICCBBA ST-001 v6.2.2, ST-028, IG-050;
JPAC Red Book Annex 2), cited below as "ids.md". ISBT 128 is licensed by ICCBBA: this module
checks the public structures only, it ships no product-code table.

Choices where ids.md is silent (each is marked "decision" where it is coded):

- Positions in messages are 1-based and count the data identifier (``=G1234…``: ``G`` is 2).
  For a typed DIN they count from the first DIN character.
- Surrounding white space (a scanner's CR/LF suffix) is ignored; any other character is read as is:
  a scanned lower-case letter is an illegal character.
- ``pppp`` of the FIN and ``oooo`` of the product description code are digits, ``yy`` and the DIN
  sequence are digits (as in ids.md); the chain of identity sequence is alphanumeric (ids.md).
- Dates: year = 2000 + 100 × c + yy (``c`` the century digit, so ``0`` is 2000-2099).
- The chain of identity check character covers the 15 characters after ``&/`` (``CH`` included).
- The SEC (``&,4``) is recognised but not parsed: ids.md does not say how ISBT 128 carries it,
  and it does not apply to ATMPs.
- A typed DIN must end with its boxed check character K: without K nothing catches a typo.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from cellrelay.textmarks import gettext_noop


# ids.md "Check character, ISO/IEC 7064 mod 37-2": 0-9 → 0-9, A-Z → 10-35, * → 36.
CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*"

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALPHANUMERIC = DIGITS + LETTERS
# ids.md DIN: α is one of A-N, P-Z, 1-9 (no letter O, no zero).
FIN_FIRST = LETTERS.replace("O", "") + DIGITS[1:]
# ids.md product code: division ``ds`` ("00" none); decision: letters of either case and digits.
DIVISION = ALPHANUMERIC + LETTERS.lower()

# ids.md product code: α = S cellular therapy, E/F blood, T tissue, Y clinical trials.
PRODUCT_CATEGORIES = {"S": "cellular_therapy", "E": "blood", "F": "blood", "T": "tissue", "Y": "clinical_trial"}

# Reasons a code is refused (InvalidCode.reason).
EMPTY = "empty"
UNKNOWN_DATA_IDENTIFIER = "unknown_data_identifier"
WRONG_LENGTH = "wrong_length"
ILLEGAL_CHARACTER = "illegal_character"
FIRST_CHARACTER_O_OR_ZERO = "first_character_o_or_zero"
BAD_FLAG = "bad_flag"
FLAG_CHECK_MISMATCH = "flag_check_mismatch"
KEYBOARD_CHECK_MISMATCH = "keyboard_check_mismatch"
IMPOSSIBLE_DATE = "impossible_date"

EXPECTED = {  # what a position accepts, for the "illegal character" message
    DIGITS: gettext_noop("Illegal character “%(character)s” at position %(position)d: a digit is expected."),
    ALPHANUMERIC: gettext_noop("Illegal character “%(character)s” at position %(position)d: "
                               "a capital letter or a digit is expected."),
    LETTERS: gettext_noop("Illegal character “%(character)s” at position %(position)d: a capital letter is expected."),
    FIN_FIRST: gettext_noop("Illegal character “%(character)s” at position %(position)d: "
                            "a capital letter other than O or a digit from 1 to 9 is expected."),
    DIVISION: gettext_noop("Illegal character “%(character)s” at position %(position)d: "
                           "a letter or a digit is expected."),
    CHECK_ALPHABET: gettext_noop("Illegal character “%(character)s” at position %(position)d: "
                                 "a check character is a capital letter, a digit or *."),
}


class InvalidCode(ValueError):
    """A scan or a typed code that cannot be read. ``field`` names the part at fault ("data" for the whole
    code, "facility", "flags", "date"…), ``reason`` is one of the reason constants above.

    ``message`` is the English msgid with %(name)s placeholders, ``params`` their values: the API layer
    translates ``message`` then formats it; ``str(error)`` is the English text.
    """

    def __init__(self, field_name: str, reason: str, message: str, **params):
        super().__init__(message % params)
        self.field = field_name
        self.reason = reason
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Structure:
    """One recognised data structure: its name ("din", "product_code"…) and what it holds."""

    name: str
    fields: dict = field(default_factory=dict)


# -- mod 37-2 ----------------------------------------------------------------------------------

def check_value(char: str) -> int:
    """The mod 37-2 value of a character (ids.md: 0-9 → 0-9, A-Z → 10-35, * → 36)."""
    if len(char) != 1 or char not in CHECK_ALPHABET:
        raise ValueError(f"{char!r} has no ISO/IEC 7064 mod 37-2 value")
    return CHECK_ALPHABET.index(char)


def checksum(data: str) -> int:
    """The mod 37-2 checksum, 0 to 36 (ids.md: p = ((p + value) * 2) % 37; checksum = (38 - p) % 37)."""
    p = 0
    for char in data:
        p = ((p + check_value(char)) * 2) % 37
    return (38 - p) % 37


def mod37_2(data: str) -> str:
    """The check character K: the character whose value is the checksum (ids.md)."""
    return CHECK_ALPHABET[checksum(data)]


def verify_check(data: str, check_char: str) -> bool:
    """Whether ``check_char`` is the mod 37-2 check character of ``data``."""
    try:
        return mod37_2(data) == check_char
    except ValueError:
        return False


def type3_flag(din: str) -> str:
    """The type 3 flag of a DIN: 60 + its mod 37-2 checksum (ids.md DIN flags)."""
    return str(60 + checksum(din))


# -- reading ------------------------------------------------------------------------------------

def _check_characters(text: str, layout, *, first_position: int) -> None:
    """Each character against its position's alphabet; ``layout`` is a list of (part, alphabet, count).

    An alphabet of one character is a literal (the ``CH`` of a chain of identity).
    """
    positions = [(part, alphabet) for part, alphabet, count in layout for _ in range(count)]
    for index, (char, (part, alphabet)) in enumerate(zip(text, positions, strict=True)):
        if char in alphabet:
            continue
        position = first_position + index
        if len(alphabet) == 1:
            raise InvalidCode(part, ILLEGAL_CHARACTER, gettext_noop(
                "Illegal character “%(character)s” at position %(position)d: “%(expected)s” is expected."),
                character=char, position=position, expected=alphabet)
        if alphabet == FIN_FIRST and char in "O0":
            _refuse_o_or_zero(position)
        raise InvalidCode(part, ILLEGAL_CHARACTER, EXPECTED[alphabet], character=char, position=position)


def _refuse_o_or_zero(position: int):
    # ids.md DIN: α is one of A-N, P-Z, 1-9 (no letter O, no zero).
    raise InvalidCode("facility", FIRST_CHARACTER_O_OR_ZERO, gettext_noop(
        "The first character of a facility identification number (position %(position)d) cannot be "
        "the letter O or the digit zero."), position=position)


def _check_length(text: str, expected: int, identifier: str) -> None:
    if len(text) != expected:
        raise InvalidCode("data", WRONG_LENGTH, gettext_noop(
            "Wrong length for data identifier %(identifier)s: %(expected)d characters expected, %(length)d read."),
            identifier=identifier, expected=expected, length=len(text))


def _flag_type(din: str, flags: str) -> str:
    """ids.md DIN flags: 00 unused; 01-04, 15-19 container (type 1); 20-59 local; 60-96 type 3 = 60 + checksum."""
    value = int(flags)
    if value == 0:
        return "unused"
    if 1 <= value <= 4 or 15 <= value <= 19:
        return "container"
    if 20 <= value <= 59:
        return "local"
    if 60 <= value <= 96:
        expected = type3_flag(din)
        if flags != expected:
            raise InvalidCode("flags", FLAG_CHECK_MISMATCH, gettext_noop(
                "The type 3 flag %(flags)s does not match the DIN %(din)s: 60 + its mod 37-2 checksum "
                "is %(expected)s. The label or the scan is corrupt."), flags=flags, din=din, expected=expected)
        return "check"
    raise InvalidCode("flags", BAD_FLAG, gettext_noop(
        "The flags %(flags)s mean nothing: ISBT 128 uses 00, 01-04, 15-19, 20-59 and 60-96."), flags=flags)


# ids.md DIN: αpppp FIN (5), yy year (2 digits), nnnnnn sequence (6 digits); then ff flags.
DIN_LAYOUT = [("facility", FIN_FIRST, 1), ("facility", DIGITS, 4), ("year", DIGITS, 2), ("sequence", DIGITS, 6)]
FLAGS_LAYOUT = [("flags", DIGITS, 2)]


def _din(din: str, flags: str | None) -> Structure:
    fields = {"din": din, "facility": din[:5], "year": din[5:7], "sequence": din[7:13],
              "check_character": mod37_2(din)}
    if flags is not None:
        fields["flags"] = flags
        fields["flag_type"] = _flag_type(din, flags)
    return Structure("din", fields)


def _read_din(text: str) -> Structure:
    _check_length(text, 16, "=")
    _check_characters(text[1:], DIN_LAYOUT + FLAGS_LAYOUT, first_position=2)
    return _din(text[1:14], text[14:16])


def _read_product_code(text: str) -> Structure:
    # ids.md product code =<αooootds: αoooo description code, t collection type, ds division.
    _check_length(text, 10, "=<")
    _check_characters(text[2:], [("description_code", LETTERS, 1), ("description_code", DIGITS, 4),
                                   ("collection_type", ALPHANUMERIC, 1), ("division", DIVISION, 2)], first_position=3)
    code = text[2:]
    return Structure("product_code", {
        "product_code": code, "description_code": code[:5], "category": PRODUCT_CATEGORIES.get(code[0]),
        "collection_type": code[5], "division": code[6:8], "divided": code[6:8] != "00"})


def _date(digits: str) -> date:
    """``cyyjjj``: century digit, 2-digit year, Julian day (ids.md); decision: year = 2000 + 100c + yy."""
    year, day = 2000 + int(digits[:3]), int(digits[3:6])
    days_in_year = 366 if calendar.isleap(year) else 365
    if day == 0:
        raise InvalidCode("date", IMPOSSIBLE_DATE, gettext_noop(
            "Day 000 does not exist: Julian days run from 001 to 365 (366 in a leap year)."))
    if day > days_in_year:
        raise InvalidCode("date", IMPOSSIBLE_DATE, gettext_noop(
            "Day %(day)s does not exist: %(year)d has %(days)d days."), day=digits[3:6], year=year, days=days_in_year)
    return date(year, 1, 1) + timedelta(days=day - 1)


def _read_date(text: str, name: str) -> Structure:
    _check_length(text, 8, text[:2])
    _check_characters(text[2:], [("date", DIGITS, 6)], first_position=3)
    day = _date(text[2:8])
    return Structure(name, {"date": day.isoformat(), "julian_day": int(text[5:8])})


def _read_datetime(text: str, name: str) -> Structure:
    # ids.md: cyyjjjhhmm, a date then hour and minute.
    _check_length(text, 12, text[:2])
    _check_characters(text[2:], [("date", DIGITS, 6), ("time", DIGITS, 4)], first_position=3)
    day = _date(text[2:8])
    hour, minute = int(text[8:10]), int(text[10:12])
    if hour > 23 or minute > 59:
        raise InvalidCode("time", IMPOSSIBLE_DATE, gettext_noop(
            "%(time)s is not a time of day: hours run from 00 to 23, minutes from 00 to 59."),
            time=f"{text[8:10]}:{text[10:12]}")
    moment = datetime(day.year, day.month, day.day, hour, minute)
    return Structure(name, {"datetime": moment.isoformat(timespec="minutes"), "julian_day": int(text[5:8])})


def _read_chain_of_identity(text: str) -> Structure:
    # ids.md data structure 040 &/CHαppppyynnnnnn: literal CH, FIN (5), year (2), 6 alphanumeric characters.
    _check_length(text, 17, "&/")
    layout = [("data_identifier", "C", 1), ("data_identifier", "H", 1), ("facility", FIN_FIRST, 1),
              ("facility", DIGITS, 4), ("year", DIGITS, 2), ("sequence", ALPHANUMERIC, 6)]
    _check_characters(text[2:], layout, first_position=3)
    identifier = text[2:]
    return Structure("chain_of_identity", {
        "chain_of_identity": identifier, "facility": identifier[2:7], "year": identifier[7:9],
        "sequence": identifier[9:15], "check_character": mod37_2(identifier)})


def _read_sec(text: str) -> Structure:
    # ids.md: &,4 SEC; 40 characters; it does not apply to ATMPs. Recognised, not parsed (decision).
    return Structure("sec", {"value": text[3:], "note": gettext_noop(
        "Single European Code: recognised, not checked. It does not apply to commercial CAR-T products.")})


# ids.md "Other data identifiers" and the DIN, product code and chain of identity structures.
READERS = {
    "=<": _read_product_code,
    "=>": lambda text: _read_date(text, "expiry_date"),
    "&>": lambda text: _read_datetime(text, "expiry_datetime"),
    "=*": lambda text: _read_date(text, "collection_date"),
    "&*": lambda text: _read_datetime(text, "collection_datetime"),
    "=}": lambda text: _read_date(text, "production_date"),
    "&}": lambda text: _read_datetime(text, "production_datetime"),
    "&/": _read_chain_of_identity,
}


def parse(scanned: str) -> Structure:
    """The data structure a scanned string holds, recognised by its data identifier; InvalidCode if unreadable."""
    text = scanned.strip()  # decision: a scanner's CR/LF suffix is not part of the code
    if not text:
        raise InvalidCode("data", EMPTY, gettext_noop("Nothing was scanned."))
    if text[:2] in READERS:
        return READERS[text[:2]](text)
    if text.startswith("&,4"):
        return _read_sec(text)
    if text[0] == "=" and len(text) > 1 and text[1] in FIN_FIRST:
        return _read_din(text)
    if text[0] == "=" and len(text) > 1 and text[1] in "O0":
        _refuse_o_or_zero(2)
    raise InvalidCode("data_identifier", UNKNOWN_DATA_IDENTIFIER, gettext_noop(
        "Unknown data identifier “%(identifier)s”: an ISBT 128 code starts with = or & and a known second "
        "character."), identifier=text[:2])


def parse_manual_din(text: str) -> Structure:
    """A DIN typed from the eye-readable label, ending with its boxed check character K (ids.md).

    Decision: K is required (it is the only guard against a typo); the flags may be typed between
    the DIN and K. Spaces and hyphens are ignored, letters are read in capitals and a leading "="
    is allowed. Accepted: 13 DIN characters + K, or 13 + 2 flag digits + K.
    """
    typed = "".join(text.split()).replace("-", "").upper()
    typed = typed.removeprefix("=")
    if not typed:
        raise InvalidCode("data", EMPTY, gettext_noop("Nothing was typed."))
    if typed[0] in "O0":
        _refuse_o_or_zero(1)
    if len(typed) not in (14, 16):
        raise InvalidCode("data", WRONG_LENGTH, gettext_noop(
            "A typed DIN has 13 characters, optionally the 2 flag digits, then the check character: "
            "14 or 16 characters expected, %(length)d typed."), length=len(typed))
    layout = DIN_LAYOUT + (FLAGS_LAYOUT if len(typed) == 16 else []) + [("check_character", CHECK_ALPHABET, 1)]
    _check_characters(typed, layout, first_position=1)
    din, typed_check = typed[:13], typed[-1]
    if not verify_check(din, typed_check):
        # The expected K is not given: it would invite correcting K instead of the mistyped DIN.
        raise InvalidCode("check_character", KEYBOARD_CHECK_MISMATCH, gettext_noop(
            "The check character %(check)s does not match the DIN %(din)s: a character was mistyped. "
            "Read the label again."), check=typed_check, din=din)
    return _din(din, typed[13:15] if len(typed) == 16 else None)


# -- assigning ------------------------------------------------------------------------------------

SEQUENCE_EXHAUSTED = "sequence_exhausted"
LAST_SEQUENCE = 999_999  # ids.md DIN: nnnnnn, 6 digits


def scanner_din(din: str) -> str:
    """A DIN as the scanner reads it from a label without flags: ``=`` + the 13 characters + ``00``."""
    return f"={din}00"


def next_din(facility: str, year: int, highest_sequence: int | None) -> str:
    """The DIN after the highest sequence a facility used in a year, as a scanner reads it: ``=``, the 13
    characters, flags ``00`` (ids.md: ``=αppppyynnnnnnff``; 00 = flags unused).

    ``year`` is the full year (2026 → ``26``); ``highest_sequence`` None when none was used that year.
    InvalidCode when the facility number cannot start a DIN, or the year's sequences are all used.
    """
    if len(facility) != 5:
        raise InvalidCode("facility", WRONG_LENGTH, gettext_noop(
            "A facility identification number has 5 characters, %(length)d given."), length=len(facility))
    _check_characters(facility, DIN_LAYOUT[:2], first_position=1)
    sequence = (highest_sequence or 0) + 1
    if sequence > LAST_SEQUENCE:
        raise InvalidCode("sequence", SEQUENCE_EXHAUSTED, gettext_noop(
            "Every DIN sequence of %(facility)s for %(year)d is used."), facility=facility, year=year)
    return scanner_din(f"{facility}{year % 100:02d}{sequence:06d}")
