"""Name search: case, accents and small typos ignored.

Names are normalised (case, accents, punctuation: `nom_recherche`) and compared by trigrams, each word
padded with two spaces before and one after, as pg_trgm does. Two ways, chosen once per process
(`uses_pg_trgm`):

- with pg_trgm, where migration `carnet.0005` could create it and its index (PostgreSQL of the machine,
  production): `nom_recherche %> query` on a GIN `gin_trgm_ops` index (by département where migration
  `carnet.0007` could add `btree_gin`: the département's `bigint` is then an index condition), ranked by
  `word_similarity(query, nom_recherche)`, the similarity of the query's trigrams with the closest run of
  the name's (a word or a few). A match needs `WORD_SIMILARITY_MIN`: over the generator's 209 one-word
  surnames, every single wrong, missing, doubled or swapped letter is found in surnames of six letters or
  more, 95 % of them at five letters, 80 % at four;
- without (the embedded PostgreSQL of `tasks.py run` has no contrib extension): the `trigrammes` array,
  kept by `Beneficiaire.save()` and the bulk writers, with its own GIN index. A match shares at least
  `MIN_SIMILARITY` of the query's trigrams, ranked by the number shared: it finds every single typing error,
  at the price of more distant names in the list (a name of three letters then needs one trigram).

The two rank a little differently (pg_trgm also counts the name's trigrams around the match); both pass
the same tests. `settings.SPIE_SEARCH_PG_TRGM = False` forces the array.

Speed: asking the index for everybody above the lowest similarity returns thousands of rows for common
word starts, each to fetch and score. The best matches are asked for first: thresholds go down and stop as
soon as `limit` rows reach one, since rows below it could only rank after them (the result is the one of
the plain query). With pg_trgm the threshold is the `pg_trgm.word_similarity_threshold` setting, local to
the transaction. With the array, a row sharing `t` of the `n` trigrams shares at least one of any
`n - t + 1` of them (pigeonhole), so at threshold `t` the index is only asked for the `n - t + 1` rarest.
A common name (thousands of perfect matches) is read otherwise: names holding every searched word as a whole
word all rank first (similarity 1, or every trigram shared), so when they fill the page they are the page, in
the order of the ties (name, first names), from the GIN index of the words (migration carnet.0023). Only when
they do not does the similarity search run. Figures in the README.
"""

import functools
import time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Func, IntegerField, Value

from spie.tenancy import ALL, ScopeError, current_scope
from spie.text import normalise

MIN_SIMILARITY = 0.45
# pg_trgm: the word similarity needed, and the thresholds tried from the best (see the module's docstring).
# Just above 1/4: a name of three letters (four trigrams) must share more than its initial with the query.
WORD_SIMILARITY_MIN = 0.28
WORD_SIMILARITY_STEPS = (0.6, 0.45, 0.35, WORD_SIMILARITY_MIN)
# The pg_trgm index, by département where btree_gin exists (migration carnet.0007), else on the name alone
# (carnet.0005); not part of the models' state: it may be absent.
TRGM_INDEXES = ("beneficiaire_dep_nom_trgm_gin", "beneficiaire_nom_trgm_gin")
_FREQUENCIES = {"at": 0.0, "values": {}}
FREQUENCY_TTL = 600


# Names repeat (a family, the usual surnames and first names): an import folds tens of thousands of them.
_normalise_partie = functools.lru_cache(maxsize=65_536)(normalise)


def search_text(*parts):
    # normalise() of the parts joined by spaces, part by part (the space between two parts is a separator either way).
    return " ".join(filter(None, (_normalise_partie(p) for p in parts if p)))


@functools.lru_cache(maxsize=65_536)
def _word_trigrams(word):
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def trigrams(text):
    grams = set()
    for word in normalise(text).split():
        grams.update(_word_trigrams(word))
    return grams


def name_trigrams(*parts):
    grams = set()
    for part in parts:
        if part:
            for word in _normalise_partie(part).split():
                grams.update(_word_trigrams(word))
    return sorted(grams)


def needed_score(grams):
    """The number of the query's trigrams a name must share to match."""
    return max(1, int(len(grams) * MIN_SIMILARITY))


