"""Appointments and contracts of a carnet, and the contract PDF handed to the person for signature.

Reading: whoever reads the carnet. Writing: the group's members. A contract's allowed actions come
from `carnet.services.suivi.CONTRAT_TRANSITIONS` only; the pages offer nothing else.
"""

from django.contrib import messages
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from carnet import sensibilite, services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms_plan import (
    ContratForm,
    ContratSignatureForm,
    ContratTransitionForm,
    RendezVousForm,
    RendezVousModifierForm,
)
from carnet.models import Contrat, MembreGroupe, RendezVous, StatutContrat, TypeContrat
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_read_sensitive_themes, can_view_carnet
from carnet.services.suivi import CONTRAT_FIELDS, MODIFIER, REFUS, RENOUVELER, SIGNER, TERMINER
from carnet.views.plan import show_conflict
from spie.pdf import render_pdf
from spie.versioning import VersionConflict

# --- Rendez-vous ----------------------------------------------------------------------------

RDV_CHAMPS = ["duree_minutes", "professionnel", "structure", "mode", "lieu", "objet", "statut"]


@carnet_view(can_view_carnet, write=can_edit_carnet)
def rendez_vous(request, carnet):
    peut_modifier = can_edit_carnet(request.acting, carnet)
    form = None
    if peut_modifier:
        initial = {"professionnel": request.user.pk, "structure": getattr(request.structure, "pk", None)}
        form = RendezVousForm(request.POST or None, carnet=carnet, initial=initial)
    if request.method == "POST" and form.is_valid():
        rdv = services.rendez_vous_create(
            carnet=carnet,
            data={"date_heure": form.instance.date_heure, **{n: form.cleaned_data[n] for n in RDV_CHAMPS}},
            auteur=request.user,
            structure=request.structure,
        )
        messages.success(
            request, f"Le rendez-vous du {timezone.localtime(rdv.date_heure):%d/%m/%Y à %H:%M} est ajouté."
        )
        return redirect("carnet:rendez_vous", uid=carnet.uid)
    tous = list(RendezVous.objects.filter(carnet=carnet).select_related("professionnel", "structure"))
    maintenant = timezone.now()
    a_venir = sorted((r for r in tous if r.date_heure >= maintenant), key=lambda r: r.date_heure)
    passes = [r for r in tous if r.date_heure < maintenant]
    context = carnet_context(
        request,
        carnet,
        a_venir=a_venir,
        passes=passes,
        form=form,
        peut_modifier=peut_modifier,
    )
    return render(request, "carnet/rendez_vous.html", context)


RDV_MODIFIABLE = ["mode", "lieu", "statut"]


