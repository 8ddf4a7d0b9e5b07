"""Suggested offers on a carnet, and the département's mapping of themes and situations to thématiques.

The carnet page reads like the plan (whoever reads the carnet; health and family needs count only for the
group's members, who alone see those themes); the read is logged by `carnet_view`. "Prescrire" leads to the
existing prescription form, for the group's members.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from carnet.decorators import carnet_view
from carnet.models import Situation, Theme
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_read_sensitive_themes, can_view_carnet
from offre import services
from offre.perms import can_moderate_catalogue
from offre.referentiels import Thematique, label, thematique_choices
from offre.suggestions import correspondances, profil_du_carnet, suggerer
from spie.decorators import require_membership, require_perm

NOMBRE = 10


@carnet_view(can_view_carnet)
@require_GET
def carnet_suggestions(request, carnet):
    profil = profil_du_carnet(carnet, voit_themes_sensibles=can_read_sensitive_themes(request.acting, carnet))
    resultat = suggerer(profil, limite=NOMBRE)
    return render(
        request,
        "offre/carnet/suggestions.html",
        carnet_context(
            request,
            carnet,
            resultat=resultat,
            profil=profil,
            peut_prescrire=can_edit_carnet(request.acting, carnet),
        ),
    )


# --- The mapping (the département's admin) ------------------------------------------------------------------


class CorrespondanceForm(forms.Form):
    thematiques = forms.MultipleChoiceField(
        label="Thématiques data·inclusion qui y répondent",
        choices=thematique_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Les offres du catalogue classées dans l'une de ces thématiques seront suggérées.",
    )


def _lignes(mapping, departement):
    """(kind, object, thématiques in force, changed by the département) for every theme and situation."""
    themes = list(Theme.objects.order_by("ordre", "libelle"))
    situations = list(Situation.objects.disponibles(departement).select_related("theme"))
    rows = []
    for theme in themes:
        valeurs = mapping.du_theme(theme)
        rows.append(("theme", theme, [label(Thematique, v) for v in valeurs], theme.pk in mapping.themes))
    for situation in situations:
        valeurs = mapping.de_la_situation(situation)
        rows.append(
            ("situation", situation, [label(Thematique, v) for v in valeurs], situation.pk in mapping.situations)
        )
    return rows


@require_perm(can_moderate_catalogue)
def correspondances_liste(request):
    mapping = correspondances()
    return render(request, "offre/admin/correspondances.html", {"lignes": _lignes(mapping, request.departement)})


def _edit(request, *, theme=None, situation=None):
    mapping = correspondances()
    actuelles = mapping.du_theme(theme) if theme else mapping.de_la_situation(situation)
    modifiee = (theme.pk in mapping.themes) if theme else (situation.pk in mapping.situations)
    form = CorrespondanceForm(request.POST or None, initial={"thematiques": actuelles})
    if request.method == "POST":
        if request.POST.get("action") == "defaut":
            services.correspondance_reset(departement=request.departement, theme=theme, situation=situation)
            messages.success(request, "La correspondance par défaut est rétablie.")
            return redirect("offre:correspondances")
        if form.is_valid():
            services.correspondance_update(
                departement=request.departement,
                theme=theme,
                situation=situation,
                thematiques=form.cleaned_data["thematiques"],
                auteur=request.user,
            )
            messages.success(request, "La correspondance est enregistrée.")
            return redirect("offre:correspondances")
    sujet = f"l'axe « {theme.libelle} »" if theme else f"la situation « {situation.libelle} »"
    return render(
        request,
        "offre/admin/correspondance_form.html",
        {"form": form, "sujet": sujet, "modifiee": modifiee},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_perm(can_moderate_catalogue)
def correspondance_theme(request, code):
    return _edit(request, theme=get_object_or_404(Theme, code=code))


@require_membership
def correspondance_situation(request, uid):
    # The situation first: another département's own situation is a 404 for every role, before the role's 403.
    situation = get_object_or_404(Situation.objects.disponibles(request.departement), uid=uid)
    if not can_moderate_catalogue(request.acting):
        raise PermissionDenied
    return _edit(request, situation=situation)
