"""The plan of action of a carnet: axes de travail → objectifs → actions.

Reading: whoever reads the carnet, except that axes on a sensitive theme (health, family) are listed
to the group's members only. Writing: the group's members. Edit forms carry a version: a stale
submission shows a conflict with the user's input kept and the saved values beside it.
"""

import datetime

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_GET

from carnet import sensibilite, services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms_plan import ActionForm, AxeForm, ObjectifForm, suggestions_for
from carnet.models import Action, AxeDeTravail, Objectif
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_read_sensitive_themes, can_view_carnet
from carnet.services.plan import ACTION_FIELDS
from spie.versioning import VersionConflict


def plan_url(carnet, anchor=""):
    url = reverse("carnet:plan", kwargs={"uid": carnet.uid})
    return f"{url}#{anchor}" if anchor else url


def axes_of(acting, carnet):
    """The axes the user may see, with objectives, actions and carrying structures in 4 queries."""
    actions = Action.objects.select_related("structure").order_by("date_debut", "created_at")
    objectifs = Objectif.objects.order_by("created_at").prefetch_related(Prefetch("actions", queryset=actions))
    queryset = (
        AxeDeTravail.objects.filter(carnet=carnet)
        .select_related("theme")
        .prefetch_related(Prefetch("objectifs", queryset=objectifs))
        .order_by("theme__ordre")
    )
    lecteur = sensibilite.lecteur_professionnel(acting, carnet)
    return list(queryset.filter(theme__sensibilite__in=sensibilite.classes_lisibles(lecteur)))


def _sensitive_guard(acting, carnet, axe):
    # Writers are group members, who see every theme; kept so that the rule holds if writers widen.
    if not sensibilite.peut_lire(sensibilite.lecteur_professionnel(acting, carnet), axe.theme.sensibilite):
        raise Http404


def saved_values(instance, names):
    """(label, value) pairs of the row as saved now, shown beside the user's input after a conflict."""
    current = (
        type(instance)
        .objects.select_related(*[n for n in names if instance._meta.get_field(n).is_relation])
        .get(pk=instance.pk)
    )
    rows = []
    for name in names:
        field = current._meta.get_field(name)
        value = getattr(current, name)
        if field.choices:
            value = getattr(current, f"get_{name}_display")()
        elif isinstance(value, bool):
            value = "Oui" if value else "Non"
        elif isinstance(value, datetime.datetime):
            value = formats.date_format(timezone.localtime(value), "d/m/Y à H:i")
        elif isinstance(value, datetime.date):
            value = formats.date_format(value, "d/m/Y")
        rows.append((field.verbose_name, value if value not in (None, "") else "—"))
    return current, rows


def show_conflict(form, instance, names):
    """Mark `form` as in conflict (also when the conflict was found at save time) and return the saved values."""
    current, rows = saved_values(instance, names)
    if not form.conflict:
        form.conflict = True
        form.add_error(None, forms.ValidationError(form.conflict_message, code="conflict"))
    form.carry_current_version(current.version)
    return rows


@carnet_view(can_view_carnet)
@require_GET
def plan(request, carnet):
    axes = axes_of(request.acting, carnet)
    peut_modifier = can_edit_carnet(request.acting, carnet)
    classes = sensibilite.classes_lisibles(sensibilite.lecteur_professionnel(request.acting, carnet))
    axe_form = AxeForm(themes_pris=[axe.theme_id for axe in axes], classes=classes) if peut_modifier else None
    context = carnet_context(
        request,
        carnet,
        axes=axes,
        axe_form=axe_form,
        peut_modifier=peut_modifier,
        voit_themes_sensibles=can_read_sensitive_themes(request.acting, carnet),
    )
    return render(request, "carnet/plan.html", context)


