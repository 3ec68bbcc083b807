"""`manage.py seed_demo`: the fictional demo hospital, its staff, 23 patients, their pathway and follow-up
(`demo.seed`)."""

from django.core.management.base import BaseCommand

from cellrelay.demo import hospital, seed


class Command(BaseCommand):
    help = ("Create the fictional demo hospital: centers, one user per role, 23 patients with their referrals, "
            "RCP decisions, treatment episodes and follow-up since the infusion.")

    def handle(self, *args, **options):
        org, created, summary = seed.seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo hospital ready: {org['treating']} ({created} new patients)."))
        if summary:
            self.stdout.write(summary)
        self.stdout.write(f"Demo logins (password for all: {hospital.DEMO_PASSWORD}):")
        machines = {username for username, *_rest in hospital.MACHINES}
        for username, user in org["users"].items():
            roles = ", ".join(user.membership_roles())
            how = f"  (no password: API token from `manage.py issue_token {username}`)" if username in machines else ""
            self.stdout.write(f"  {username:<15} {roles}{how}")
