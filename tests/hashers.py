from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Real Argon2 with the cheapest cost, so that a hundred test users do not take minutes."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