@carnet_view(can_edit_carnet)
def rendez_vous_modifier(request, carnet, rdv_uid):
    rdv = carnet_child(carnet, RendezVous.objects.select_related("professionnel", "structure"), rdv_uid)
    rdv.carnet = carnet
    form = RendezVousModifierForm(request.POST or None, instance=rdv)
    version_actuelle = None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.rendez_vous_update(
                    rendez_vous=rdv,
                    data={"date_heure": form.instance.date_heure, **{n: form.cleaned_data[n] for n in RDV_MODIFIABLE}},
                    version=form.cleaned_data["version"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except VersionConflict:
                version_actuelle = show_conflict(form, rdv, ["date_heure", *RDV_MODIFIABLE])
            else:
                messages.success(request, "Le rendez-vous est mis à jour.")
                return redirect("carnet:rendez_vous", uid=carnet.uid)
        elif form.conflict:
            version_actuelle = show_conflict(form, rdv, ["date_heure", *RDV_MODIFIABLE])
    context = carnet_context(request, carnet, form=form, rdv=rdv, version_actuelle=version_actuelle)
    return render(request, "carnet/rendez_vous_form.html", context)


# --- Contrats -------------------------------------------------------------------------------


def _contrats(carnet):
    return (
        Contrat.objects.filter(carnet=carnet)
        .select_related("structure")
        .annotate(renouvellement_uid=F("renouvellement__uid"))
        .order_by("-date_debut", "-numero_version")
    )


def _contrat_of(carnet, uid):
    contrat = carnet_child(carnet, _contrats(carnet), uid)
    contrat.carnet = carnet
    return contrat


def _contrat_form_data(form):
    return form.contrat_data(), list(form.cleaned_data["objectifs"])


@carnet_view(can_view_carnet, write=can_edit_carnet)
def contrats(request, carnet):
    peut_modifier = can_edit_carnet(request.acting, carnet)
    form = None
    if peut_modifier:
        initial = {"structure": getattr(request.structure, "pk", None), "date_debut": timezone.localdate()}
        form = ContratForm(request.POST or None, carnet=carnet, initial=initial)
    if request.method == "POST" and form.is_valid():
        data, objectifs = _contrat_form_data(form)
        try:
            contrat = services.contrat_create(
                carnet=carnet, data=data, objectifs=objectifs, auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Le contrat est enregistré en brouillon : relisez-le avec la personne.")
            return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)
    context = carnet_context(request, carnet, contrats=list(_contrats(carnet)), form=form, peut_modifier=peut_modifier)
    return render(request, "carnet/contrats.html", context)


def _historique(carnet, contrat):
    """Every version of this contract's chain, newest first (one query: a carnet has few contracts)."""
    tous = {c.pk: c for c in Contrat.objects.filter(carnet=carnet).order_by("numero_version")}
    suivant = {c.precedent_id: c for c in tous.values() if c.precedent_id}
    chaine, courant = [], tous.get(contrat.pk)
    while courant is not None and courant.precedent_id:  # back to the first version
        courant = tous.get(courant.precedent_id)
    while courant is not None:
        chaine.append(courant)
        courant = suivant.get(courant.pk)
    return list(reversed(chaine))


def _objectifs_visibles(request, carnet, contrat):
    objectifs = list(contrat.objectifs.select_related("axe__theme").order_by("axe__theme__ordre", "created_at"))
    lecteur = sensibilite.lecteur_professionnel(request.acting, carnet)
    visibles = [o for o in objectifs if sensibilite.peut_lire(lecteur, o.axe.theme.sensibilite)]
    return visibles, len(visibles) != len(objectifs)


@carnet_view(can_view_carnet, write=can_edit_carnet)
def contrat_detail(request, carnet, contrat_uid):
    """The contract, its history, and the forms of the actions its status allows; POST edits a draft."""
    contrat = _contrat_of(carnet, contrat_uid)
    peut_modifier = can_edit_carnet(request.acting, carnet)
    actions = services.contrat_actions_permises(contrat) if peut_modifier else frozenset()
    form = version_actuelle = None
    if MODIFIER in actions:
        form = ContratForm(request.POST or None, carnet=carnet, instance=contrat)
    if request.method == "POST":
        if form is None:
            messages.error(request, REFUS[MODIFIER])
            return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)
        if form.is_valid():
            data, objectifs = _contrat_form_data(form)
            try:
                services.contrat_update(
                    contrat=contrat,
                    data=data,
                    objectifs=objectifs,
                    version=form.cleaned_data["version"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except VersionConflict:
                version_actuelle = show_conflict(form, contrat, CONTRAT_FIELDS)
            except services.RegleMetier as error:
                messages.error(request, str(error))
                return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)
            else:
                messages.success(request, "Le contrat est mis à jour.")
                return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)
        elif form.conflict:
            version_actuelle = show_conflict(form, contrat, CONTRAT_FIELDS)
    objectifs, objectifs_masques = _objectifs_visibles(request, carnet, contrat)
    version = {"version": contrat.version}
    context = carnet_context(
        request,
        carnet,
        contrat=contrat,
        historique=_historique(carnet, contrat),
        objectifs=objectifs,
        objectifs_masques=objectifs_masques,
        # The reason for reduced hours is restricted data: the group only (like the protected themes).
        voit_motif_reduction=can_read_sensitive_themes(request.acting, carnet),
        form=form,
        version_actuelle=version_actuelle,
        peut_signer=SIGNER in actions,
        peut_terminer=TERMINER in actions,
        peut_renouveler=RENOUVELER in actions,
        signature_form=ContratSignatureForm(initial={"date_signature": timezone.localdate(), **version}),
        transition_form=ContratTransitionForm(initial=version),
    )
    return render(request, "carnet/contrat_detail.html", context)


def _transition(request, carnet, contrat_uid, form_class, call, succes):
    contrat = _contrat_of(carnet, contrat_uid)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            call(contrat, form.cleaned_data)
        except VersionConflict:
            messages.error(
                request, "Le contrat a été modifié entre-temps par quelqu'un d'autre : relisez-le puis recommencez."
            )
        except services.RegleMetier as error:
            messages.error(request, str(error))
        else:
            messages.success(request, succes)
    return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)