@functools.cache
def pg_trgm_index():
    """The name of the valid pg_trgm index of the names, the one by département first; None without one
    (asked once per process)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = ANY(%s) AND i.indisvalid",
            [list(TRGM_INDEXES)],
        )
        found = {row[0] for row in cursor.fetchall()}
    return next((name for name in TRGM_INDEXES if name in found), None)


def pg_trgm_index_ready():
    return pg_trgm_index() is not None


def uses_pg_trgm():
    return settings.SPIE_SEARCH_PG_TRGM and pg_trgm_index_ready()


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


_TRGM_RANKED_IDS_SQL = """
    SELECT b.id FROM carnet_beneficiaire b
    WHERE b.nom_recherche %%> %(text)s {departement_clause}
    ORDER BY word_similarity(%(text)s, b.nom_recherche) DESC, b.nom_usage, b.prenoms, b.id
    LIMIT %(limit)s
"""

# Names holding every searched word as a whole word: a perfect match either way (word similarity 1, or every
# trigram shared), in the order of the ties below. GIN index of migration carnet.0023 (by département).
_EXACT_WORDS_IDS_SQL = """
    SELECT b.id FROM carnet_beneficiaire b
    WHERE string_to_array(b.nom_recherche, ' ') @> %(words)s::text[] {departement_clause}
    ORDER BY b.nom_usage, b.prenoms, b.id
    LIMIT %(limit)s
"""

_ARRAY_RANKED_IDS_SQL = """
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


def _departement_clause(params):
    scope = current_scope()
    if scope is None:
        raise ScopeError("Recherche de personnes hors de tout périmètre départemental.")
    if scope is ALL:
        return ""
    params["departement"] = scope
    # A bigint, as the column: the GIN index by département (btree_gin) has no cross-type operators.
    return "AND b.departement_id = %(departement)s::bigint"


def ranked_ids(text, *, limit=50):
    """Ids of the people whose names best match `text`, best first (at most `limit`), in the active scope."""
    grams = sorted(trigrams(text))
    if not grams:
        return []
    params = {"limit": limit}
    clause = _departement_clause(params)
    # A common name first: when whole-word matches fill the page, they are the page (every other name ranks
    # after them), read in order from their own index instead of scoring thousands of near matches.
    with connection.cursor() as cursor:
        cursor.execute(
            _EXACT_WORDS_IDS_SQL.format(departement_clause=clause), {**params, "words": normalise(text).split()}
        )
        exact = [row[0] for row in cursor.fetchall()]
    if len(exact) >= limit:
        return exact
    if uses_pg_trgm():
        return _ranked_ids_pg_trgm(normalise(text), params, clause)
    return _ranked_ids_array(grams, needed_score(grams), params, clause)


def _ranked_ids_pg_trgm(text, params, clause):
    sql = _TRGM_RANKED_IDS_SQL.format(departement_clause=clause)
    params = {**params, "text": text}
    ids = []
    # set_config(..., is_local=true) lasts until the end of the transaction: open one if there is none
    # (views already run in one: ATOMIC_REQUESTS).
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for threshold in WORD_SIMILARITY_STEPS:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(threshold)])
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) >= params["limit"]:
                break
    return ids


def _ranked_ids_array(grams, needed, params, clause):
    sql = _ARRAY_RANKED_IDS_SQL.format(departement_clause=clause)
    params = {**params, "grams": grams}
    frequencies = _frequencies()
    rarest = sorted(grams, key=lambda gram: (frequencies.get(gram, 0.0), gram))
    ids = []
    with connection.cursor() as cursor:
        for threshold in range(len(grams), needed - 1, -1):
            prefilter = rarest[: len(grams) - threshold + 1]
            cursor.execute(sql, {**params, "prefilter": prefilter, "needed": threshold})
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) >= params["limit"]:
                break
    return ids


def name_filter(queryset, text, *, limit=50):
    """`queryset` restricted to the best name matches of `text`, in rank order."""
    ids = ranked_ids(text, limit=limit)
    if not ids:
        return queryset.none()
    rank = Func(
        Value(ids, output_field=ArrayField(BigIntegerField())),
        F("pk"),
        function="array_position",
        output_field=IntegerField(),
    )
    return queryset.filter(pk__in=ids).annotate(_rang=rank).order_by("_rang")


def merge_pending_entries():
    """Merge the pending lists of the name search's GIN indexes (fastupdate on) into their main structure.

    Bulk runs (CAF/MSA flux, spreadsheet imports, the generator) call it when they end: inserting thousands of
    people appends to the pending list cheaply, and one merge afterwards is faster than merging each row, while
    searches read merged indexes again. Returns the number of pending pages merged.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0) FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
               WHERE am.amname = 'gin' AND i.indrelid = 'carnet_beneficiaire'::regclass"""
        )
        return cursor.fetchone()[0]
