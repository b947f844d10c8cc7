"""Password hashing: scrypt from the standard library, salted, with its cost in the hash.

scrypt is memory-hard, so guessing on GPUs or dedicated hardware costs memory as well as time.
The default cost is OWASP's recommendation for scrypt (N=2^17, r=8, p=1: 128 MiB and a
noticeable fraction of a second of one core per hash). The parameters are stored with each
hash, so a stronger setting later needs no migration: :func:`needs_rehash` tells the caller
to rehash at the next successful sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from geo.errors import ValidationError

MIN_LENGTH = 12
# Long enough for any passphrase; bounded so that nobody can make the server hash megabytes.
MAX_LENGTH = 1024


@dataclass(frozen=True)
class ScryptCost:
    log2_n: int = 17
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128 * r * N * p bytes; leave room for OpenSSL's own buffers.
        return 2 * 128 * self.r * (1 << self.log2_n) * self.p + (1 << 20)


DEFAULT_COST = ScryptCost()


def check_password(password: str, name: str = "") -> None:
    """NCSC-style rules: long enough, not absurdly long, not the user name."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValidationError(f"password: at least {MIN_LENGTH} characters please")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"password: at most {MAX_LENGTH} characters")
    if name and password.strip().casefold() == name.casefold():
        raise ValidationError("password: must not be the user name")


def hash_password(password: str, cost: ScryptCost = DEFAULT_COST) -> str:
    """``scrypt$log2n$r$p$salt$key`` (salt and key in base64)."""
    salt = secrets.token_bytes(16)
    key = _derive(password, salt, cost)
    return "$".join(["scrypt", str(cost.log2_n), str(cost.r), str(cost.p), _b64(salt), _b64(key)])


def verify_hash(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored``, compared in constant time."""
    try:
        scheme, log2_n, r, p, salt, key = stored.split("$")
        cost = ScryptCost(int(log2_n), int(r), int(p))
        expected = base64.b64decode(key)
        if scheme != "scrypt":
            return False
        actual = _derive(password, base64.b64decode(salt), cost, len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, cost: ScryptCost = DEFAULT_COST) -> bool:
    parts = stored.split("$")
    return len(parts) != 6 or parts[:4] != ["scrypt", str(cost.log2_n), str(cost.r), str(cost.p)]


def _derive(password: str, salt: bytes, cost: ScryptCost, length: int = 32) -> bytes:
    # NFKC so that the same passphrase typed on different keyboards hashes the same.
    secret = unicodedata.normalize("NFKC", password).encode("utf-8")
    return hashlib.scrypt(
        secret, salt=salt, n=1 << cost.log2_n, r=cost.r, p=cost.p, maxmem=cost.maxmem,
        dklen=length,
    )  # fmt: skip


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
