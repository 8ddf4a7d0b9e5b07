"""Labels of the data·inclusion referentials in templates (from the package, never retyped)."""

from django import template

from offre import referentiels as ref

register = template.Library()


@register.filter
def type_service(value):
    return ref.label(ref.TypeService, value)


@register.filter
def thematique(value):
    return ref.thematique_label_complet(value)


@register.filter
def categories(values):
    """Category labels of a list of sub-themes, without duplicates."""
    return list(dict.fromkeys(ref.label(ref.Categorie, ref.categorie_of(v)) for v in values or []))


@register.filter
def publics(values):
    return ref.labels(ref.Public, values)


@register.filter
def modes_accueil(values):
    return ref.labels(ref.ModeAccueil, values)


@register.filter
def modes_mobilisation(values):
    return ref.labels(ref.ModeMobilisation, values)


@register.filter
def mobilisable_par(values):
    return ref.labels(ref.PersonneMobilisatrice, values)


@register.filter
def frais(value):
    return ref.label(ref.Frais, value)


@register.filter
def reseaux(values):
    return ref.labels(ref.ReseauPorteur, values)


@register.filter
def pourcent(value):
    """0.73 → "73 %"."""
    try:
        return f"{round(float(value) * 100)} %"
    except (TypeError, ValueError):
        return "—"


@register.filter
def score_badge(value):
    """DSFR badge class of a quality score."""
    value = value or 0
    if value >= 0.75:
        return "fr-badge--success"
    if value >= 0.5:
        return "fr-badge--info"
    return "fr-badge--warning"
