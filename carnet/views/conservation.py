"""Personal data: the admin's list of carnets due for anonymisation, the référent's justification for keeping one,
and the subject-access report of a person (JSON and PDF, produced by the admin)."""

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from carnet.decorators import carnet_view
from carnet.models import JustificationConservation
from carnet.navigation import carnet_context
from carnet.perms import can_justify_retention, can_manage_retention, can_produce_subject_access_report
from carnet.routes import carnet_url
from carnet.services import RegleMetier
from carnet.services import conservation as services
from carnet.services.rapport_personne import rapport
from spie.audit import log_access, log_list_view
from spie.decorators import require_perm
from spie.models import Action
from spie.pdf import render_pdf

LIGNES_MAXIMUM = 200


def _lignes(carnets, departement):
    rows = list(carnets.select_related("beneficiaire").order_by("derniere_activite", "pk")[:LIGNES_MAXIMUM])
    for row in rows:
        row.echeance = services.echeance(row, departement)
    return rows


@require_perm(can_manage_retention)
def conservation(request):
    """The carnets due (anonymised at the next run once their référent was warned 30 days ahead), those due within
    the warning period, and the people never accompanied who will be deleted."""
    departement = request.departement
    echus = services.carnets_echus(departement=departement)
    bientot = services.carnets_bientot_echus(departement=departement)
    a_supprimer = services.jamais_accompagnes_a_supprimer(departement=departement)
    listes = {
        "echus": _lignes(echus, departement),
        "bientot": _lignes(bientot, departement),
        "a_supprimer": _lignes(a_supprimer, departement),
    }
    log_list_view(request, page="conservation", uids=[c.uid for rows in listes.values() for c in rows])
    return render(
        request,
        "carnet/conservation.html",
        {
            **listes,
            "nombre_echus": echus.count(),
            "nombre_bientot": bientot.count(),
            "nombre_a_supprimer": a_supprimer.count(),
            "departement": departement,
            "preavis": settings.SPIE_CONSERVATION_PREAVIS_JOURS,
            "maximum": LIGNES_MAXIMUM,
        },
    )


class JustificationForm(forms.Form):
    motif = forms.CharField(
        label="Pourquoi ce carnet doit-il être conservé ?",
        help_text="Par exemple : accompagnement repris, procédure en cours. Cette justification est datée et "
        "journalisée ; elle repousse l'anonymisation d'une durée de conservation.",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@carnet_view(can_justify_retention)
def conservation_justifier(request, carnet):
    form = JustificationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            justification = services.conservation_justifier(
                carnet=carnet,
                motif=form.cleaned_data["motif"],
                user=request.user,
                structure=request.structure,
                request=request,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Conservation justifiée : le carnet est conservé jusqu'au {justification.jusqu_au:%d/%m/%Y}."
            )
            return redirect(carnet_url("carnet:detail", carnet.uid))
    carnet_echeance = services.avec_derniere_activite(type(carnet).objects.filter(pk=carnet.pk)).get()
    return render(
        request,
        "carnet/conservation_justifier.html",
        carnet_context(
            request,
            carnet,
            form=form,
            echeance=services.echeance(carnet_echeance, request.departement),
            justifications=JustificationConservation.objects.filter(carnet=carnet).select_related(
                "auteur", "structure"
            ),
        ),
        status=400 if form.errors else 200,
    )


def _rapport_journalise(request, carnet, format):
    log_access(
        request=request,
        action=Action.EXPORT,
        obj=carnet,
        details={"page": "rapport_personne", "format": format},
    )
    return rapport(carnet)


@carnet_view(can_produce_subject_access_report, log_reads=False)
@require_safe
def rapport_personne_json(request, carnet):
    data = _rapport_journalise(request, carnet, "json")
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="rapport-personne-{carnet.uid}.json"'
    return response


@carnet_view(can_produce_subject_access_report, log_reads=False)
@require_safe
def rapport_personne_pdf(request, carnet):
    data = _rapport_journalise(request, carnet, "pdf")
    pdf = render_pdf("carnet/pdf/rapport_personne.html", {"data": data, "edite_le": timezone.localdate()})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="rapport-personne-{carnet.uid}.pdf"'
    return response
