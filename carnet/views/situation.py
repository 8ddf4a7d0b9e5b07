"""The common diagnostic (situations per theme) and the professional projects of a carnet.

A theme's situations are read and written by whoever reads its sensitivity class (`carnet.sensibilite`: health
and family themes by the référent and the group's medical and social workers): for anyone else the theme is left
out of every query, not hidden in the template.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from carnet import sensibilite, services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms_situation import ProjetForm, SituationAjoutForm, SituationFinForm
from carnet.models import ProjetProfessionnel, Situation, SituationConstatee, Theme
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_view_carnet
from spie.versioning import VersionConflict


def _themes(request, carnet):
    lecteur = sensibilite.lecteur_professionnel(request.acting, carnet)
    return list(
        Theme.objects.filter(sensibilite__in=sensibilite.classes_lisibles(lecteur)).order_by("ordre", "libelle")
    )


def _situation_blocks(themes, constatees):
    """One block per theme: its current situations and its ended ones (the history)."""
    blocks = {theme.pk: {"theme": theme, "actuelles": [], "passees": []} for theme in themes}
    for constatee in constatees:
        block = blocks.get(constatee.situation.theme_id)
        if block is not None:
            block["actuelles" if constatee.fin is None else "passees"].append(constatee)
    return list(blocks.values())


@carnet_view(can_view_carnet, write=can_edit_carnet)
def situation(request, carnet):
    acting = request.acting
    themes = _themes(request, carnet)
    constatees = list(
        SituationConstatee.objects.filter(carnet=carnet, situation__theme__in=themes)
        .select_related("situation__theme", "auteur", "structure")
        .order_by("situation__theme__ordre", "fin", "-constatee_le", "situation__libelle")
    )
    form = None
    if can_edit_carnet(acting, carnet):
        disponibles = list(
            Situation.objects.disponibles(carnet.departement_id)
            .filter(theme__in=themes)
            .select_related("theme")
            .order_by("theme__ordre", "libelle")
        )
        actives = {c.situation_id for c in constatees if c.fin is None}
        form = SituationAjoutForm(
            request.POST if request.method == "POST" else None,
            themes=themes,
            disponibles=disponibles,
            actives=actives,
        )
        if request.method == "POST" and form.is_valid():
            ajoutees = services.situation_add(
                carnet=carnet,
                situations=form.selected_situations(),
                constatee_le=form.cleaned_data["constatee_le"],
                auteur=request.user,
                structure=request.structure,
            )
            messages.success(request, f"{len(ajoutees)} situation(s) ajoutée(s) au diagnostic.")
            return redirect("carnet:situation", uid=carnet.uid)
    projets = ProjetProfessionnel.objects.filter(carnet=carnet).select_related("auteur")
    context = carnet_context(
        request,
        carnet,
        blocs=_situation_blocks(themes, constatees),
        themes_sensibles_visibles=len(themes) == Theme.objects.count(),
        peut_modifier=form is not None,
        form=form,
        projets=projets,
    )
    return render(request, "carnet/situation.html", context)


@carnet_view(can_edit_carnet)
def situation_terminer(request, carnet, situation_uid):
    constatee = carnet_child(
        carnet, SituationConstatee.objects.select_related("situation__theme", "auteur", "structure"), situation_uid
    )
    lecteur = sensibilite.lecteur_professionnel(request.acting, carnet)
    if not sensibilite.peut_lire(lecteur, constatee.situation.theme.sensibilite):
        raise Http404("Situation introuvable.")
    if constatee.fin is not None:
        messages.info(request, "Cette situation n'est déjà plus d'actualité.")
        return redirect("carnet:situation", uid=carnet.uid)
    form = SituationFinForm(request.POST or None, constatee=constatee)
    if request.method == "POST" and form.is_valid():
        try:
            services.situation_end(
                constatee=constatee, fin=form.cleaned_data["fin"], auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as exc:
            form.add_error("fin", str(exc))
        else:
            messages.success(request, f"La situation « {constatee.situation.libelle} » n'est plus d'actualité.")
            return redirect("carnet:situation", uid=carnet.uid)
    return render(
        request, "carnet/situation_terminer.html", carnet_context(request, carnet, constatee=constatee, form=form)
    )


@carnet_view(can_edit_carnet)
def projet_ajouter(request, carnet):
    form = ProjetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        projet = services.projet_add(
            carnet=carnet, data=form.cleaned_data, auteur=request.user, structure=request.structure
        )
        messages.success(request, f"Le projet « {projet.metier} » est ajouté.")
        return redirect("carnet:situation", uid=carnet.uid)
    return render(request, "carnet/projet_form.html", carnet_context(request, carnet, form=form, projet=None))


@carnet_view(can_edit_carnet)
def projet_modifier(request, carnet, projet_uid):
    projet = carnet_child(carnet, ProjetProfessionnel.objects.all(), projet_uid)
    form = ProjetForm(request.POST or None, instance=projet)
    if request.method == "POST" and form.is_valid():
        try:
            services.projet_update(
                projet=projet,
                data=form.cleaned_data,
                version=form.cleaned_data["version"],
                auteur=request.user,
                structure=request.structure,
            )
        except VersionConflict:
            # Another save landed between validation and the UPDATE: same treatment as a stale form.
            form.conflict = True
            form.carry_current_version(ProjetProfessionnel.objects.values_list("version", flat=True).get(pk=projet.pk))
            form.add_error(None, form.conflict_message)
        else:
            messages.success(request, f"Le projet « {projet.metier} » est enregistré.")
            return redirect("carnet:situation", uid=carnet.uid)
    # On a conflict, show the version now in the database beside the input that was kept.
    actuel = ProjetProfessionnel.objects.get(pk=projet.pk) if form.conflict else None
    return render(
        request,
        "carnet/projet_form.html",
        carnet_context(request, carnet, form=form, projet=projet, projet_actuel=actuel),
    )
