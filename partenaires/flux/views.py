"""Département admin pages of the CAF/MSA flux: deposit, past runs, a run's progress and report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partenaires.flux.forms import FluxDepotForm, RejeuForm
from partenaires.flux.lecture import FluxRefuse
from partenaires.flux.services import (
    est_bloque,
    flux_deposer,
    flux_rejeu_confirmer,
    peut_relancer,
    rapport_csv,
    rejeu_proposable,
    traitement_relancer,
)
from partenaires.models import ImportFlux
from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.perms import can_administer_departement

MAX_REJETS_AFFICHES = 200


def _runs():
    return ImportFlux.objects.select_related("depose_par", "jeton", "rejeu_confirme_par")


@require_perm(can_administer_departement)
def flux_liste(request):
    form = FluxDepotForm(request.POST or None, request.FILES or None, departement=request.departement)
    if request.method == "POST" and form.is_valid():
        try:
            run = flux_deposer(
                departement=request.departement,
                fichier=form.cleaned_data["fichier"],
                depose_par=request.user,
                debut_file=form.cleaned_data.get("debut_file"),
            )
        except FluxRefuse as exc:
            form.add_error("fichier", str(exc))
        else:
            log_access(request=request, action=Action.CREATION, obj=run, details={"taille": run.taille})
            messages.success(request, "Le flux est déposé : son traitement commence.")
            return redirect("partenaires:flux_detail", uid=run.uid)
    page = Paginator(_runs().order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(request, "partenaires/flux_liste.html", {"form": form, "page": page})


def statut_json(run, texte):
    return {
        "statut": run.statut,
        "statut_libelle": run.get_statut_display(),
        "fini": run.fini,
        "total": run.total,
        "traites": run.traites,
        "pourcentage": run.pourcentage,
        "crees": run.crees,
        "mis_a_jour": run.mis_a_jour,
        "inchanges": run.inchanges,
        "rejetes": run.rejetes,
        "texte": texte,
    }


def texte_avancement(run, unite="foyer"):
    if run.statut == "en_attente":
        return "En attente de traitement."
    if run.statut == "en_cours":
        if est_bloque(run):
            return (
                "Le traitement ne progresse plus : son serveur de tâches s'est arrêté. Il reprendra de lui-même ; "
                "vous pouvez aussi le relancer."
            )
        if not run.total:
            return "Contrôle du fichier en cours."
        return f"Traitement en cours : {run.traites} {unite}s sur {run.total} ({run.pourcentage} %)."
    if run.statut == "echec":
        return "Le traitement a échoué."
    return f"Terminé : {run.traites} {unite}s traités."


@require_perm(can_administer_departement, model=_runs)
def flux_detail(request, run):
    return _detail(request, run)


def _detail(request, run, rejeu_form=None):
    rejets = run.rejets
    proposer_rejeu = rejeu_proposable(run)
    return render(
        request,
        "partenaires/flux_detail.html",
        {
            "run": run,
            "texte": texte_avancement(run),
            "rejets": rejets[:MAX_REJETS_AFFICHES],
            "nb_rejets_detailles": len(rejets),
            "relancable": peut_relancer(run) and not proposer_rejeu,
            "rejeu_form": (rejeu_form or RejeuForm()) if proposer_rejeu else None,
        },
    )


@require_perm(can_administer_departement, model=_runs)
@require_POST
def flux_rejouer(request, run):
    """The confirmation step of a replay: the file, refused for being older than the last one imported (DTREF),
    is run again on the administrator's explicit confirmation, recorded on the run (who, when) and in the log."""
    form = RejeuForm(request.POST)
    if not form.is_valid():
        return _detail(request, run, rejeu_form=form)
    if flux_rejeu_confirmer(row=run, par=request.user):
        log_access(
            request=request,
            action=Action.MODIFICATION,
            obj=run,
            details={"rejeu": True, "fichier": run.nom_fichier, "date_reference": str(run.date_reference or "")},
        )
        messages.success(request, "Rejeu confirmé : le fichier est traité à nouveau.")
    else:
        messages.info(request, "Ce dépôt n'est pas à rejouer : il n'a pas été refusé pour sa date de référence.")
    return redirect("partenaires:flux_detail", uid=run.uid)


@require_perm(can_administer_departement, model=ImportFlux)
@require_POST
def flux_relancer(request, run):
    """Restart a failed run, or one lost with its worker (still "en cours", heartbeat stopped)."""
    from partenaires.tasks import traiter_flux

    if traitement_relancer(row=run, task=traiter_flux):
        log_access(request=request, action=Action.MODIFICATION, obj=run, details={"relance": True})
        messages.success(request, "Le traitement est relancé : les foyers déjà à jour ne seront pas réécrits.")
    else:
        messages.info(request, "Ce traitement n'est pas à relancer : il est terminé ou progresse encore.")
    return redirect("partenaires:flux_detail", uid=run.uid)


@require_perm(can_administer_departement, model=ImportFlux)
def flux_statut(request, run):
    return JsonResponse(statut_json(run, texte_avancement(run)))


@require_perm(can_administer_departement, model=ImportFlux)
def flux_rapport(request, run):
    log_access(request=request, action=Action.EXPORT, obj=run, details={"rejets": run.rejetes})
    response = HttpResponse(rapport_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapport-flux-{run.created_at:%Y%m%d-%H%M}.csv"'
    return response
