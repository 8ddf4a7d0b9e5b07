"""The end of the accompaniment: the exit with its closing review, the check-ins after an exit into work, the
reopening of a closed carnet, and the closing review as a PDF.

Reading the exits: whoever reads the carnet; the review's own words (what helped, the person's words): the group
only. Recording an exit or a check-in: the group's members, on an open carnet. Reopening: the référent or an
administrator (`carnet.perms.can_reopen_carnet`).
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from carnet import sensibilite, services
from carnet.decorators import carnet_view
from carnet.forms_plan import PointDeSuiviForm, ReouvertureForm, SortieForm
from carnet.models import MembreGroupe, PointDeSuivi, Sortie
from carnet.navigation import carnet_context
from carnet.perms import (
    can_read_closing_review,
    can_record_exit,
    can_reopen_carnet,
    can_view_carnet,
)
from carnet.services.cloture import sortie_en_suivi
from spie.pdf import render_pdf


def _sorties_context(request, carnet, *, form=None, form_point=None, form_reouverture=None):
    peut_modifier = can_record_exit(request.acting, carnet)
    sorties = list(
        Sortie.objects.filter(carnet=carnet)
        .select_related("auteur", "structure")
        .prefetch_related("objectifs_atteints__axe__theme")
        .order_by("-date_sortie", "-created_at")
    )
    lecteur = sensibilite.lecteur_professionnel(request.acting, carnet)
    for sortie in sorties:
        sortie.objectifs_lisibles = [
            o for o in sortie.objectifs_atteints.all() if sensibilite.peut_lire(lecteur, o.axe.theme.sensibilite)
        ]
    points = list(PointDeSuivi.objects.filter(carnet=carnet).select_related("auteur").order_by("echeance", "pk"))
    for sortie in sorties:
        sortie.points = [p for p in points if p.sortie_id == sortie.pk]
    en_suivi = sortie_en_suivi(carnet) if carnet.cloture_le is None else None
    prochain = next((p for p in points if en_suivi and p.sortie_id == en_suivi.pk and p.realise_le is None), None)
    if peut_modifier:
        if form is None and en_suivi is None:
            form = SortieForm(carnet=carnet, initial={"date_sortie": timezone.localdate()})
        if form_point is None and prochain is not None:
            form_point = PointDeSuiviForm(
                carnet=carnet, initial={"point": prochain.uid, "realise_le": timezone.localdate()}
            )
    peut_rouvrir = carnet.cloture_le is not None and can_reopen_carnet(request.acting, carnet)
    if peut_rouvrir and form_reouverture is None:
        form_reouverture = ReouvertureForm()
    return carnet_context(
        request,
        carnet,
        sorties=sorties,
        form=form if peut_modifier and (en_suivi is None or (form is not None and form.is_bound)) else None,
        form_point=form_point if peut_modifier else None,
        prochain_point=prochain,
        sortie_en_suivi=en_suivi,
        peut_modifier=peut_modifier,
        peut_lire_bilan=can_read_closing_review(request.acting, carnet),
        peut_rouvrir=peut_rouvrir,
        form_reouverture=form_reouverture if peut_rouvrir else None,
    )


@carnet_view(can_view_carnet, write=can_record_exit)
def sorties(request, carnet):
    """The exits of the path with their review and check-ins; POST records an exit (which closes the carnet,
    or plans the check-ins after an exit into work)."""
    form = None
    if request.method == "POST":
        form = SortieForm(request.POST, carnet=carnet)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "objectifs_atteints"}
            try:
                sortie = services.sortie_create(
                    carnet=carnet,
                    data=data,
                    objectifs_atteints=form.cleaned_data["objectifs_atteints"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except services.RegleMetier as error:
                form.add_error(None, str(error))
            else:
                if sortie.suivi_dans_emploi:
                    messages.success(
                        request,
                        f"La sortie est enregistrée : {sortie.get_motif_display().lower()}. Des points de suivi sont "
                        "prévus ; le carnet sera clos après le dernier.",
                    )
                else:
                    messages.success(
                        request,
                        f"La sortie est enregistrée : {sortie.get_motif_display().lower()}. Le carnet est clos.",
                    )
                return redirect("carnet:sorties", uid=carnet.uid)
    return render(request, "carnet/sorties.html", _sorties_context(request, carnet, form=form))


@carnet_view(can_record_exit)
@require_POST
def point_de_suivi(request, carnet):
    """Record a check-in after an exit into work (the last one closes the carnet)."""
    form = PointDeSuiviForm(request.POST, carnet=carnet)
    valide = form.is_valid()
    if "point" in form.errors:  # a hidden field: its error is shown at the top of the form
        form.add_error(None, list(form.errors.pop("point")))
    if valide:
        try:
            point = services.point_de_suivi_enregistrer(
                point=form.cleaned_data["point"], data=form.donnees(), auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            message = f"Le point de suivi à {point.mois} mois est enregistré."
            if point.carnet.cloture_le is not None:
                message += " C'était le dernier : le carnet est clos."
            messages.success(request, message)
            return redirect("carnet:sorties", uid=carnet.uid)
    return render(request, "carnet/sorties.html", _sorties_context(request, carnet, form_point=form))


@carnet_view(can_reopen_carnet, sur_carnet_clos=True)
def reouvrir(request, carnet):
    """Reopen a closed carnet by hand, with a reason (the CAF/MSA flux reopens it on a new RSA entry)."""
    if carnet.cloture_le is None:
        messages.info(request, "Ce carnet n'est pas clos : il n'y a rien à rouvrir.")
        return redirect("carnet:sorties", uid=carnet.uid)
    form = ReouvertureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.carnet_rouvrir(
                carnet=carnet, motif=form.cleaned_data["motif"], auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Le carnet est rouvert : l'accompagnement reprend.")
            return redirect("carnet:sorties", uid=carnet.uid)
    return render(request, "carnet/sorties.html", _sorties_context(request, carnet, form_reouverture=form))


@carnet_view(can_read_closing_review)
@require_GET
def bilan_pdf(request, carnet):
    """The closing review of the latest exit, to print or hand to the person. No NIR; no personal data in the
    file name."""
    sortie = (
        Sortie.objects.filter(carnet=carnet)
        .select_related("auteur", "structure")
        .prefetch_related("objectifs_atteints__axe__theme")
        .order_by("-date_sortie", "-created_at")
        .first()
    )
    if sortie is None:
        messages.info(request, "Aucune sortie n'est enregistrée : il n'y a pas encore de bilan.")
        return redirect("carnet:sorties", uid=carnet.uid)
    referents = MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user", "structure")
    pdf = render_pdf(
        "carnet/pdf/bilan_sortie.html",
        {
            "sortie": sortie,
            "objectifs": sorted(
                (
                    o
                    for o in sortie.objectifs_atteints.all()
                    if sensibilite.peut_lire(
                        sensibilite.lecteur_professionnel(request.acting, carnet), o.axe.theme.sensibilite
                    )
                ),
                key=lambda o: (o.axe.theme.ordre, o.created_at),
            ),
            "points": list(sortie.points_de_suivi.order_by("echeance")),
            "beneficiaire": carnet.beneficiaire,
            "carnet": carnet,
            "departement": request.departement,
            "referents": list(referents),
            "edite_le": timezone.localdate(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bilan-de-sortie-{sortie.date_sortie:%Y-%m-%d}.pdf"'
    return response
