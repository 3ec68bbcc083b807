"""ISBT 128: the mod 37-2 check character, the DIN and its flags, the other data structures, typed DINs."""

import calendar
import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cellrelay.products import isbt128
from cellrelay.products.isbt128 import InvalidCode, parse, parse_manual_din

DIGITS = "0123456789"
FIN_FIRST = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"  # identifiers.md: A-N, P-Z, 1-9

dins = st.builds(lambda first, rest: first + "".join(rest), st.sampled_from(FIN_FIRST),
                 st.lists(st.sampled_from(DIGITS), min_size=12, max_size=12))
check_strings = st.text(alphabet=isbt128.CHECK_ALPHABET, min_size=1, max_size=40)


def refused(text, reason, *, manual=False):
    with pytest.raises(InvalidCode) as caught:
        (parse_manual_din if manual else parse)(text)
    assert caught.value.reason == reason, str(caught.value)
    return caught.value


# -- worked examples of identifiers.md ---------------------------------------------------------

def test_worked_example_g1234():
    assert isbt128.checksum("G123417654321") == 10
    assert isbt128.mod37_2("G123417654321") == "A"
    assert isbt128.type3_flag("G123417654321") == "70"
    assert parse("=G12341765432170").fields == {
        "din": "G123417654321", "facility": "G1234", "year": "17", "sequence": "654321", "check_character": "A",
        "flags": "70", "flag_type": "check"}


def test_worked_example_a9999():
    assert isbt128.checksum("A999921123456") == 3
    assert isbt128.mod37_2("A999921123456") == "3"
    assert parse("=A99992112345663").fields["flag_type"] == "check"


def test_worked_example_product_code():
    structure = parse("=<S12954A0")
    assert structure.name == "product_code"
    assert structure.fields == {"product_code": "S12954A0", "description_code": "S1295",
                                "category": "cellular_therapy", "collection_type": "4", "division": "A0",
                                "divided": True}


def test_check_values():
    assert [isbt128.check_value(c) for c in "09AZ*"] == [0, 9, 10, 35, 36]
    for bad in ("a", "O0", "", "-", " "):
        with pytest.raises(ValueError):
            isbt128.check_value(bad)
    assert isbt128.verify_check("G123417654321", "A")
    assert not isbt128.verify_check("G123417654321", "B")
    assert not isbt128.verify_check("G123417654321", "a")


# -- properties of mod 37-2 --------------------------------------------------------------------

@given(check_strings)
def test_a_computed_check_character_always_verifies(data):
    assert isbt128.verify_check(data, isbt128.mod37_2(data))
    assert 0 <= isbt128.checksum(data) <= 36


@given(dins, st.integers(0, 12), st.sampled_from(isbt128.CHECK_ALPHABET))
def test_any_single_substitution_in_a_din_is_detected(din, position, replacement):
    assume(din[position] != replacement)
    changed = din[:position] + replacement + din[position + 1:]
    assert not isbt128.verify_check(changed, isbt128.mod37_2(din))


def test_every_single_substitution_of_the_worked_example_is_detected():
    din, k = "G123417654321", "A"
    for position in range(13):
        for replacement in isbt128.CHECK_ALPHABET:
            if replacement != din[position]:
                assert not isbt128.verify_check(din[:position] + replacement + din[position + 1:], k)


@given(dins, st.integers(0, 11))
def test_any_adjacent_transposition_in_a_din_is_detected(din, position):
    assume(din[position] != din[position + 1])
    swapped = din[:position] + din[position + 1] + din[position] + din[position + 2:]
    assert not isbt128.verify_check(swapped, isbt128.mod37_2(din))


@given(dins)
def test_a_din_with_its_type_3_flag_parses(din):
    structure = parse(f"={din}{isbt128.type3_flag(din)}")
    assert structure.name == "din"
    assert structure.fields["din"] == din
    assert structure.fields["flag_type"] == "check"
    assert structure.fields["check_character"] == isbt128.mod37_2(din)


