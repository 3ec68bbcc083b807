"""The registry item dictionary and forms, as data (``dictionary/*.toml``), loaded and checked. No Django.

Every ``*.toml`` file of the folder may hold ``[[registry]]`` (a destination not built in: code, name, consents),
``[[item]]`` and ``[[form]]`` tables; the files are merged, so adding a registry or a form is adding a file. An item
says where its value comes from in cellrelay (``source``, one of the named sources of ``sources.py``) or that the
registry room is the only place it is typed (``source = "entered"``), and which registry document it is taken from
(``cite``). Codes we could not cite from the registry's own form are cellrelay's own (``own_code = true``).
"""

import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .destinations import DESTINATIONS, Destination

SHIPPED = Path(__file__).parent / "dictionary"
ENTERED = "entered"
TYPES = ("text", "integer", "decimal", "date", "choice", "boolean")
# Anchors of a form's due date: the RCP decision (ordering, registration), the infusion (D0), the timepoint's own
# date (D0 + its offset), or the event the form reports (e.g. a new malignancy's date).
ANCHORS = ("decision", "infusion", "timepoint", "event")
AT_DECISION = ("ordering", "registration")


class DictionaryError(ValueError):
    """The dictionary's files contradict themselves: the message names the file and the problem."""


@dataclass(frozen=True)
class Choice:
    code: str
    label_en: str
    label_fr: str


@dataclass(frozen=True)
class Item:
    code: str
    label_en: str
    label_fr: str
    type: str
    source: str
    cite: str
    choices: tuple[Choice, ...] = ()
    unit: str = ""
    own_code: bool = True
    identifying: bool = False  # a direct identifier: never in a pseudonymised export

    @property
    def entered(self) -> bool:
        return self.source == ENTERED

    def label(self, language: str) -> str:
        return self.label_fr if language.startswith("fr") else self.label_en

    def choice_label(self, code: str, language: str) -> str:
        found = next((c for c in self.choices if c.code == code), None)
        if found is None:
            return code
        return found.label_fr if language.startswith("fr") else found.label_en


@dataclass(frozen=True)
class Form:
    registry: str
    code: str
    version: str
    title_en: str
    title_fr: str
    timepoints: tuple[str, ...]
    anchor: str
    due_days: int
    items: tuple[str, ...]
    cite: str
    event_source: str = ""  # anchor "event": the source giving the event's date
    file: str = ""

    @property
    def key(self) -> str:
        """Unique across registries: "cibmtr:4100"."""
        return f"{self.registry}:{self.code}"

    def title(self, language: str) -> str:
        return self.title_fr if language.startswith("fr") else self.title_en


@dataclass(frozen=True)
class Dictionary:
    registries: dict[str, Destination]
    items: dict[str, Item]
    forms: dict[str, Form] = field(default_factory=dict)  # by key

    def forms_of(self, registry: str) -> list[Form]:
        return [form for form in self.forms.values() if form.registry == registry]


def load(directory: Path = SHIPPED, *, sources: frozenset[str] | set[str]) -> Dictionary:
    """Every ``*.toml`` of the folder, merged and checked against the known ``sources``."""
    registries = dict(DESTINATIONS)
    items: dict[str, Item] = {}
    forms: dict[str, Form] = {}
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise DictionaryError(f"{directory}: no dictionary file")
    documents = []
    for path in files:
        try:
            documents.append((path.name, tomllib.loads(path.read_text(encoding="utf-8"))))
        except tomllib.TOMLDecodeError as error:
            raise DictionaryError(f"{path.name}: {error}") from None
    for name, document in documents:
        for raw in document.get("registry", []):
            registry = _registry(name, raw)
            if registry.code in registries:
                raise DictionaryError(f"{name}: registry {registry.code!r} is defined twice")
            registries[registry.code] = registry
        for raw in document.get("item", []):
            item = _item(name, raw, sources)
            if item.code in items:
                raise DictionaryError(f"{name}: item {item.code!r} is defined twice")
            items[item.code] = item
    for name, document in documents:
        for raw in document.get("form", []):
            form = _form(name, raw, registries, items, sources)
            if form.key in forms:
                raise DictionaryError(f"{name}: form {form.key!r} is defined twice")
            forms[form.key] = form
    return Dictionary(registries, items, forms)


def _required(name: str, raw: dict, keys: tuple[str, ...], what: str) -> None:
    missing = [key for key in keys if key not in raw]
    if missing:
        raise DictionaryError(f"{name}: {what} {raw.get('code', '?')!r} lacks {', '.join(missing)}")


def _registry(name: str, raw: dict) -> Destination:
    _required(name, raw, ("code", "name", "consents", "source"), "registry")
    return Destination(raw["code"], raw["name"], tuple(raw["consents"]), raw["source"])


