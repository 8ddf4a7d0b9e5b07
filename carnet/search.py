"""Name search without pg_trgm or unaccent (not available in the embedded PostgreSQL).

Names are normalised (case, accents, punctuation) and cut into trigrams stored in an indexed array;
a query matches people sharing enough trigrams with it, which tolerates small typos, and is ranked
by the number of shared trigrams.

Speed: asking the GIN index for rows sharing *any* query trigram returns a fifth of the département
for common word starts. Instead the best scores are asked for first: a row sharing `t` of the query's
`n` trigrams shares at least one of any `n - t + 1` of them (pigeonhole), so at threshold `t` the
index is only asked for the `n - t + 1` rarest trigrams. Thresholds go down from `n` and stop as
soon as `limit` rows reach one: rows below it could only rank after them. The result is exactly
the one of the plain query (a test checks it), measured in the README.
"""

import time

from django.db import connection
from django.db.models import Case, IntegerField, Value, When

from spie.tenancy import ALL, ScopeError, current_scope
from spie.text import normalise

MIN_SIMILARITY = 0.45
_FREQUENCIES = {"at": 0.0, "values": {}}
FREQUENCY_TTL = 600


def search_text(*parts):
    return normalise(" ".join(p for p in parts if p))


def trigrams(text):
    grams = set()
    for word in normalise(text).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def name_trigrams(*parts):
    return sorted(trigrams(" ".join(p for p in parts if p)))


def _frequencies():
    """Element frequencies of `trigrammes` from the planner statistics, cached for a few minutes."""
    if time.monotonic() - _FREQUENCIES["at"] > FREQUENCY_TTL:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE tablename = 'carnet_beneficiaire' AND attname = 'trigrammes'"
            )
            row = cursor.fetchone()
        _FREQUENCIES["values"] = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
        _FREQUENCIES["at"] = time.monotonic()
    return _FREQUENCIES["values"]


_RANKED_IDS_SQL = """
    WITH candidats AS (
        SELECT b.id, b.nom_usage, b.prenoms,
               (SELECT count(*) FROM unnest(b.trigrammes) AS t(x) WHERE t.x = ANY(%(grams)s::varchar[])) AS score
        FROM carnet_beneficiaire b
        WHERE b.trigrammes && %(prefilter)s::varchar[] {departement_clause}
    )
    SELECT id FROM candidats WHERE score >= %(needed)s
    ORDER BY score DESC, nom_usage, prenoms, id
    LIMIT %(limit)s
"""


def ranked_ids(text, *, limit=50):
    """Ids of the people whose names best match `text`, best first (at most `limit`), in the active scope."""
    grams = sorted(trigrams(text))
    if not grams:
        return []
    needed = max(1, int(len(grams) * MIN_SIMILARITY))
    scope = current_scope()
    if scope is None:
        raise ScopeError("Recherche de personnes hors de tout périmètre départemental.")
    params = {"grams": grams, "limit": limit}
    clause = ""
    if scope is not ALL:
        clause = "AND b.departement_id = %(departement)s"
        params["departement"] = scope
    sql = _RANKED_IDS_SQL.format(departement_clause=clause)
    frequencies = _frequencies()
    rarest = sorted(grams, key=lambda gram: (frequencies.get(gram, 0.0), gram))
    ids = []
    with connection.cursor() as cursor:
        for threshold in range(len(grams), needed - 1, -1):
            prefilter = rarest[: len(grams) - threshold + 1]
            cursor.execute(sql, {**params, "prefilter": prefilter, "needed": threshold})
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) >= limit:
                break
    return ids


def name_filter(queryset, text, *, limit=50):
    """`queryset` restricted to the best name matches of `text`, in rank order."""
    ids = ranked_ids(text, limit=limit)
    if not ids:
        return queryset.none()
    rank = Case(*[When(pk=pk, then=Value(position)) for position, pk in enumerate(ids)], output_field=IntegerField())
    return queryset.filter(pk__in=ids).annotate(_rang=rank).order_by("_rang")
