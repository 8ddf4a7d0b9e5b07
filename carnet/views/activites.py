"""The hours of a contrat d'engagement: the weekly view "target / planned / done" and the entry of activities.

Reading: whoever reads the carnet (the access is logged). Writing: the group's members. Partner structures post
their hours through the API (`partenaires.api.views_contrats`), through the same service.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from carnet import services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms_plan import ActiviteForm
from carnet.models import ActiviteEngagement, Contrat, TypeContrat
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_view_carnet
from carnet.services.activites import heures_lisibles


def _contrat_engagement(carnet, uid):
    contrat = carnet_child(carnet, Contrat.objects.select_related("structure"), uid)
    if contrat.type != TypeContrat.CONTRAT_ENGAGEMENT:
        raise Http404("Seul un contrat d'engagement compte des heures d'activité.")
    contrat.carnet = carnet
    return contrat


@carnet_view(can_view_carnet, write=can_edit_carnet)
def contrat_heures(request, carnet, contrat_uid):
    contrat = _contrat_engagement(carnet, contrat_uid)
    peut_modifier = can_edit_carnet(request.acting, carnet)
    form = None
    if peut_modifier:
        form = ActiviteForm(request.POST or None, carnet=carnet, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            activite = services.activite_record(
                contrat=contrat, data=form.activite_data(), auteur=request.user, structure=request.structure
            )
        except services.RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{heures_lisibles(activite.duree_minutes)} enregistrées le {activite.date:%d/%m/%Y} "
                f"({activite.get_etat_display().lower()}).",
            )
            return redirect("carnet:contrat_heures", uid=carnet.uid, contrat_uid=contrat.uid)
    activites = list(
        ActiviteEngagement.objects.filter(contrat=contrat).select_related("auteur", "structure", "justificatif")
    )
    context = carnet_context(
        request,
        carnet,
        contrat=contrat,
        releve=services.releve_hebdomadaire(contrat),
        activites=activites,
        form=form,
        peut_modifier=peut_modifier,
    )
    return render(request, "carnet/contrat_heures.html", context)


@carnet_view(can_edit_carnet, log_reads=False)
@require_POST
def contrat_activite_supprimer(request, carnet, contrat_uid, activite_uid):
    contrat = _contrat_engagement(carnet, contrat_uid)
    # A second click (or a colleague quicker to remove it) finds nothing left to remove: said, not an error page.
    activite = ActiviteEngagement.objects.filter(contrat=contrat, uid=activite_uid).first()
    if activite is None:
        messages.info(request, "Cette activité n'est plus dans le relevé d'heures.")
    else:
        services.activite_delete(activite=activite, auteur=request.user, structure=request.structure)
        messages.success(request, "L'activité est retirée du relevé d'heures.")
    return redirect("carnet:contrat_heures", uid=carnet.uid, contrat_uid=contrat.uid)
