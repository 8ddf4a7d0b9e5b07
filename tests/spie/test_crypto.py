"""spie.crypto: the keyed hash of an identifier (its derived key cached per FIELD_ENCRYPTION_KEY)."""

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.test import override_settings

from spie.crypto import decrypt, encrypt, keyed_hash


def _expected(key_material, value, purpose):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"spie", info=b"hash:" + purpose.encode()).derive(
        key_material.encode()
    )
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def test_keyed_hash_is_the_hmac_of_the_key_derived_from_the_setting(settings):
    assert keyed_hash("295109912611193", purpose="nir") == _expected(
        settings.FIELD_ENCRYPTION_KEY, "295109912611193", "nir"
    )
    assert keyed_hash("295109912611193", purpose="autre") != keyed_hash("295109912611193", purpose="nir")


def test_another_key_gives_another_hash_and_cipher_even_after_a_cached_derivation():
    before = keyed_hash("176057654012347", purpose="nir")
    with override_settings(FIELD_ENCRYPTION_KEY="une-autre-cle-de-chiffrement-pour-essai"):
        other = keyed_hash("176057654012347", purpose="nir")
        assert other == _expected("une-autre-cle-de-chiffrement-pour-essai", "176057654012347", "nir")
        token = encrypt("176057654012347")
        assert decrypt(token) == "176057654012347"
    assert other != before
    assert keyed_hash("176057654012347", purpose="nir") == before
