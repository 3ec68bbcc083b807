import os

from django.core.management.base import BaseCommand, CommandError

from cellrelay.journal import checkpoints


class Command(BaseCommand):
    help = ("Create the Ed25519 key that signs the journal's checkpoints: the private key goes to PATH (readable by "
            "its owner only; never overwritten), the public key is printed, to keep where the checkpoints are checked.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="where to write the private key (CELLRELAY_CHECKPOINT_KEY_FILE)")

    def handle(self, *args, path, **options):
        key = checkpoints.new_private_key()
        try:
            # O_EXCL: replacing an existing key would make every checkpoint it signed unverifiable.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists: a checkpoint key is never overwritten.") from None
        with os.fdopen(descriptor, "wb") as out:
            out.write(checkpoints.private_key_pem(key))
        self.stderr.write(f"Private key written to {path} (mode 0600, fingerprint "
                          f"{checkpoints.fingerprint(key.public_key())}). Public key, for "
                          f"CELLRELAY_CHECKPOINT_PUBLIC_KEY_FILE on the machine that checks the checkpoints:")
        self.stdout.write(checkpoints.public_key_pem(key.public_key()).decode(), ending="")
