"""Text helpers shared by the apps."""

import re
import unicodedata

_NON_ALPHANUMERIC = re.compile(r"[\W_]+")


def normalise(text):
    """Fold text for accent- and case-insensitive search without unaccent or pg_trgm.

    "Saint-Étienne-du-Rouvray" → "saint etienne du rouvray", "L'Haÿ-les-Roses" → "l hay les roses".
    Letters without a decomposition are folded by hand (œ → oe, æ → ae, ß → ss).
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_ALPHANUMERIC.sub(" ", stripped).strip()
