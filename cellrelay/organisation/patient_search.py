"""The journal page filters its entries by patient, but patients live in a room above organisation:
that room registers here how a typed name, INS or IPP finds them (``PatientsConfig.ready``)."""

from collections.abc import Callable, Iterable

_search: Callable[[str, list[int]], Iterable[int]] | None = None


def register(search: Callable[[str, list[int]], Iterable[int]]) -> None:
    """``search(text, center_ids)``: the ids of the patients treated at these centers that the text finds."""
    global _search
    _search = search


def patient_ids(text: str, center_ids: list[int]) -> Iterable[int]:
    if _search is None:
        raise RuntimeError("no patient search registered: the patients app registers it in its ready()")
    return _search(text, center_ids)
