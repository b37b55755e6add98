"""How passwords (and security answers) are stored: Argon2id with OWASP's parameters.

Django's default, PBKDF2-SHA256 with 1,000,000 rounds, costs ~0.25 s of CPU per sign-in on
the portal's 2-core hosts: under load a third of the web's CPU went to it. Argon2id with
19 MiB, 2 passes and 1 lane (OWASP Password Storage Cheat Sheet, first of its equal-strength
rows) costs ~0.03 s here and is memory-hard, so a GPU or ASIC attacker gains far less per
guess than against PBKDF2 — stronger where it matters, cheaper for the cooperative. Django's
own Argon2 defaults (100 MiB, 8 lanes) cost as much CPU as PBKDF2 did.

Hashes made before (PBKDF2) still verify and are re-hashed with these parameters at the
person's next sign-in (Django's ``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