@given(dins, st.integers(0, 12), st.data())
def test_changing_any_din_character_breaks_its_type_3_flag(din, position, data):
    replacement = data.draw(st.sampled_from(FIN_FIRST if position == 0 else DIGITS))
    assume(replacement != din[position])
    changed = din[:position] + replacement + din[position + 1:]
    error = refused(f"={changed}{isbt128.type3_flag(din)}", isbt128.FLAG_CHECK_MISMATCH)
    assert error.field == "flags"
    assert error.params == {"flags": isbt128.type3_flag(din), "din": changed, "expected": isbt128.type3_flag(changed)}


# -- the DIN and its flags ----------------------------------------------------------------------

@pytest.mark.parametrize("flags, flag_type", [
    ("00", "unused"), ("01", "container"), ("04", "container"), ("15", "container"), ("19", "container"),
    ("20", "local"), ("59", "local"), ("70", "check"),
])
def test_flag_types(flags, flag_type):
    assert parse(f"=G123417654321{flags}").fields["flag_type"] == flag_type


@pytest.mark.parametrize("flags", ["05", "10", "14", "97", "99"])
def test_flags_outside_the_ranges_are_refused(flags):
    error = refused(f"=G123417654321{flags}", isbt128.BAD_FLAG)
    assert error.field == "flags" and flags in str(error)


@pytest.mark.parametrize("flags", ["60", "69", "71", "96"])
def test_a_type_3_flag_must_be_60_plus_the_checksum(flags):
    error = refused(f"=G123417654321{flags}", isbt128.FLAG_CHECK_MISMATCH)
    assert str(error) == (f"The type 3 flag {flags} does not match the DIN G123417654321: 60 + its mod 37-2 "
                          "checksum is 70. The label or the scan is corrupt.")


def test_a_scanners_line_ending_is_ignored():
    assert parse(" =G12341765432100\r\n").fields["din"] == "G123417654321"


@pytest.mark.parametrize("scan, position", [("=O12341765432100", 2), ("=012341765432100", 2),
                                            ("&/CHO123426AB12C3", 5), ("&/CH0123426AB12C3", 5)])
def test_the_letter_o_or_zero_cannot_start_a_facility_number(scan, position):
    error = refused(scan, isbt128.FIRST_CHARACTER_O_OR_ZERO)
    assert error.params == {"position": position}


@pytest.mark.parametrize("scan", ["=G1234176543210", "=G123417654321000", "=G", "=<S12954A", "=<S12954A00",
                                  "=>02603", "=>0260321", "&>026032143", "&>02603214300", "=*0260", "&*026032",
                                  "=}02603200", "&}02603214", "&/CHG123426AB12C", "&/CHG123426AB12C3K"])
def test_wrong_lengths(scan):
    refused(scan, isbt128.WRONG_LENGTH)


@pytest.mark.parametrize("scan, position, character", [
    ("=G1234176543X100", 13, "X"),  # sequence: digits
    ("=GA2341765432100", 3, "A"),  # FIN pppp: digits
    ("=G1234A765432100", 7, "A"),  # year: digits
    ("=G123417654321 0", 15, " "),  # flags: digits
    ("=<s12954A0", 3, "s"),  # description code: a capital letter
    ("=<S1A954A0", 5, "A"),
    ("=<S1295a40", 8, "a"),  # collection type: capital or digit
    ("=<S12954A-", 10, "-"),  # division
    ("=>02A032", 5, "A"),
    ("&>0260321A30", 10, "A"),
    ("&/CXG123426AB12C3", 4, "X"),  # the literal CH
    ("&/CHG1234260b12C3", 13, "b"),  # sequence: capitals and digits
    ("&/CH%123426AB12C3", 5, "%"),
])
def test_illegal_characters_are_located(scan, position, character):
    error = refused(scan, isbt128.ILLEGAL_CHARACTER)
    assert (error.params["position"], error.params["character"]) == (position, character)
    assert f"position {position}" in str(error)


