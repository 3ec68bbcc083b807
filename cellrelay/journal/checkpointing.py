"""Writing checkpoints of the journal out of the database, and checking the journal against them.

The private key is a file on the application server (``CELLRELAY_CHECKPOINT_KEY_FILE``), never in the database.
Each checkpoint goes to a directory (``CELLRELAY_CHECKPOINT_DIR``, one JSON file each, meant to be on another machine
or write-once storage) and/or to syslog (``CELLRELAY_CHECKPOINT_SYSLOG``), one line each. With no key, checkpoints
are off (the demo).
"""

from pathlib import Path
import datetime
import json
import logging
import logging.handlers
import os
import tempfile

from django.conf import settings
from django.db import transaction

from . import checkpoints
from .models import JournalEntry, JournalHead

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(settings.CELLRELAY_CHECKPOINT_KEY_FILE)


def private_key():
    return checkpoints.load_private_key(Path(settings.CELLRELAY_CHECKPOINT_KEY_FILE).read_bytes())


def public_key(path: str | None = None):
    """The key that checks signatures: the given file, the public key file, or the one derived from the private key."""
    path = path or settings.CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE or settings.CELLRELAY_CHECKPOINT_KEY_FILE
    if not path:
        return None
    return checkpoints.load_public_key(Path(path).read_bytes())


def current_statement() -> checkpoints.Statement:
    """The journal's end as committed now: the head's entry, its stored hash, and the entries up to it."""
    head = JournalHead.objects.filter(pk=1).first()
    last_id = head.last_id if head else 0
    last = JournalEntry.objects.filter(pk=last_id).values_list("hash", flat=True).first()
    return checkpoints.Statement(
        last_id=last_id,
        last_hash=last or "",
        entry_count=JournalEntry.objects.filter(pk__lte=last_id).count(),
        at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )


def write_checkpoint() -> dict:
    """Sign the journal's current end and export it everywhere configured; the checkpoint document."""
    if not enabled():
        raise RuntimeError("checkpoints are off: set CELLRELAY_CHECKPOINT_KEY_FILE")
    if not (settings.CELLRELAY_CHECKPOINT_DIR or settings.CELLRELAY_CHECKPOINT_SYSLOG):
        raise RuntimeError("a checkpoint must go somewhere: set CELLRELAY_CHECKPOINT_DIR or CELLRELAY_CHECKPOINT_SYSLOG")
    document = checkpoints.sign(private_key(), current_statement())
    if settings.CELLRELAY_CHECKPOINT_DIR:
        export_to_directory(document, Path(settings.CELLRELAY_CHECKPOINT_DIR))
    if settings.CELLRELAY_CHECKPOINT_SYSLOG:
        export_to_syslog(document, settings.CELLRELAY_CHECKPOINT_SYSLOG_ADDRESS)
    return document


def export_to_directory(document: dict, directory: Path) -> Path:
    """One file per checkpoint, written whole or not at all, and never over another (an older checkpoint is the
    evidence against a later rewrite: replacing it would erase that evidence)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = document["at"].replace("-", "").replace(":", "")
    target = directory / f"checkpoint-{document['last_id']:012d}-{stamp}.json"
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".checkpoint-", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o644)  # not secret, and read by the checking machine (mkstemp makes it 0600)
        with os.fdopen(descriptor, "w") as out:
            json.dump(document, out, sort_keys=True, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temporary, target)  # fails if the name exists, where os.replace would overwrite
    finally:
        os.unlink(temporary)
    return target


def export_to_syslog(document: dict, address: str) -> None:
    """One line to the syslog server (``/dev/log`` or ``host:port`` over UDP)."""
    host, _sep, port = address.rpartition(":")
    target = (host, int(port)) if host and port.isdigit() else address
    handler = logging.handlers.SysLogHandler(address=target, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV)
    handler.append_nul = False  # the JSON ends the line
    try:
        line = checkpoints.SYSLOG_MARKER + json.dumps(document, sort_keys=True, separators=(",", ":"))
        handler.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO, "levelname": "INFO"}))
    finally:
        handler.close()


def after_append(entry_id: int) -> None:
    """Called by journal.record: every CELLRELAY_CHECKPOINT_EVERY entries, a checkpoint once the write commits."""
    every = settings.CELLRELAY_CHECKPOINT_EVERY
    if enabled() and every > 0 and entry_id % every == 0:
        transaction.on_commit(lambda: _checkpoint_after_commit(entry_id))


def _checkpoint_after_commit(boundary: int) -> None:
    """Never fails the user's write, which is committed: a checkpoint that cannot be written is logged loudly.
    A transaction that crossed several boundaries (a seed) registered one callback each: only the callback for the
    last boundary the head has crossed writes, so one checkpoint covers it."""
    try:
        every = settings.CELLRELAY_CHECKPOINT_EVERY
        head = JournalHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0
        if head // every * every == boundary:
            write_checkpoint()
    except Exception:
        logger.critical("JOURNAL CHECKPOINT NOT WRITTEN at entry #%s: the journal is not protected against a "
                        "rewrite until one is (run manage.py journal_checkpoint)", boundary, exc_info=True)


def read_checkpoints(path: Path) -> list[tuple[str, dict | None]]:
    """(source, document) for every checkpoint in a directory of JSON files, or in a file of syslog lines; a
    document that is not valid JSON comes as None, to be reported as unreadable."""
    if path.is_dir():
        found = []
        for file in sorted(path.glob("*.json")):
            try:
                found.append((file.name, json.loads(file.read_text())))
            except (ValueError, UnicodeDecodeError):
                found.append((file.name, None))
        return found
    found = []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        _before, marker, text = line.partition(checkpoints.SYSLOG_MARKER)
        if marker:
            try:
                found.append((f"{path.name}:{number}", json.loads(text.strip().rstrip("\x00"))))
            except ValueError:
                found.append((f"{path.name}:{number}", None))
    return found


def check_against(path: Path, key) -> tuple[list[checkpoints.Finding], list[checkpoints.Statement]]:
    """The findings of every checkpoint at ``path`` against the journal, and the statements that verified."""
    findings, verified = [], []
    for source, document in read_checkpoints(path):
        try:
            if not isinstance(document, dict):
                raise checkpoints.ForgedCheckpoint("unreadable checkpoint (not a JSON object)")
            verified.append((source, checkpoints.read(document, key)))
        except checkpoints.ForgedCheckpoint as error:
            findings.append(checkpoints.Finding("forged checkpoint", source, str(error)))
    last_id = JournalEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    findings += checkpoints.compare(
        verified,
        last_id=last_id,
        hash_at=lambda entry_id: JournalEntry.objects.filter(pk=entry_id).values_list("hash", flat=True).first(),
        count_up_to=lambda entry_id: JournalEntry.objects.filter(pk__lte=entry_id).count(),
    )
    return findings, [statement for _source, statement in verified]
