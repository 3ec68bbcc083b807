"""Start-up checks of the journal's checkpoint settings: a key that cannot sign, or checkpoints with nowhere to go,
would only show as errors in the log at every checkpoint, long after the operator could have fixed it."""

from django.conf import settings
from django.core import checks


def checkpoint_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from . import checkpointing

    if not checkpointing.enabled():
        return []
    problems = []
    try:
        checkpointing.private_key()
    except (OSError, ValueError) as error:
        problems.append(checks.Error(f"CELLRELAY_CHECKPOINT_KEY_FILE cannot be read as an Ed25519 private key: {error}",
                                     hint="Create one with manage.py journal_keygen PATH.", id="journal.E001"))
    if not (settings.CELLRELAY_CHECKPOINT_DIR or settings.CELLRELAY_CHECKPOINT_SYSLOG):
        problems.append(checks.Error("Journal checkpoints are signed but go nowhere.",
                                     hint="Set CELLRELAY_CHECKPOINT_DIR or CELLRELAY_CHECKPOINT_SYSLOG=1.",
                                     id="journal.E002"))
    return problems


def checkpoints_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from . import checkpointing

    if settings.PRODUCTION and not checkpointing.enabled():
        return [checks.Warning("Journal checkpoints are off: a journal truncated, wiped or recomputed by someone with "
                               "write access to the database would pass verify_journal.",
                               hint="Set CELLRELAY_CHECKPOINT_KEY_FILE (README, 'The journal against its own "
                                    "administrator').", id="journal.W001")]
    return []
