"""How days and timepoints are written: D0, D+7, Y2 in English; J0, J+7, A2 in French. No Django.

French teams count days as J (jour) and years as A (année); the stored codes stay language-free.
"""

import re

_PREFIXES = {"fr": {"D": "J", "Y": "A"}}
_TIMEPOINT = re.compile(r"^([DY])(\d+)$")


def localize_code(code: str, language: str | None) -> str:
    """D7 → J7 and Y15 → A15 in French; LD1, M6 and every other code unchanged."""
    prefixes = _PREFIXES.get((language or "en")[:2], {})
    match = _TIMEPOINT.match(code)
    if match and match.group(1) in prefixes:
        return prefixes[match.group(1)] + match.group(2)
    return code


def day_label(day: int, language: str | None) -> str:
    """The day relative to the infusion: D-5, D0, D+7 (J-5, J0, J+7 in French)."""
    letter = _PREFIXES.get((language or "en")[:2], {}).get("D", "D")
    return f"{letter}{day:+d}" if day else f"{letter}0"
