"""The NIR (numéro d'inscription au répertoire): validation, normalisation, keyed hash.

Accepts 15 characters (with the key) or 13 (without: the key is computed); Corsica's 2A/2B are
handled by python-stdnum. The NIR is only ever used to match identities.
"""

from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir

from spie.crypto import keyed_hash


def normalise_nir(value):
    """Return the 15-character NIR, or raise ValidationError with a message for the person typing it."""
    compact = stdnum_nir.compact(value or "")
    if len(compact) == 13:
        try:
            compact += stdnum_nir.calc_check_digits(compact)
        except (ValueError, StdnumError) as exc:
            raise ValidationError("Le NIR saisi n'est pas valide.", code="nir_invalide") from exc
    if len(compact) != 15:
        raise ValidationError("Le NIR compte 13 caractères (sans la clé) ou 15 (avec la clé).", code="nir_longueur")
    try:
        return stdnum_nir.validate(compact)
    except stdnum_nir.InvalidChecksum as exc:
        raise ValidationError("La clé du NIR ne correspond pas au numéro saisi.", code="nir_cle") from exc
    except StdnumError as exc:
        raise ValidationError("Le NIR saisi n'est pas valide.", code="nir_invalide") from exc


def nir_hash(nir):
    return keyed_hash(nir, purpose="nir")
