from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cellrelay.journal import checkpointing
from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import verify


class Command(BaseCommand):
    help = ("Recompute the journal's hash chain, and with --checkpoints check it against the signed checkpoints "
            "kept outside the database; exit non-zero naming every problem found.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoints", metavar="PATH",
                            help="the checkpoint directory (JSON files), or a file of syslog lines holding them")
        parser.add_argument("--public-key", metavar="FILE",
                            help="the checkpoints' public key (default: CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE, or "
                                 "derived from CELLRELAY_CHECKPOINT_KEY_FILE)")

    def handle(self, *args, checkpoints=None, public_key=None, **options):
        problems = []
        broken = verify()
        if broken is not None:
            where = f"entry #{broken.row_id}" if broken.row_id is not None else "the start"
            problems.append(f"Journal broken at {where}: {broken.reason}.")
        if checkpoints:
            problems += self.check_checkpoints(Path(checkpoints), public_key)
        else:
            self.say_what_was_not_checked()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + " ".join(problems))
        self.stdout.write(f"Journal intact: {JournalEntry.objects.count()} entries chain correctly.")

    def check_checkpoints(self, path: Path, key_file: str | None) -> list[str]:
        if not path.exists():
            raise CommandError(f"No checkpoints at {path}.")
        try:
            key = checkpointing.public_key(key_file)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the checkpoints' public key: {error}") from error
        if key is None:
            raise CommandError("No public key to check the checkpoints' signatures: pass --public-key or set "
                               "CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE.")
        findings, statements = checkpointing.check_against(path, key)
        if not statements and not findings:
            return [f"No checkpoint found at {path}: nothing certifies the journal."]
        if statements:
            latest = max(statements, key=lambda statement: (statement.last_id, statement.at))
            self.stdout.write(f"{len(statements)} signed checkpoints checked; the latest certifies entry "
                              f"#{latest.last_id} at {latest.at}. Entries after it are protected only by the chain "
                              f"until the next checkpoint.")
        return [f"Checkpoint contradicts the journal: {finding}." for finding in findings]

    def say_what_was_not_checked(self) -> None:
        if checkpointing.enabled():
            self.stdout.write("Checkpoints not checked: pass --checkpoints PATH to detect a truncated, wiped or "
                              "recomputed journal.")
        else:
            self.stdout.write("Checkpoints are off (CELLRELAY_CHECKPOINT_KEY_FILE not set): the chain alone cannot "
                              "show a journal truncated, wiped or recomputed by someone with write access to the "
                              "database.")
