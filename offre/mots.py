"""Free-text search without pg_trgm or unaccent: keywords precomputed into an array with a GIN index.

Words are folded with `spie.text.normalise`, stop words dropped and a light plural folding applied
("ateliers" → "atelier"). Titles and labels (service name, structure, type, thématiques, publics,
commune) are stored with every prefix of 3 letters or more, so that "format" finds "formation"; the
description contributes whole words only, to keep the index small. A query word must be in the
array (`mots @> ARRAY[...]`): every word of the query must match.

The array holds 32-bit hashes (CRC-32) of the words, not the words: an `int4[]` is half the size and its
containment check about five times faster when PostgreSQL checks rows one by one (measured on the
benchmark catalogue). A collision can only add a result to a search, never hide one.
"""

import zlib

from spie.text import normalise

LONGUEUR_MIN = 3
# Prefixes and words are cut at this length (a longer query word is cut the same way).
LONGUEUR_MAX = 12

STOP_WORDS = frozenset(
    """
    les des une pour par avec dans sur aux sans sous chez vers entre que qui quoi dont est sont son ses
    leur leurs vous nous votre vos notre nos cette ces cet aussi plus moins tres tout tous toute toutes
    etre avoir fait faire peut peuvent selon afin lors ainsi comme mais donc car pas
    """.split()
)


def _fold(word):
    if len(word) > 4 and word[-1] in "sx":
        word = word[:-1]
    return word[:LONGUEUR_MAX]


def words(text):
    """Normalised, folded words of a text (stop words and words shorter than 3 letters dropped)."""
    return [_fold(w) for w in normalise(text).split() if len(w) >= LONGUEUR_MIN and w not in STOP_WORDS]


def prefixes(word):
    return [word[:n] for n in range(LONGUEUR_MIN, len(word) + 1)]


def word_hash(word):
    """CRC-32 of a word as a signed 32-bit integer (PostgreSQL's `integer`)."""
    value = zlib.crc32(word.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def keywords(*, titres=(), textes=()):
    """The `mots` array of a row: hashes of the prefixes of the words of `titres`, of the words of `textes`."""
    result = set()
    for text in titres:
        for word in words(text):
            result.update(prefixes(word))
    for text in textes:
        result.update(words(text))
    return sorted(word_hash(word) for word in result)


def query_words(text):
    """Words of a query, as they are stored; duplicates removed, order kept."""
    return list(dict.fromkeys(words(text)))


def query_hashes(text):
    """What `mots` must contain for a query: the hashes of its words."""
    return [word_hash(word) for word in query_words(text)]
