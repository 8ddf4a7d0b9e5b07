from allauth.mfa.adapter import DefaultMFAAdapter

from spie import crypto


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are encrypted in the database (allauth keeps them in clear by default)."""

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)