@pytest.mark.parametrize("scan", ["G12341765432100", "=g12341765432100", "=a", "&x0260321430", "&,1abc", "#",
                                  "=", "&"])
def test_unknown_data_identifiers(scan):
    error = refused(scan, isbt128.UNKNOWN_DATA_IDENTIFIER)
    assert error.field == "data_identifier"


@pytest.mark.parametrize("scan", ["", "   ", "\r\n"])
def test_an_empty_scan(scan):
    refused(scan, isbt128.EMPTY)


# -- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scan, expected", [
    ("=>026001", "2026-01-01"), ("=>026032", "2026-02-01"), ("=>025365", "2025-12-31"),
    ("=>024060", "2024-02-29"), ("=>025060", "2025-03-01"), ("=>024366", "2024-12-31"),
    ("=>000366", "2000-12-31"),  # 2000 is a leap year
    ("=>099001", "2099-01-01"), ("=>100001", "2100-01-01"),  # the century digit: year = 2000 + 100c + yy
])
def test_julian_days(scan, expected):
    assert parse(scan).fields == {"date": expected, "julian_day": int(scan[-3:])}


@pytest.mark.parametrize("scan", ["=>026000", "=>025366", "=>024367", "=>100366", "=>026999"])
def test_impossible_days(scan):
    error = refused(scan, isbt128.IMPOSSIBLE_DATE)
    assert error.field == "date"


@pytest.mark.parametrize("scan", ["&>0260322400", "&>0260321460", "&*0260329999"])
def test_impossible_times(scan):
    error = refused(scan, isbt128.IMPOSSIBLE_DATE)
    assert error.field == "time"


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2999, 12, 31)), st.integers(0, 23),
       st.integers(0, 59))
def test_every_date_and_time_reads_back(day, hour, minute):
    julian = day.timetuple().tm_yday
    code = f"{day.year - 2000:03d}{julian:03d}"
    assert parse(f"=*{code}").fields["date"] == day.isoformat()
    moment = dt.datetime(day.year, day.month, day.day, hour, minute)
    assert parse(f"&}}{code}{hour:02d}{minute:02d}").fields == {
        "datetime": moment.isoformat(timespec="minutes"), "julian_day": julian}
    assert calendar.isleap(day.year) or julian <= 365


@pytest.mark.parametrize("scan, name", [
    ("=>026032", "expiry_date"), ("&>0260321430", "expiry_datetime"), ("=*026032", "collection_date"),
    ("&*0260321430", "collection_datetime"), ("=}026032", "production_date"), ("&}0260321430", "production_datetime"),
])
def test_each_date_structure_is_named(scan, name):
    assert parse(scan).name == name


# -- product code, chain of identity, SEC -------------------------------------------------------

@pytest.mark.parametrize("code, category", [("S", "cellular_therapy"), ("E", "blood"), ("F", "blood"),
                                            ("T", "tissue"), ("Y", "clinical_trial"), ("X", None)])
def test_product_categories(code, category):
    fields = parse(f"=<{code}0001100").fields
    assert (fields["category"], fields["collection_type"], fields["divided"]) == (category, "1", False)


def test_chain_of_identity():
    structure = parse("&/CHG123426AB12C3")
    assert structure.name == "chain_of_identity"
    assert structure.fields == {"chain_of_identity": "CHG123426AB12C3", "facility": "G1234", "year": "26",
                                "sequence": "AB12C3", "check_character": isbt128.mod37_2("CHG123426AB12C3")}


def test_the_sec_is_recognised_not_parsed():
    structure = parse("&,4PL001499Z549917123456A00T041600320171231")
    assert structure.name == "sec"
    assert structure.fields["value"] == "PL001499Z549917123456A00T041600320171231"
    assert "note" in structure.fields


# -- a DIN typed from the label ------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["G123417654321A", "G1234 17 654321 A", "g1234-17-654321-a", "=G123417654321A"])
def test_a_typed_din_with_its_check_character(typed):
    structure = parse_manual_din(typed)
    assert structure.name == "din"
    assert structure.fields == {"din": "G123417654321", "facility": "G1234", "year": "17", "sequence": "654321",
                                "check_character": "A"}


