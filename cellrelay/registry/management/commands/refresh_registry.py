"""`manage.py refresh_registry`: compute every episode's stored registry completeness again (``registry.stored``).

The pages keep the stored rows true by themselves (the journal and the dates say what to compute again); run this
after a deployment that changes the dictionary or the completeness rules, after loading data that bypassed the
services, or nightly (``registry.tasks.refresh_completeness`` does the same from the task queue)."""

import time

from django.core.management.base import BaseCommand

from cellrelay.registry import stored


class Command(BaseCommand):
    help = "Compute every episode's registry completeness again (the registry page and API read it)."

    def handle(self, *args, **options):
        started = time.perf_counter()
        episodes = stored.refresh_all()
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Registry completeness computed for {episodes:,} episodes in "
                                             f"{elapsed:.1f} s."))
