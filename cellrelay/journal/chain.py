"""The hash chain of the journal, without Django: canonical form, hashing, verification.

hash = sha256(previous hash + canonical entry) (DESIGN.md, "The journal"). The canonical entry
is sorted-key compact JSON of every stored field but the hash itself, the row id included, so
that altering, removing or reordering rows breaks the chain.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import hashlib
import json

GENESIS_HASH = "0" * 64


def canonical(fields: Mapping) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, fields: Mapping) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first row at which the chain does not hold, and why."""

    row_id: int | None
    reason: str


def first_break(rows: Iterable[tuple[int, str, str, Mapping]], head: tuple[int, str] | None) -> Break | None:
    """Walk rows ``(id, prev_hash, hash, fields)`` in id order; ``head`` is the recorded (last id, last hash).

    Returns the first break, or None when every row chains to the one before and the last row is
    the one the head recorded (so a removed tail is caught too).
    """
    expected_prev = GENESIS_HASH
    last: tuple[int, str] | None = None
    for row_id, prev_hash, stored_hash, fields in rows:
        if prev_hash != expected_prev:
            return Break(row_id, "does not follow the previous entry (an entry was removed or reordered)")
        if entry_hash(prev_hash, fields) != stored_hash:
            return Break(row_id, "content does not match its hash (the entry was altered)")
        expected_prev = stored_hash
        last = (row_id, stored_hash)
    if head is not None and head != (0, GENESIS_HASH) and last != head:
        return Break(last[0] if last else None, f"the journal should end at entry #{head[0]} (entries were removed at the end)")
    return None
