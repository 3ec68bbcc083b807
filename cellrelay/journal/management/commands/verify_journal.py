from django.core.management.base import BaseCommand, CommandError

from cellrelay.journal.models import JournalEntry
from cellrelay.journal.services import verify


class Command(BaseCommand):
    help = "Recompute the journal's hash chain; exit non-zero naming the first bad entry."

    def handle(self, *args, **options):
        broken = verify()
        if broken is not None:
            where = f"entry #{broken.row_id}" if broken.row_id is not None else "the start"
            raise CommandError(f"Journal broken at {where}: {broken.reason}.")
        self.stdout.write(f"Journal intact: {JournalEntry.objects.count()} entries chain correctly.")
