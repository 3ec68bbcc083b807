"""A dry shipper's temperature log (CSV) read into readings, and the excursions above a limit. No Django.

Accepted: a header row naming a time column (``timestamp``, ``time``, ``date``, ``datetime``…) and a
temperature column (``temperature``, ``temp``, ``temperature_c``…; case, spaces and a unit in brackets
do not matter: ``Temperature (°C)``); other columns are ignored. Cells separated by ``,`` or ``;``
(the header decides), decimal point or decimal comma. Times in ISO 8601, with or without a zone, or
``dd/mm/yyyy hh:mm[:ss]``; a time without a zone is in ``default_tz`` (the site's zone). Every time must
come after the previous one: a log whose times go backwards (or repeat) is refused, never re-sorted
silently, so the readings come back in the file's order, which is the time order.

Anything else is a ``TempLogError`` naming the line (1 = the first line of the file; 0 = the whole file)
and the reason. ``message`` is the English msgid with %(name)s placeholders and ``params`` their values:
the service translates ``message`` then formats it; ``str(error)`` is the English text.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from cellrelay.textmarks import gettext_noop


MAX_BYTES = 5_000_000  # a reading a minute for a fortnight is well under 1 MB
ABSOLUTE_ZERO_C = Decimal("-273.15")
HIGHEST_C = Decimal("100")  # nothing in a dry shipper is hotter than boiling water: a wrong column or unit

TIME_COLUMNS = ("timestamp", "time", "date", "datetime", "date_time", "time_stamp", "horodatage", "date_heure")
TEMPERATURE_COLUMNS = ("temperature", "temp", "temperature_c", "temp_c", "temperature_degc", "temp_degc")

EMPTY = gettext_noop("The file is empty.")
TOO_LARGE = gettext_noop("The file is larger than %(limit)s MB: this is not a temperature log.")
NOT_TEXT = gettext_noop("This is not a text (CSV) file.")
NO_HEADER = gettext_noop("The first line holds data, not column names: add a header row naming the time column "
                         "(“timestamp”) and the temperature column (“temperature”).")
NO_TIME_COLUMN = gettext_noop("No time column: name one “timestamp”, “time” or “date” (columns found: "
                              "%(columns)s).")
NO_TEMPERATURE_COLUMN = gettext_noop("No temperature column: name one “temperature”, “temp” or “temperature_c” "
                                     "(columns found: %(columns)s).")
SEVERAL_COLUMNS = gettext_noop("Several columns could be the %(what)s: %(columns)s. Keep one.")
NO_READINGS = gettext_noop("The file has a header but no readings.")
MISSING_CELL = gettext_noop("The %(what)s is missing.")
BAD_TIME = gettext_noop("“%(value)s” is not a time: write 2026-03-01T14:30:00+01:00 or 01/03/2026 14:30.")
BAD_NUMBER = gettext_noop("“%(value)s” is not a temperature in °C: write -185.2 or -185,2.")
IMPOSSIBLE = gettext_noop("%(value)s °C is impossible for a dry shipper (check the column and the unit).")
BACKWARDS = gettext_noop("The time %(time)s comes before the previous reading's (%(previous)s): the times go "
                         "backwards.")
REPEATED = gettext_noop("The time %(time)s is the same as the previous reading's.")
BAD_CSV = gettext_noop("This line cannot be read as CSV: %(reason)s.")

TIME_WORD = gettext_noop("time")
TEMPERATURE_WORD = gettext_noop("temperature")


class TempLogError(ValueError):
    def __init__(self, line: int, message: str, **params):
        super().__init__(f"line {line}: {message % params}" if line else message % params)
        self.line = line
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Reading:
    at: datetime  # always with a zone
    temperature_c: Decimal


class Excursion(NamedTuple):
    """A run of consecutive readings above the limit: first and last of them, and the warmest."""

    start: datetime
    end: datetime
    max_temperature: Decimal


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise TempLogError(0, TOO_LARGE, limit=MAX_BYTES // 1_000_000)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # a French spreadsheet's export
    if len(text) > MAX_BYTES:
        raise TempLogError(0, TOO_LARGE, limit=MAX_BYTES // 1_000_000)
    if "\x00" in text:
        raise TempLogError(0, NOT_TEXT)
    return text.lstrip("\ufeff")


def _column_name(cell: str) -> str:
    """Lower case, no accent, no unit in brackets: "Température (°C)" → "temperature"."""
    name = re.sub(r"[(\[].*?[)\]]", "", cell.strip().lower()).replace("°", "deg")
    name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", name.strip())


_FRENCH_TIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_time(value: str, default_tz: tzinfo) -> datetime:
    """ISO 8601 (``Z`` or an offset optional) or ``dd/mm/yyyy hh:mm[:ss]``; ValueError otherwise."""
    text = value.strip()
    match = _FRENCH_TIME.fullmatch(text)
    if match:
        day, month, year, hour, minute, second = match.groups()
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", text):
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=default_tz)


def parse_temperature(value: str) -> Decimal:
    text = value.strip().replace("\u2212", "-").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(value)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above already refuses what Decimal would
        raise ValueError(value) from None


def _looks_like_data(cells: list[str], default_tz: tzinfo) -> bool:
    for cell in cells:
        for read in (lambda c: parse_time(c, default_tz), parse_temperature):
            try:
                read(cell)
                return True
            except ValueError:
                pass
    return False


def _find(names: list[str], wanted: tuple[str, ...], line: int, what: str, missing: str, cells: list[str]) -> int:
    found = [i for i, name in enumerate(names) if name in wanted]
    if not found:
        raise TempLogError(line, missing, columns=", ".join(c.strip() for c in cells))
    if len(found) > 1:
        raise TempLogError(line, SEVERAL_COLUMNS, what=what, columns=", ".join(cells[i].strip() for i in found))
    return found[0]


def parse(data: bytes | str, default_tz: tzinfo) -> list[Reading]:
    """The readings of a temperature log, in time order; ``TempLogError`` on the first problem."""
    text = _decode(data)
    if not text.strip():
        raise TempLogError(0, EMPTY)
    lines = text.splitlines()
    header_line = next(i for i, line in enumerate(lines, 1) if line.strip())
    delimiter = ";" if ";" in lines[header_line - 1] else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    readings: list[Reading] = []
    time_at = temperature_at = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if time_at is None:
                if _looks_like_data(cells, default_tz):
                    raise TempLogError(line, NO_HEADER)
                names = [_column_name(cell) for cell in cells]
                time_at = _find(names, TIME_COLUMNS, line, TIME_WORD, NO_TIME_COLUMN, cells)
                temperature_at = _find(names, TEMPERATURE_COLUMNS, line, TEMPERATURE_WORD, NO_TEMPERATURE_COLUMN,
                                       cells)
                continue
            readings.append(_reading(cells, line, time_at, temperature_at, default_tz,
                                     readings[-1] if readings else None))
    except csv.Error as error:
        raise TempLogError(reader.line_num, BAD_CSV, reason=str(error)) from None
    if not readings:
        raise TempLogError(0, NO_READINGS)
    return readings


def _reading(cells, line, time_at, temperature_at, default_tz, previous: Reading | None) -> Reading:
    for index, what in ((time_at, TIME_WORD), (temperature_at, TEMPERATURE_WORD)):
        if index >= len(cells) or not cells[index].strip():
            raise TempLogError(line, MISSING_CELL, what=what)
    try:
        at = parse_time(cells[time_at], default_tz)
    except ValueError:
        raise TempLogError(line, BAD_TIME, value=cells[time_at].strip()) from None
    try:
        temperature = parse_temperature(cells[temperature_at])
    except ValueError:
        raise TempLogError(line, BAD_NUMBER, value=cells[temperature_at].strip()) from None
    if not ABSOLUTE_ZERO_C <= temperature <= HIGHEST_C:
        raise TempLogError(line, IMPOSSIBLE, value=str(temperature))
    if previous is not None:
        if at < previous.at:
            raise TempLogError(line, BACKWARDS, time=at.isoformat(), previous=previous.at.isoformat())
        if at == previous.at:
            raise TempLogError(line, REPEATED, time=at.isoformat())
    return Reading(at, temperature)


def excursions(readings: list[Reading], limit_c) -> list[Excursion]:
    """Runs of consecutive readings strictly above ``limit_c`` (at the limit is no excursion)."""
    limit = Decimal(limit_c)
    runs: list[Excursion] = []
    current: Excursion | None = None
    for reading in readings:
        if reading.temperature_c > limit:
            if current is None:
                current = Excursion(reading.at, reading.at, reading.temperature_c)
            else:
                current = Excursion(current.start, reading.at, max(current.max_temperature, reading.temperature_c))
        elif current is not None:
            runs.append(current)
            current = None
    if current is not None:
        runs.append(current)
    return runs


def format_log(readings: list[Reading], *, french: bool = False) -> str:
    """The readings as a CSV log: ``timestamp,temperature_c`` in ISO 8601, or the French spreadsheet dialect
    (``;``, ``dd/mm/yyyy hh:mm:ss`` in the readings' own zone, decimal comma)."""
    if not french:
        return "timestamp,temperature_c\n" + "".join(
            f"{r.at.isoformat()},{r.temperature_c}\n" for r in readings)
    return "Date;Température (°C)\n" + "".join(
        f"{r.at.strftime('%d/%m/%Y %H:%M:%S')};{str(r.temperature_c).replace('.', ',')}\n" for r in readings)
