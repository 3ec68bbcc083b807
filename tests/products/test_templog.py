"""The dry shipper's temperature log: both CSV dialects, every refusal with its line, excursions."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cellrelay.products import templog
from cellrelay.products.templog import Excursion, Reading, TempLogError

PARIS = ZoneInfo("Europe/Paris")


def at(hour, minute=0, tz=PARIS):
    return dt.datetime(2026, 3, 1, hour, minute, tzinfo=tz)


def refused(data):
    with pytest.raises(TempLogError) as caught:
        templog.parse(data, PARIS)
    return caught.value


def test_iso_comma_dialect_with_and_without_zone():
    data = ("timestamp,temperature_c,battery\n"
            "2026-03-01T08:00:00+01:00,-182.5,98\n"
            "2026-03-01T08:05:00Z,-181,98\n"
            "2026-03-01 09:10,-180.25,97\n")
    assert templog.parse(data.encode(), PARIS) == [
        Reading(at(8), Decimal("-182.5")), Reading(at(9, 5), Decimal("-181")), Reading(at(9, 10), Decimal("-180.25"))]


def test_french_spreadsheet_dialect_with_bom_decimal_comma_and_cp1252():
    data = "\ufeffDate;Température (°C)\r\n01/03/2026 08:00;-182,5\r\n\r\n01/03/2026 08:05:30;−181,0\r\n"
    readings = templog.parse(data.encode("utf-8"), PARIS)
    assert readings == [Reading(at(8), Decimal("-182.5")),
                        Reading(at(8, 5).replace(second=30), Decimal("-181.0"))]
    assert templog.parse("TIME;Temp\n01/03/2026 08:00;-182,5\n".encode("cp1252"), PARIS)[0].temperature_c == Decimal(
        "-182.5")


@pytest.mark.parametrize("data, line, words", [
    ("", 0, "empty"),
    ("  \n\n", 0, "empty"),
    (b"\x00\x01binary", 0, "not a text"),
    ("2026-03-01T08:00:00,-180\n", 1, "holds data"),
    ("\nwhen,temperature\n2026-03-01T08:00,-180\n", 2, "No time column"),
    ("time,humidity\n2026-03-01T08:00,40\n", 1, "No temperature column"),
    ("time,date,temp\n", 1, "Several columns could be the time"),
    ("time,temp\n", 0, "no readings"),
    ("time,temp\n2026-03-01T08:00,-180\n2026-03-01T08:05\n", 3, "temperature is missing"),
    ("time,temp\n,-180\n", 2, "time is missing"),
    ("time,temp\n2026-03-01T08:00,-180\nyesterday,-181\n", 3, "“yesterday” is not a time"),
    ("time;temp\n32/03/2026 08:00;-180\n", 2, "is not a time"),
    ("time,temp\n2026-03-01T08:00,cold\n", 2, "“cold” is not a temperature"),
    ("time,temp\n2026-03-01T08:00,-300\n", 2, "impossible"),
    ("time,temp\n2026-03-01T08:00,-180\n2026-03-01T07:59,-180\n", 3, "go backwards"),
    ("time,temp\n2026-03-01T08:00+01:00,-180\n2026-03-01T07:00Z,-180\n", 3, "same as the previous"),
    ('time,temp\n2026-03-01T08:00,"-180\n', 2, "cannot be read as CSV"),
])
def test_every_broken_file_is_refused_with_its_line_and_reason(data, line, words):
    error = refused(data)
    assert error.line == line and words in str(error), str(error)
    assert error.message % error.params in str(error)  # a msgid and its parameters, for the translation


def test_a_huge_file_is_refused_before_reading():
    assert "larger than" in str(refused(b"x" * (templog.MAX_BYTES + 1)))


def test_excursions_are_runs_strictly_above_the_limit():
    temps = ["-180", "-150", "-149", "-140", "-151", "-120", "-160"]
    readings = [Reading(at(8, i), Decimal(t)) for i, t in enumerate(temps)]
    assert templog.excursions(readings, -150) == [Excursion(at(8, 2), at(8, 3), Decimal("-140")),
                                                  Excursion(at(8, 5), at(8, 5), Decimal("-120"))]
    assert templog.excursions(readings[:2], -150) == []
    assert templog.excursions(readings[3:4], -150) == [Excursion(at(8, 3), at(8, 3), Decimal("-140"))]


def utc(readings):
    return [(r.at.astimezone(dt.timezone.utc), r.temperature_c) for r in readings]


readings_strategy = st.lists(
    st.tuples(st.integers(1, 600), st.decimals(min_value=-273, max_value=99, places=2, allow_nan=False)),
    min_size=1, max_size=30)


@given(readings_strategy, st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=1)), PARIS]))
def test_iso_round_trip(steps, tz):
    readings, moment = [], dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.timezone.utc)
    for minutes, temperature in steps:
        moment += dt.timedelta(minutes=minutes)
        readings.append(Reading(moment.astimezone(tz), temperature))
    # Compared in UTC: Python never calls equal two zones' readings inside the autumn's repeated hour.
    assert utc(templog.parse(templog.format_log(readings), PARIS)) == utc(readings)


@given(readings_strategy)
def test_french_round_trip(steps):
    """The French dialect carries no zone: readings in the site's zone (a fixed offset here) come back."""
    tz = dt.timezone(dt.timedelta(hours=1))
    readings, moment = [], dt.datetime(2026, 3, 1, 0, 0, tzinfo=tz)
    for minutes, temperature in steps:
        moment += dt.timedelta(minutes=minutes)
        readings.append(Reading(moment, temperature))
    assert templog.parse(templog.format_log(readings, french=True).encode(), tz) == readings
