"""Join codes, teacher tokens and nicknames: the small rules a class's words follow.

A join code is read off a projector and typed on a phone, so its alphabet leaves out the characters
that look alike (0/O, 1/I/L) and it is case-blind. A teacher token is a secret of 192 random bits;
the store keeps only its SHA-256 (a fast hash is enough for a random secret of that size: there is
no dictionary to try), so a copy of the database opens no class.
"""

import hashlib
import hmac
import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # No 0/O, 1/I/L: 31 characters.
CODE_LENGTH = 6  # 31**6 = 887 million codes; wrong guesses are rate-limited (see store.Limits).
NICKNAME_MAX = 24  # Characters; fits a wall tile's caption on a projector.
TOKEN_BYTES = 24


def new_code(length=CODE_LENGTH):
    """A random join code, e.g. "K7QM4X"."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_code(text):
    """A typed code as the store keeps it: upper case, spaces and dashes gone, or None if it cannot be one.

    Args:
        text: what a student typed or the link carried.

    Returns:
        The code, or None when it has characters outside the alphabet or the wrong length.
    """
    if not isinstance(text, str):
        return None
    code = re.sub(r"[\s-]", "", text).upper()
    if not (CODE_LENGTH <= len(code) <= 12) or any(c not in ALPHABET for c in code):
        return None
    return code


def new_token():
    """A fresh teacher token (URL-safe text)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token):
    """The SHA-256 hex digest of a token, as stored."""
    return hashlib.sha256(str(token).encode("utf-8")).hexdigest()


def token_matches(token, stored_hash):
    """Whether `token` is the one whose hash is stored (constant-time comparison)."""
    if not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def clean_nickname(text):
    """A nickname as stored: printable characters only, spaces squeezed, at most NICKNAME_MAX; None if empty.

    Pages still escape it when they show it; this only keeps control characters and
    overlong names out of the database.
    """
    if not isinstance(text, str):
        return None
    kept = "".join(c for c in text if unicodedata.category(c)[0] != "C")
    kept = " ".join(kept.split())[:NICKNAME_MAX]
    return kept or None
