from django.core.management.base import BaseCommand, CommandError

from cellrelay.journal import checkpointing


class Command(BaseCommand):
    help = ("Sign the journal's current end (last entry, its hash, the number of entries, the time) and export it "
            "to the checkpoint directory and/or syslog. Run it from cron, e.g. every 15 minutes.")

    def handle(self, *args, **options):
        if not checkpointing.enabled():
            raise CommandError("Checkpoints are off: set CELLRELAY_CHECKPOINT_KEY_FILE (see manage.py journal_keygen).")
        try:
            document = checkpointing.write_checkpoint()
        except (OSError, RuntimeError, ValueError) as error:
            raise CommandError(f"No checkpoint written: {error}") from error
        self.stdout.write(f"Checkpoint written: entry #{document['last_id']} ({document['entry_count']} entries), "
                          f"hash {document['last_hash'][:16]}…, at {document['at']}.")
