"""Name search without pg_trgm or unaccent (not available in the embedded PostgreSQL).

Names are normalised (case, accents, punctuation) and cut into trigrams stored in an indexed
array; a query matches people sharing enough trigrams with it, which tolerates small typos,
and is ranked by similarity.
"""

from django.db import models
from django.db.models import Func

from spie.text import normalise


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


class ArrayOverlapCount(Func):
    """Number of elements shared by two text arrays."""

    output_field = models.IntegerField()

    def __init__(self, expression, query_grams, **extra):
        super().__init__(expression, **extra)
        self.query_grams = list(query_grams)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(SELECT count(*) FROM unnest({sql}) AS t(x) WHERE t.x = ANY(%s::varchar[]))",
            (*params, self.query_grams),
        )


def name_filter(queryset, text, *, min_similarity=0.45):
    """People whose names share enough trigrams with `text`, best matches first."""
    grams = trigrams(text)
    if not grams:
        return queryset.none()
    needed = max(1, int(len(grams) * min_similarity))
    return (
        queryset.filter(trigrammes__overlap=list(grams))
        .annotate(_score=ArrayOverlapCount("trigrammes", grams))
        .filter(_score__gte=needed)
        .order_by("-_score", "nom_usage", "prenoms")
    )
