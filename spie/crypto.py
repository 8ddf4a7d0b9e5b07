"""Encryption at rest of secrets and identifiers (TOTP keys, NIR) and their keyed hashes.

Keys are derived from settings.FIELD_ENCRYPTION_KEY with HKDF so that the encryption key and the
hashing key are distinct.
"""

import base64
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(purpose: bytes) -> bytes:
    return _derive_from(settings.FIELD_ENCRYPTION_KEY, purpose)


@lru_cache(maxsize=16)
def _derive_from(key_material: str, purpose: bytes) -> bytes:
    # Cached by the key itself (a test overriding the setting gets its own): an import hashes tens of thousands of
    # NIRs, and deriving the key was a third of each hash's cost.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"spie", info=purpose).derive(key_material.encode())


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encryption")))


def encrypt(text: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()).decode()


def keyed_hash(value: str, *, purpose: str) -> str:
    """Deterministic HMAC-SHA256, for exact matching on a value that is stored encrypted."""
    return keyed_hasher(purpose)(value)


def keyed_hasher(purpose: str):
    """`keyed_hash` for many values of one purpose: the key is derived once (exports of 100,000 rows)."""
    key = _derive(b"hash:" + purpose.encode())
    return lambda value: hmac.digest(key, value.encode(), "sha256").hex()
