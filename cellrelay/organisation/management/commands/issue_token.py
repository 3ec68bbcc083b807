from django.core.management.base import BaseCommand, CommandError

from cellrelay.organisation.models import User
from cellrelay.organisation.services import create_token


class Command(BaseCommand):
    help = "Print a new API bearer token for USERNAME (shown once; only its hash is kept)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="issued from the command line")

    def handle(self, *args, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        token, raw = create_token(actor=None, user=user, name=name)
        self.stdout.write(raw)
        # On stderr: a script reading the token from stdout gets the token alone.
        self.stderr.write(f"Expires on {token.expires_at:%Y-%m-%d %H:%M} UTC: issue a new one before then.")
