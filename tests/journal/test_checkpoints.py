"""Signed checkpoints kept outside the database catch what the chain cannot (issue 12, finding 2): the last entries
deleted and the head set back, every entry and the head deleted, an entry rewritten and every later hash recomputed,
and a checkpoint forged without the key. Each attack is carried out on the real database, as its administrator would."""

import io
import json
import logging
import os
import socket
import stat

import pytest
from django.core.management import CommandError, call_command

from cellrelay.journal import checkpoints
from cellrelay.journal.models import JournalEntry, JournalHead
from tests.conftest import register
from tests.journal.tampering import rewrite_and_recompute, truncate_after, wipe

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "keys" / "checkpoint.key"
    path.parent.mkdir()
    public = io.StringIO()
    call_command("journal_keygen", str(path), stdout=public, stderr=io.StringIO())
    (tmp_path / "keys" / "checkpoint.pub").write_text(public.getvalue())
    return path


@pytest.fixture
def checkpointing(settings, key_file, tmp_path):
    """Checkpoints on, to a directory; automatic ones effectively off unless a test asks."""
    settings.CELLRELAY_CHECKPOINT_KEY_FILE = str(key_file)
    settings.CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE = str(key_file.with_suffix(".pub"))
    settings.CELLRELAY_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.CELLRELAY_CHECKPOINT_SYSLOG = False
    settings.CELLRELAY_CHECKPOINT_EVERY = 0
    return tmp_path / "checkpoints"


def add_patients(org, count, start=1):
    for serial in range(start, start + count):
        register(org, family=f"Patient{serial}", serial=serial)


@pytest.fixture
def checkpointed(org, checkpointing):
    """Three patients, a checkpoint, three more patients, a second checkpoint, then one more (not yet certified)."""
    add_patients(org, 3)
    call_command("journal_checkpoint", stdout=io.StringIO())
    add_patients(org, 3, start=4)
    call_command("journal_checkpoint", stdout=io.StringIO())
    add_patients(org, 1, start=7)
    return checkpointing


def verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_journal", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def verify_fails(*args) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    return str(failure.value)


def first_checkpoint(directory) -> dict:
    return json.loads(sorted(directory.glob("*.json"))[0].read_text())


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites_it(key_file):
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    private = checkpoints.load_private_key(key_file.read_bytes())
    printed = checkpoints.load_public_key(key_file.with_suffix(".pub").read_bytes())
    assert checkpoints.fingerprint(printed) == checkpoints.fingerprint(private.public_key())
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("journal_keygen", str(key_file), stdout=io.StringIO(), stderr=io.StringIO())
    assert checkpoints.load_private_key(key_file.read_bytes()).private_bytes_raw() == private.private_bytes_raw()


def test_a_checkpoint_certifies_the_journal_end_with_a_signature(org, checkpointing):
    add_patients(org, 2)
    out = io.StringIO()
    call_command("journal_checkpoint", stdout=out)
    head = JournalHead.objects.get(pk=1)
    document = first_checkpoint(checkpointing)
    assert (document["last_id"], document["last_hash"], document["entry_count"]) == (
        head.last_id, head.last_hash, JournalEntry.objects.count())
    assert f"entry #{head.last_id}" in out.getvalue()


def test_the_honest_journal_passes_against_its_checkpoints(checkpointed):
    out = verify("--checkpoints", str(checkpointed))
    assert "Journal intact" in out and "2 signed checkpoints checked" in out


def test_truncation_passes_the_chain_but_not_the_checkpoints(checkpointed):
    certified = first_checkpoint(checkpointed)["last_id"]
    truncate_after(certified - 2)
    assert "Journal intact" in verify()  # the finding of the issue: the chain alone is fooled
    message = verify_fails("--checkpoints", str(checkpointed))
    assert "truncation" in message and f"certified entry #{certified}" in message


def test_a_wipe_passes_the_chain_but_not_the_checkpoints(checkpointed):
    wipe()
    assert "Journal intact: 0 entries" in verify()
    message = verify_fails("--checkpoints", str(checkpointed))
    assert "wipe" in message and "the journal is empty" in message


def test_a_recomputed_chain_passes_the_chain_but_not_the_checkpoints(checkpointed):
    rewrite_and_recompute(2, object_repr="Someone else entirely")
    assert "Journal intact" in verify()
    message = verify_fails("--checkpoints", str(checkpointed))
    assert "recomputed chain" in message and "2 problems" in message  # both checkpoints cover entry #2


def test_a_rewrite_after_the_first_checkpoint_is_caught_by_the_second_only(checkpointed):
    rewrite_and_recompute(first_checkpoint(checkpointed)["last_id"] + 1, object_repr="Someone else entirely")
    message = verify_fails("--checkpoints", str(checkpointed))
    assert "recomputed chain" in message and "2 problems" not in message