def test_a_typed_din_with_flags_and_its_check_character():
    assert parse_manual_din("A9999 21 123456 63 3").fields["flag_type"] == "check"
    assert parse_manual_din("A999921123456003").fields["flags"] == "00"
    refused("A999921123456643", isbt128.FLAG_CHECK_MISMATCH, manual=True)


def test_a_typed_din_needs_its_check_character():
    error = refused("G123417654321", isbt128.WRONG_LENGTH, manual=True)
    assert error.params == {"length": 13}
    refused("G12341765432170", isbt128.WRONG_LENGTH, manual=True)  # DIN and flags, no K
    refused("", isbt128.EMPTY, manual=True)


def test_a_wrong_check_character_is_refused_without_revealing_the_right_one():
    error = refused("G123417654321B", isbt128.KEYBOARD_CHECK_MISMATCH, manual=True)
    assert error.field == "check_character"
    assert "A" not in error.params.values()


@pytest.mark.parametrize("typed, reason", [("O123417654321A", isbt128.FIRST_CHARACTER_O_OR_ZERO),
                                           ("0123417654321A", isbt128.FIRST_CHARACTER_O_OR_ZERO),
                                           ("G12341765432XA", isbt128.ILLEGAL_CHARACTER),
                                           ("G123417654321!", isbt128.ILLEGAL_CHARACTER)])
def test_typed_characters_are_checked(typed, reason):
    refused(typed, reason, manual=True)


@given(dins, st.integers(0, 13), st.sampled_from(isbt128.CHECK_ALPHABET))
def test_any_single_typo_in_a_typed_din_is_caught(din, position, replacement):
    typed = din + isbt128.mod37_2(din)
    assume(typed[position] != replacement)
    with pytest.raises(InvalidCode):
        parse_manual_din(typed[:position] + replacement + typed[position + 1:])


# -- the next DIN of a facility -------------------------------------------------------------------

def test_the_first_din_of_a_year():
    assert isbt128.next_din("F9999", 2026, None) == "=F99992600000100"


def test_the_next_din_follows_the_highest_sequence():
    assert isbt128.next_din("F9999", 2026, 41) == "=F99992600004200"
    assert isbt128.next_din("A1234", 2099, 999_998) == "=A12349999999900"
    assert isbt128.next_din("G1234", 2100, 0) == "=G12340000000100"  # the year is its last two digits


@given(dins, st.integers(min_value=0, max_value=999_998))
def test_a_suggested_din_reads_back_as_scanned(din, highest):
    suggestion = isbt128.next_din(din[:5], 2000 + int(din[5:7]), highest)
    structure = parse(suggestion)
    assert structure.fields["facility"] == din[:5] and structure.fields["year"] == din[5:7]
    assert int(structure.fields["sequence"]) == highest + 1
    assert structure.fields["flags"] == "00" and structure.fields["flag_type"] == "unused"


def test_no_din_after_the_last_sequence():
    with pytest.raises(InvalidCode) as caught:
        isbt128.next_din("F9999", 2026, 999_999)
    assert caught.value.reason == isbt128.SEQUENCE_EXHAUSTED
    assert str(caught.value) == "Every DIN sequence of F9999 for 2026 is used."


@pytest.mark.parametrize("facility, reason", [
    ("F999", isbt128.WRONG_LENGTH),
    ("F99999", isbt128.WRONG_LENGTH),
    ("O9999", isbt128.FIRST_CHARACTER_O_OR_ZERO),
    ("09999", isbt128.FIRST_CHARACTER_O_OR_ZERO),
    ("F99A9", isbt128.ILLEGAL_CHARACTER),
    ("f9999", isbt128.ILLEGAL_CHARACTER),
])
def test_a_facility_number_that_cannot_start_a_din(facility, reason):
    with pytest.raises(InvalidCode) as caught:
        isbt128.next_din(facility, 2026, None)
    assert caught.value.reason == reason
