"""French telephone numbers (python-phonenumbers): what the forms accept and where an SMS may go.

France's numbering plan covers metropolitan France and the overseas départements and collectivities that
share its trunk prefix 0 (La Réunion 0262/0692, Guadeloupe 0590/0690…): a number typed "0692 12 34 56" is
read as La Réunion's, not as an invalid metropolitan one. Numbers of other countries are refused: the
platform only sends SMS within France.
"""

import phonenumbers
from django.core.exceptions import ValidationError

# France, then the overseas territories numbered in the French plan (same trunk prefix, own country codes).
REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF")
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

MESSAGE_INVALIDE = "Numéro de téléphone invalide : saisissez un numéro français, par exemple 06 12 34 56 78."


def parse_french(value: str):
    """The valid French number `value` stands for, or None (foreign, incomplete or impossible number)."""
    for region in REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in REGIONS:
            return number
        if value.strip().startswith(("+", "00")):
            return None  # an explicit country code: trying other regions would not change it
    return None


def clean_french(value: str) -> str:
    """Form cleaning: the number as typed (imports and searches compare it so) when French, else a ValidationError."""
    value = (value or "").strip()
    if value and parse_french(value) is None:
        raise ValidationError(MESSAGE_INVALIDE, code="telephone_invalide")
    return value


def sms_refusal(value: str) -> str | None:
    """Why no SMS may be sent to `value` (a French sentence), or None when it may."""
    number = parse_french(value or "")
    if number is None:
        return "SMS refusé : le numéro n'est pas un numéro français valide."
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        return "SMS refusé : le numéro n'est pas un numéro de mobile."
    return None


def sms_number(value: str) -> str:
    """The E.164 form ("+33612345678") of a number `sms_refusal` accepts, as SMS providers want it."""
    return phonenumbers.format_number(parse_french(value), phonenumbers.PhoneNumberFormat.E164)
