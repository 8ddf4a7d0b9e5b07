"""Charts drawn as SVG on the server: the same markup in the dashboard and in the PDF, no JavaScript, nothing
for the CSP to allow (presentation attributes only, no inline style). Each chart is an image with a text
alternative (`role="img"`, `<title>`, `<desc>`); the page shows the same figures in a table next to it."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

# DSFR palette: blue France, then illustrative colours with enough contrast on white.
COULEURS = ("#000091", "#c9191e", "#18753c", "#b34000", "#6a6af4", "#695240")
GRILLE = "#dddddd"
TEXTE = "#3a3a3a"


def nombre_fr(valeur, decimales=1):
    """12345.6 → "12 345,6"; None → "—"."""
    if valeur is None:
        return "—"
    if float(valeur).is_integer():
        decimales = 0
    texte = f"{valeur:,.{decimales}f}".replace(",", " ").replace(".", ",")
    return texte


def _echelle(maximum):
    """A round upper bound and 4 ticks for the axis."""
    if not maximum or maximum <= 0:
        return 1, [0, 1]
    pas_brut = maximum / 4
    puissance = 10 ** (len(str(int(pas_brut))) - 1) if pas_brut >= 1 else 0.1
    for multiple in (1, 2, 2.5, 5, 10):
        pas = multiple * puissance
        if pas * 4 >= maximum:
            break
    return pas * 4, [pas * i for i in range(5)]


def courbes(*, titre, etiquettes, series, unite="", hauteur=220, largeur=640):
    """A line chart: `etiquettes` (x labels), `series` [(name, [values or None])]."""
    marge_g, marge_d, marge_h, marge_b = 48, 12, 16, 56
    zone_l, zone_h = largeur - marge_g - marge_d, hauteur - marge_h - marge_b
    valeurs = [v for _, vs in series for v in vs if v is not None]
    maximum, graduations = _echelle(max(valeurs, default=0))
    n = max(len(etiquettes), 1)

    def x(i):
        return marge_g + (zone_l * (i + 0.5) / n)

    def y(v):
        return marge_h + zone_h - (zone_h * v / maximum)

    parties = []
    for g in graduations:
        parties.append(
            f'<line x1="{marge_g}" x2="{largeur - marge_d}" y1="{y(g):.1f}" y2="{y(g):.1f}" stroke="{GRILLE}"/>'
            f'<text x="{marge_g - 6}" y="{y(g) + 4:.1f}" text-anchor="end" font-size="11" fill="{TEXTE}">'
            f"{nombre_fr(g)}</text>"
        )
    for i, etiquette in enumerate(etiquettes):
        parties.append(
            f'<text x="{x(i):.1f}" y="{hauteur - marge_b + 16}" text-anchor="middle" font-size="11" '
            f'fill="{TEXTE}">{escape(etiquette)}</text>'
        )
    for rang, (nom, vs) in enumerate(series):
        couleur = COULEURS[rang % len(COULEURS)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            trace = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parties.append(f'<polyline points="{trace}" fill="none" stroke="{couleur}" stroke-width="2.5"/>')
        for px, py in points:
            parties.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{couleur}"/>')
        legende_y = hauteur - 14
        legende_x = marge_g + rang * 200
        parties.append(
            f'<rect x="{legende_x}" y="{legende_y - 9}" width="14" height="4" fill="{couleur}"/>'
            f'<text x="{legende_x + 20}" y="{legende_y - 4}" font-size="12" fill="{TEXTE}">{escape(nom)}</text>'
        )
    resume = "; ".join(
        f"{nom} : " + ", ".join(f"{e} {nombre_fr(v)}{' ' + unite if unite and v is not None else ''}"
                                for e, v in zip(etiquettes, vs, strict=False))
        for nom, vs in series
    )  # fmt: skip
    return _svg(titre, resume, largeur, hauteur, parties)


def barres(*, titre, elements, unite="", largeur=640):
    """Horizontal bars: `elements` [(label, value or None)], e.g. the territories compared for one month."""
    hauteur_barre, ecart, marge_g, marge_d = 20, 8, 190, 70
    hauteur = max(len(elements), 1) * (hauteur_barre + ecart) + 16
    maximum = max((v for _, v in elements if v is not None), default=0) or 1
    zone_l = largeur - marge_g - marge_d
    parties = []
    for i, (libelle, valeur) in enumerate(elements):
        haut = 8 + i * (hauteur_barre + ecart)
        court = libelle if len(libelle) <= 28 else libelle[:27] + "…"
        parties.append(
            f'<text x="{marge_g - 8}" y="{haut + 14}" text-anchor="end" font-size="12" fill="{TEXTE}">'
            f"{escape(court)}</text>"
        )
        if valeur is not None:
            longueur = max(zone_l * valeur / maximum, 1)
            parties.append(
                f'<rect x="{marge_g}" y="{haut}" width="{longueur:.1f}" height="{hauteur_barre}" '
                f'fill="{COULEURS[0]}"/>'
                f'<text x="{marge_g + longueur + 6:.1f}" y="{haut + 14}" font-size="12" fill="{TEXTE}">'
                f"{nombre_fr(valeur)}{' ' + escape(unite) if unite else ''}</text>"
            )
        else:
            parties.append(
                f'<text x="{marge_g + 4}" y="{haut + 14}" font-size="12" fill="{TEXTE}">pas de donnée</text>'
            )
    resume = "; ".join(f"{libelle} : {nombre_fr(valeur)}" for libelle, valeur in elements)
    return _svg(titre, resume, largeur, hauteur, parties)


def _svg(titre, resume, largeur, hauteur, parties):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {largeur} {hauteur}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="Marianne, Arial, sans-serif">'
        f"<title>{escape(titre)}</title><desc>{escape(resume)}</desc>{''.join(parties)}</svg>"
    )