def test_a_checkpoint_forged_without_the_key_is_named(checkpointed):
    """After a truncation, the attacker writes a checkpoint of the new end, signed with a key of their own, and
    alters an honest one to certify less."""
    truncate_after(4)
    kept = JournalEntry.objects.get(pk=4)
    own_key = checkpoints.new_private_key()
    statement = checkpoints.Statement(last_id=4, last_hash=kept.hash, entry_count=4, at="2099-01-01T00:00:00.000000Z")
    (checkpointed / "checkpoint-forged.json").write_text(json.dumps(checkpoints.sign(own_key, statement)))
    honest = sorted(checkpointed.glob("checkpoint-0*.json"))[-1]
    altered = {**json.loads(honest.read_text()), "last_id": 4, "last_hash": kept.hash, "entry_count": 4}
    honest.write_text(json.dumps(altered))
    message = verify_fails("--checkpoints", str(checkpointed))
    assert message.count("forged checkpoint") == 2 and "checkpoint-forged.json" in message
    assert "truncation" in message  # the first checkpoint, untouched, still tells


def test_checkpoints_are_written_every_n_entries_after_commit(org, checkpointing, settings,
                                                               django_capture_on_commit_callbacks):
    settings.CELLRELAY_CHECKPOINT_EVERY = 3
    for serial in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            register(org, family=f"Patient{serial}", serial=serial)
    written = sorted(json.loads(path.read_text())["last_id"] for path in checkpointing.glob("*.json"))
    head = JournalHead.objects.get(pk=1).last_id
    # Each certifies the end of the transaction that reached a multiple of 3: one per multiple reached.
    assert head >= 6 and [last_id // 3 for last_id in written] == list(range(1, head // 3 + 1))
    assert "Journal intact" in verify("--checkpoints", str(checkpointing))


def test_a_checkpoint_that_cannot_be_written_is_logged_loudly_and_the_write_stands(org, checkpointing, settings,
                                                                                   django_capture_on_commit_callbacks):
    settings.CELLRELAY_CHECKPOINT_EVERY = 1
    settings.CELLRELAY_CHECKPOINT_KEY_FILE = str(checkpointing / "no-such-key")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("cellrelay.journal.checkpointing")
    logger.addHandler(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            patient = register(org)
    finally:
        logger.removeHandler(handler)
    assert patient.pk is not None and JournalEntry.objects.filter(patient_id=patient.pk).exists()
    assert records and records[0].levelno == logging.CRITICAL and "NOT WRITTEN" in records[0].getMessage()


def test_checkpoints_as_syslog_lines(org, checkpointing, settings, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)  # a guard against a hang, not a timing
    settings.CELLRELAY_CHECKPOINT_DIR = ""
    settings.CELLRELAY_CHECKPOINT_SYSLOG = True
    settings.CELLRELAY_CHECKPOINT_SYSLOG_ADDRESS = f"127.0.0.1:{receiver.getsockname()[1]}"
    add_patients(org, 3)
    try:
        call_command("journal_checkpoint", stdout=io.StringIO())
        line = receiver.recv(65536).decode()
    finally:
        receiver.close()
    log = tmp_path / "syslog"
    log.write_text(f"Dec  4 16:22:01 app1 {line.lstrip('<0123456789>')}\n")
    assert "1 signed checkpoints checked" in verify("--checkpoints", str(log))
    truncate_after(2)
    assert "truncation" in verify_fails("--checkpoints", str(log))


def test_without_a_key_checkpoints_are_off_and_verify_journal_says_so(org, settings):
    settings.CELLRELAY_CHECKPOINT_KEY_FILE = ""
    assert "Checkpoints are off" in verify()
    with pytest.raises(CommandError, match="Checkpoints are off"):
        call_command("journal_checkpoint", stdout=io.StringIO())


def test_the_public_key_alone_verifies_on_another_machine(checkpointed, settings, key_file):
    settings.CELLRELAY_CHECKPOINT_KEY_FILE = ""
    settings.CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE = ""
    with pytest.raises(CommandError, match="No public key"):
        verify("--checkpoints", str(checkpointed))
    assert "Journal intact" in verify("--checkpoints", str(checkpointed), "--public-key",
                                      str(key_file.with_suffix(".pub")))


def test_checkpoint_settings_that_cannot_work_stop_the_start(checkpointing, settings):
    from django.core.checks import run_checks

    assert not [message for message in run_checks() if message.id.startswith("journal.")]
    settings.CELLRELAY_CHECKPOINT_DIR = ""
    settings.CELLRELAY_CHECKPOINT_KEY_FILE = str(checkpointing / "missing.key")
    assert {message.id for message in run_checks() if message.id.startswith("journal.")} == {"journal.E001",
                                                                                              "journal.E002"}