def _item(name: str, raw: dict, sources) -> Item:
    _required(name, raw, ("code", "label_en", "label_fr", "type", "source", "cite"), "item")
    code = raw["code"]
    if raw["type"] not in TYPES:
        raise DictionaryError(f"{name}: item {code!r} has an unknown type {raw['type']!r}")
    if raw["source"] != ENTERED and raw["source"] not in sources:
        raise DictionaryError(f"{name}: item {code!r} names an unknown source {raw['source']!r}")
    choices = tuple(Choice(c["code"], c["label_en"], c["label_fr"]) for c in raw.get("values", []))
    if raw["type"] == "choice" and not choices:
        raise DictionaryError(f"{name}: choice item {code!r} lists no allowed values")
    if len({c.code for c in choices}) != len(choices):
        raise DictionaryError(f"{name}: item {code!r} lists a value twice")
    return Item(code=code, label_en=raw["label_en"], label_fr=raw["label_fr"], type=raw["type"],
                source=raw["source"], cite=raw["cite"], choices=choices, unit=raw.get("unit", ""),
                own_code=raw.get("own_code", True), identifying=raw.get("identifying", False))


def _form(name: str, raw: dict, registries: dict, items: dict, sources) -> Form:
    _required(name, raw, ("registry", "code", "version", "title_en", "title_fr", "timepoints", "due", "items",
                          "cite"), "form")
    code = raw["code"]
    if raw["registry"] not in registries:
        raise DictionaryError(f"{name}: form {code!r} names an unknown registry {raw['registry']!r}")
    unknown = [item for item in raw["items"] if item not in items]
    if unknown:
        raise DictionaryError(f"{name}: form {code!r} names unknown items: {', '.join(unknown)}")
    if len(set(raw["items"])) != len(raw["items"]):
        raise DictionaryError(f"{name}: form {code!r} lists an item twice")
    due = raw["due"]
    if due.get("anchor") not in ANCHORS or not isinstance(due.get("days"), int) or due["days"] < 0:
        raise DictionaryError(f"{name}: form {code!r}: due needs an anchor among {ANCHORS} and days ≥ 0")
    for timepoint in raw["timepoints"]:
        if offset_days(timepoint) is None and timepoint not in (*AT_DECISION, "infusion", "event"):
            raise DictionaryError(f"{name}: form {code!r} has an unknown timepoint {timepoint!r}")
    event = due.get("event", "")
    if due["anchor"] == "event" and event not in sources:
        raise DictionaryError(f"{name}: form {code!r} is due on an event without a known event source")
    if raw["registry"] == "research":
        identifying = [item for item in raw["items"] if items[item].identifying]
        if identifying:
            raise DictionaryError(f"{name}: research form {code!r} lists direct identifiers: "
                                  f"{', '.join(identifying)}")
    return Form(registry=raw["registry"], code=code, version=str(raw["version"]), title_en=raw["title_en"],
                title_fr=raw["title_fr"], timepoints=tuple(raw["timepoints"]), anchor=due["anchor"],
                due_days=due["days"], items=tuple(raw["items"]), cite=raw["cite"], event_source=event, file=name)


# Timepoints -------------------------------------------------------------------------------------------------

_UNIT_DAYS = {"D": 1, "M": 30, "Y": 365}


def offset_days(timepoint: str) -> int | None:
    """Days after D0 of a follow-up timepoint (D100, M6, Y2); None for any other timepoint. registry.md: D100,
    6 months, then yearly; a month is counted as 30 days and a year as 365, as pathway.schedule plans the visits."""
    if len(timepoint) < 2 or timepoint[0] not in _UNIT_DAYS or not timepoint[1:].isdigit():
        return None
    return int(timepoint[1:]) * _UNIT_DAYS[timepoint[0]]


def timepoint_date(timepoint: str, *, decision: date | None, infusion: date | None,
                   event: date | None = None) -> date | None:
    """The day a timepoint is reached: None while its anchor has not happened (no infusion yet, no event)."""
    if timepoint in AT_DECISION:
        return decision
    if timepoint == "infusion":
        return infusion
    if timepoint == "event":
        return event
    days = offset_days(timepoint)
    return infusion + timedelta(days=days) if infusion and days is not None else None


def due_date(form: Form, reached: date, *, decision: date | None, infusion: date | None) -> date:
    """The day the form is due for a timepoint reached on ``reached`` (e.g. CIBMTR 4000: infusion + 30 days)."""
    anchor = {"decision": decision, "infusion": infusion}.get(form.anchor) or reached
    return anchor + timedelta(days=form.due_days)


# Values --------------------------------------------------------------------------------------------------------

class BadValue(ValueError):
    """A typed value that the item's type refuses; ``problem`` is a stable code."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def parse_value(item: Item, text: str):
    """A value typed for an entered item, as stored (plain JSON): refused with ``BadValue`` when it is not one."""
    text = text.strip()
    if not text:
        raise BadValue("empty")
    if item.type == "integer":
        if not text.lstrip("-").isdigit():
            raise BadValue("integer")
        return int(text)
    if item.type == "decimal":
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise BadValue("decimal") from None
        if not number.is_finite():
            raise BadValue("decimal")
        return str(number)
    if item.type == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadValue("date") from None
    if item.type == "boolean":
        if text.lower() not in ("true", "false", "yes", "no", "1", "0"):
            raise BadValue("boolean")
        return text.lower() in ("true", "yes", "1")
    if item.type == "choice" and text not in {c.code for c in item.choices}:
        raise BadValue("choice")
    return text
