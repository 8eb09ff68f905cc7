"""Django's default hasher (pbkdf2_sha256) with fewer iterations, so that the end-to-end run stays
fast: hashes keep Django's format (`pbkdf2_sha256$20000$salt$hash`) and the Node side checks them
like any stored hash (the iteration count is read from the hash). The version's full work factor
is covered by test/auth (real Django checks of hashes made with each version's defaults)."""
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 20000
