"""The checkpoint rules on their own, over every shape of journal and attack: a signature binds every field of the
statement, and an attack that reaches back to a certified entry is found, whatever the journal's length."""

from hypothesis import given
from hypothesis import strategies as st
import pytest

from cellrelay.journal import chain, checkpoints

KEY = checkpoints.new_private_key()


def build(length: int, rewritten_from: int | None = None) -> dict[int, str]:
    """id → hash of a journal of ``length`` entries; from ``rewritten_from`` on, the content differs and every later
    hash is recomputed, as the attacker would."""
    hashes, prev = {}, chain.GENESIS_HASH
    for entry_id in range(1, length + 1):
        content = "forged" if rewritten_from is not None and entry_id == rewritten_from else "honest"
        prev = hashes[entry_id] = chain.entry_hash(prev, {"id": entry_id, "content": content})
    return hashes


def certify(hashes: dict[int, str], ids: list[int]) -> list[tuple[str, checkpoints.Statement]]:
    return [(f"cp{entry_id}", checkpoints.Statement(entry_id, hashes[entry_id], entry_id, "2026-12-04T10:00:00Z"))
            for entry_id in ids]


def findings(hashes: dict[int, str], certified) -> list[checkpoints.Finding]:
    return checkpoints.compare(certified, last_id=max(hashes, default=0), hash_at=hashes.get,
                               count_up_to=lambda entry_id: sum(1 for other in hashes if other <= entry_id))


journals = st.integers(1, 40).flatmap(
    lambda length: st.tuples(st.just(length), st.lists(st.integers(1, length), min_size=1, max_size=5, unique=True)))


@given(journals)
def test_the_honest_journal_contradicts_no_checkpoint(journal):
    length, ids = journal
    hashes = build(length)
    assert findings(hashes, certify(hashes, ids)) == []


@given(journals, st.data())
def test_a_truncation_below_a_checkpoint_is_found(journal, data):
    length, ids = journal
    honest = build(length)
    kept = data.draw(st.integers(0, max(ids) - 1))
    truncated = {entry_id: digest for entry_id, digest in honest.items() if entry_id <= kept}
    kinds = {finding.kind for finding in findings(truncated, certify(honest, ids))}
    assert kinds == ({"wipe"} if kept == 0 else {"truncation"})


@given(journals, st.data())
def test_a_recomputed_chain_reaching_a_certified_entry_is_found_and_one_after_them_all_is_not(journal, data):
    length, ids = journal
    honest = build(length)
    victim = data.draw(st.integers(1, length))
    rewritten = build(length, rewritten_from=victim)
    found = findings(rewritten, certify(honest, ids))
    if victim <= max(ids):
        assert found and {finding.kind for finding in found} == {"recomputed chain"}
    else:
        assert found == []  # the documented limit: only the next checkpoint would have covered it, signing the forgery


@pytest.mark.parametrize("field, value", [("last_id", 7), ("last_hash", "0" * 64), ("entry_count", 1),
                                          ("at", "2020-01-01T00:00:00Z")])
def test_a_signature_binds_every_field_of_the_statement(field, value):
    document = checkpoints.sign(KEY, checkpoints.Statement(9, "ab" * 32, 9, "2026-12-04T10:00:00Z"))
    assert checkpoints.read(document, KEY.public_key()).last_id == 9
    with pytest.raises(checkpoints.ForgedCheckpoint):
        checkpoints.read({**document, field: value}, KEY.public_key())


def test_a_checkpoint_signed_with_another_key_is_forged():
    document = checkpoints.sign(checkpoints.new_private_key(), checkpoints.Statement(1, "ab" * 32, 1, "t"))
    with pytest.raises(checkpoints.ForgedCheckpoint, match="does not verify"):
        checkpoints.read(document, KEY.public_key())