@carnet_view(can_edit_carnet, log_reads=False)
@require_POST
def contrat_signer(request, carnet, contrat_uid):
    def call(contrat, data):
        services.contrat_sign(
            contrat=contrat,
            date_signature=data["date_signature"],
            version=data["version"],
            auteur=request.user,
            structure=request.structure,
        )

    return _transition(request, carnet, contrat_uid, ContratSignatureForm, call, "Le contrat est signé.")


@carnet_view(can_edit_carnet, log_reads=False)
@require_POST
def contrat_terminer(request, carnet, contrat_uid):
    def call(contrat, data):
        services.contrat_terminate(
            contrat=contrat, version=data["version"], auteur=request.user, structure=request.structure
        )

    return _transition(request, carnet, contrat_uid, ContratTransitionForm, call, "Le contrat est terminé.")


@carnet_view(can_edit_carnet)
def contrat_renouveler(request, carnet, contrat_uid):
    precedent = _contrat_of(carnet, contrat_uid)
    if RENOUVELER not in services.contrat_actions_permises(precedent):
        messages.error(request, REFUS[RENOUVELER])
        return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=precedent.uid)
    form = ContratForm(
        request.POST or None,
        carnet=carnet,
        precedent=precedent,
        initial=services.contrat_renewal_initial(precedent),
    )
    version_actuelle = None
    if request.method == "POST" and form.is_valid():
        data, objectifs = _contrat_form_data(form)
        try:
            contrat = services.contrat_renew(
                contrat=precedent,
                data=data,
                objectifs=objectifs,
                version=form.cleaned_data["version"],
                auteur=request.user,
                structure=request.structure,
            )
        except VersionConflict:
            version_actuelle = show_conflict(form, precedent, CONTRAT_FIELDS + ["statut"])
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"La version {contrat.numero_version} du contrat est préparée en brouillon ; "
                f"la version {precedent.numero_version} prend fin.",
            )
            return redirect("carnet:contrat_detail", uid=carnet.uid, contrat_uid=contrat.uid)
    context = carnet_context(request, carnet, form=form, precedent=precedent, version_actuelle=version_actuelle)
    return render(request, "carnet/contrat_renouveler.html", context)


SEMAINES_PDF = 8


def _semaines_pdf(contrat):
    """The last weeks of a signed contrat d'engagement's hours, for the person's copy (none on a draft)."""
    if contrat.type != TypeContrat.CONTRAT_ENGAGEMENT or contrat.statut == StatutContrat.BROUILLON:
        return []
    return services.releve_hebdomadaire(contrat).semaines[:SEMAINES_PDF]


@carnet_view(can_view_carnet)
@require_GET
def contrat_pdf(request, carnet, contrat_uid):
    """The contract to print and sign. No NIR, and the file name carries no personal data."""
    contrat = _contrat_of(carnet, contrat_uid)
    objectifs, objectifs_masques = _objectifs_visibles(request, carnet, contrat)
    referents = MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user", "structure")
    pdf = render_pdf(
        "carnet/pdf/contrat.html",
        {
            "contrat": contrat,
            "beneficiaire": carnet.beneficiaire,
            "departement": request.departement,
            "referents": list(referents),
            "objectifs": objectifs,
            "objectifs_masques": objectifs_masques,
            "edite_le": timezone.localdate(),
            "semaines": _semaines_pdf(contrat),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"contrat-{contrat.type.replace('_', '-')}-v{contrat.numero_version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