@carnet_view(can_edit_carnet)
def axe_ajouter(request, carnet):
    themes_pris = AxeDeTravail.objects.filter(carnet=carnet).values_list("theme_id", flat=True)
    classes = sensibilite.classes_lisibles(sensibilite.lecteur_professionnel(request.acting, carnet))
    form = AxeForm(request.POST or None, themes_pris=themes_pris, classes=classes)
    if request.method == "POST" and form.is_valid():
        try:
            axe = services.axe_create(
                carnet=carnet, theme=form.cleaned_data["theme"], auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as error:
            form.add_error("theme", str(error))
        else:
            messages.success(request, f"L'axe de travail « {axe.theme.libelle} » est ajouté au plan.")
            return redirect(plan_url(carnet, f"axe-{axe.uid}"))
    return render(request, "carnet/plan_axe_form.html", carnet_context(request, carnet, form=form))


@carnet_view(can_edit_carnet)
def objectif_ajouter(request, carnet, axe_uid):
    axe = carnet_child(carnet, AxeDeTravail.objects.select_related("theme"), axe_uid)
    _sensitive_guard(request.acting, carnet, axe)
    axe.carnet = carnet
    form = ObjectifForm(request.POST or None, suggestions=suggestions_for(axe, carnet.departement_id))
    if request.method == "POST" and form.is_valid():
        objectif = services.objectif_create(
            axe=axe,
            libelle=form.cleaned_data["libelle"],
            consentement=form.cleaned_data["consentement"],
            auteur=request.user,
            structure=request.structure,
        )
        messages.success(request, f"L'objectif « {objectif.libelle} » est ajouté.")
        return redirect(plan_url(carnet, f"objectif-{objectif.uid}"))
    context = carnet_context(request, carnet, form=form, axe=axe, objectif=None, version_actuelle=None)
    return render(request, "carnet/plan_objectif_form.html", context)


OBJECTIF_FIELDS = ["libelle", "statut", "consentement", "consentement_le"]


@carnet_view(can_edit_carnet)
def objectif_modifier(request, carnet, objectif_uid):
    objectif = carnet_child(carnet, Objectif.objects.select_related("axe__theme"), objectif_uid, via="axe__carnet")
    _sensitive_guard(request.acting, carnet, objectif.axe)
    objectif.axe.carnet = carnet
    form = ObjectifForm(request.POST or None, instance=objectif)
    version_actuelle = None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.objectif_update(
                    objectif=objectif,
                    libelle=form.cleaned_data["libelle"],
                    statut=form.cleaned_data["statut"],
                    consentement=form.cleaned_data["consentement"],
                    version=form.cleaned_data["version"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except VersionConflict:
                version_actuelle = show_conflict(form, objectif, OBJECTIF_FIELDS)
            else:
                messages.success(request, "L'objectif est mis à jour.")
                return redirect(plan_url(carnet, f"objectif-{objectif.uid}"))
        elif form.conflict:
            version_actuelle = show_conflict(form, objectif, OBJECTIF_FIELDS)
    context = carnet_context(request, carnet, form=form, objectif=objectif, version_actuelle=version_actuelle)
    return render(request, "carnet/plan_objectif_form.html", context)


@carnet_view(can_edit_carnet)
def action_ajouter(request, carnet, objectif_uid):
    objectif = carnet_child(carnet, Objectif.objects.select_related("axe__theme"), objectif_uid, via="axe__carnet")
    _sensitive_guard(request.acting, carnet, objectif.axe)
    objectif.axe.carnet = carnet
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = services.action_create(
            objectif=objectif,
            data={name: form.cleaned_data[name] for name in ACTION_FIELDS},
            auteur=request.user,
            structure=request.structure,
        )
        messages.success(request, f"L'action « {action.libelle} » est ajoutée.")
        return redirect(plan_url(carnet, f"objectif-{objectif.uid}"))
    context = carnet_context(request, carnet, form=form, objectif=objectif, action=None, version_actuelle=None)
    return render(request, "carnet/plan_action_form.html", context)


@carnet_view(can_edit_carnet)
def action_modifier(request, carnet, action_uid):
    action = carnet_child(
        carnet, Action.objects.select_related("objectif__axe__theme"), action_uid, via="objectif__axe__carnet"
    )
    _sensitive_guard(request.acting, carnet, action.objectif.axe)
    action.objectif.axe.carnet = carnet
    form = ActionForm(request.POST or None, instance=action)
    version_actuelle = None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.action_update(
                    action=action,
                    data={name: form.cleaned_data[name] for name in ACTION_FIELDS},
                    version=form.cleaned_data["version"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except VersionConflict:
                version_actuelle = show_conflict(form, action, ACTION_FIELDS)
            else:
                messages.success(request, "L'action est mise à jour.")
                return redirect(plan_url(carnet, f"action-{action.uid}"))
        elif form.conflict:
            version_actuelle = show_conflict(form, action, ACTION_FIELDS)
    context = carnet_context(
        request, carnet, form=form, objectif=action.objectif, action=action, version_actuelle=version_actuelle
    )
    return render(request, "carnet/plan_action_form.html", context)
