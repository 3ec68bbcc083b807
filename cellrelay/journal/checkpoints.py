"""Signed checkpoints of the journal, without Django: the statement, its Ed25519 signature, and what a set of
checkpoints says about the journal as it is now.

The hash chain proves nothing against someone who can rewrite the table and recompute every later hash with the
(unkeyed) hash function, or delete the tail and set the head back. A checkpoint is a statement "the journal ended at
entry #id, whose hash was h, with n entries, at time t", signed with a key that is not in the database and kept
outside it (DESIGN.md, "The journal"). Whoever rewrites the database cannot sign a new one, nor unsay an old one.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KIND = "cellrelay.journal.checkpoint"
SYSLOG_MARKER = "cellrelay-journal-checkpoint: "


@dataclass(frozen=True)
class Statement:
    """What one checkpoint certifies. ``at`` is an ISO 8601 UTC time; the ids start at 1."""

    last_id: int
    last_hash: str
    entry_count: int
    at: str

    def signed_bytes(self) -> bytes:
        """The exact bytes signed: sorted-key compact JSON, with the kind, so no other signed text passes for one."""
        fields = {"kind": KIND, "version": 1, "last_id": self.last_id, "last_hash": self.last_hash,
                  "entry_count": self.entry_count, "at": self.at}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


class ForgedCheckpoint(Exception):
    """A checkpoint whose signature does not verify with the public key, or that cannot be read."""


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the checkpoint key must be an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key file, or a private key file from which the public key is derived."""
    if b"PRIVATE KEY" in pem:
        return load_private_key(pem).public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the checkpoint public key must be an Ed25519 key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """A short name of the key, written in each checkpoint so that a reader knows which key signed it."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, statement: Statement) -> dict:
    """The checkpoint document as exported: the statement, the key's fingerprint and the signature."""
    return {
        "kind": KIND,
        "version": 1,
        "last_id": statement.last_id,
        "last_hash": statement.last_hash,
        "entry_count": statement.entry_count,
        "at": statement.at,
        "key": fingerprint(key.public_key()),
        "signature": base64.b64encode(key.sign(statement.signed_bytes())).decode(),
    }


def read(document: dict, key: Ed25519PublicKey) -> Statement:
    """The statement of a checkpoint document, once its signature holds; ForgedCheckpoint otherwise."""
    try:
        if document.get("kind") != KIND:
            raise ForgedCheckpoint("not a journal checkpoint")
        statement = Statement(last_id=int(document["last_id"]), last_hash=str(document["last_hash"]),
                              entry_count=int(document["entry_count"]), at=str(document["at"]))
        signature = base64.b64decode(document["signature"], validate=True)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ForgedCheckpoint(f"unreadable checkpoint ({error})") from error
    try:
        key.verify(signature, statement.signed_bytes())
    except InvalidSignature:
        raise ForgedCheckpoint("its signature does not verify with the public key (forged or altered checkpoint, "
                               "or signed with another key)") from None
    return statement


@dataclass(frozen=True)
class Finding:
    """One contradiction between a checkpoint (named by ``source``) and the journal."""

    kind: str  # "forged checkpoint", "wipe", "truncation", "recomputed chain", "entries removed"
    source: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.source}: {self.detail}"


def compare(
    checkpoints: Iterable[tuple[str, Statement]],
    *,
    last_id: int,
    hash_at: Callable[[int], str | None],
    count_up_to: Callable[[int], int],
) -> list[Finding]:
    """What each verified checkpoint ``(source, statement)`` finds wrong in the journal as it is now.

    ``last_id`` is the highest entry id in the table (0 when empty), ``hash_at(id)`` the stored hash of an entry
    (None if absent), ``count_up_to(id)`` how many entries have an id up to ``id``. Entries are never removed, so
    every certified entry must still be there with the hash that was signed, and as many entries before it.
    """
    findings = []
    for source, statement in checkpoints:
        certified = f"entry #{statement.last_id} ({statement.entry_count} entries) at {statement.at}"
        if statement.last_id == 0:
            continue
        if last_id == 0:
            findings.append(Finding("wipe", source, f"the journal is empty, but the checkpoint certified {certified}"))
        elif statement.last_id > last_id:
            findings.append(Finding("truncation", source, f"the journal ends at entry #{last_id}, but the checkpoint "
                                                          f"certified {certified}"))
        elif (stored := hash_at(statement.last_id)) is None:
            findings.append(Finding("entries removed", source, f"entry #{statement.last_id}, certified at "
                                                               f"{statement.at}, is missing"))
        elif stored != statement.last_hash:
            findings.append(Finding("recomputed chain", source, f"entry #{statement.last_id} no longer has the hash "
                                                                f"signed at {statement.at}: it or an earlier entry "
                                                                f"was rewritten and the chain recomputed"))
        elif (count := count_up_to(statement.last_id)) != statement.entry_count:
            findings.append(Finding("entries removed", source, f"{count} entries up to #{statement.last_id}, but "
                                                               f"the checkpoint certified {statement.entry_count}"))
    return findings
