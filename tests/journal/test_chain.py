"""The hash chain on its own: any alteration, removal or reordering is found."""

from hypothesis import given
from hypothesis import strategies as st

from cellrelay.journal import chain

fields = st.fixed_dictionaries({"action": st.sampled_from(["a", "b", "c"]), "value": st.integers() | st.text(max_size=8)})


def build(contents):
    rows, prev = [], chain.GENESIS_HASH
    for index, content in enumerate(contents, start=1):
        row_fields = {"id": index, **content}
        digest = chain.entry_hash(prev, row_fields)
        rows.append((index, prev, digest, row_fields))
        prev = digest
    return rows, (len(rows), prev) if rows else (0, chain.GENESIS_HASH)


@given(st.lists(fields, max_size=12))
def test_an_untouched_chain_verifies(contents):
    rows, head = build(contents)
    assert chain.first_break(rows, head) is None


@given(st.lists(fields, min_size=1, max_size=12), st.data())
def test_an_altered_entry_is_named(contents, data):
    rows, head = build(contents)
    victim = data.draw(st.integers(0, len(rows) - 1))
    row_id, prev, digest, row_fields = rows[victim]
    rows[victim] = (row_id, prev, digest, {**row_fields, "value": "tampered"} if row_fields["value"] != "tampered" else {**row_fields, "value": 0})
    broken = chain.first_break(rows, head)
    assert broken is not None and broken.row_id == row_id


@given(st.lists(fields, min_size=2, max_size=12), st.data())
def test_a_removed_entry_is_found(contents, data):
    rows, head = build(contents)
    victim = data.draw(st.integers(0, len(rows) - 1))
    del rows[victim]
    assert chain.first_break(rows, head) is not None


@given(st.lists(fields, min_size=2, max_size=12), st.data())
def test_a_swapped_pair_is_found(contents, data):
    rows, head = build(contents)
    first = data.draw(st.integers(0, len(rows) - 2))
    rows[first], rows[first + 1] = rows[first + 1], rows[first]
    broken = chain.first_break(rows, head)
    assert broken is not None and broken.row_id == rows[first][0]
