"""Pages around the files for the département's décideurs des sanctions and administrator: the complete file for a
court, the export file for the paying body (CAF/MSA), the indicators. Every read of a person's data is logged."""

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from sanctions import indicateurs, payeur, tribunal
from sanctions.models import DossierManquement
from sanctions.perms import can_list_dossiers
from spie.audit import log_access, log_export, log_list_view
from spie.decorators import require_perm
from spie.models import Action
from suivi.indicateurs.graphiques import barres


def _dossiers():
    return DossierManquement.objects.select_related("carnet__beneficiaire", "contrat", "decideur", "created_by")


@require_perm(tribunal.can_export_dossier_tribunal, model=_dossiers)
@require_safe
def dossier_tribunal(request, dossier):
    """The complete file, with its evidence, as one PDF."""
    pdf = tribunal.dossier_tribunal_pdf(dossier)
    log_access(
        request=request,
        action=Action.TELECHARGEMENT,
        obj=dossier,
        details={"page": "sanctions:dossier_tribunal", "carnet": str(dossier.carnet.uid)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="dossier-tribunal-administratif.pdf"'
    return response


@require_perm(can_list_dossiers)
@require_http_methods(["GET", "POST"])
def exports_payeur(request):
    """The files for the CAF/MSA: the movements waiting, the exports made; POST makes a new one."""
    if request.method == "POST":
        export = payeur.export_creer(departement_id=request.departement.pk, auteur=request.user)
        if export is None:
            messages.info(request, "Aucune décision, levée ou somme à rendre n'attend d'être envoyée.")
            return redirect("sanctions:exports_payeur")
        messages.success(request, f"Export préparé : {export.nombre} mouvement{'s' if export.nombre > 1 else ''}.")
        return redirect("sanctions:exports_payeur")
    en_attente = list(payeur.a_exporter()[:200])
    log_list_view(
        request,
        page="sanctions:exports_payeur",
        uids=[m.dossier.uid for m in en_attente],
        object_type="sanctions.dossiermanquement",
    )
    return render(
        request,
        "sanctions/exports_payeur.html",
        {"en_attente": en_attente, "exports": list(payeur.exports()[:50])},
    )


# The export is looked up first (another département's: 404 whatever the role), then the role is checked.
@require_perm(lambda acting, export: can_list_dossiers(acting), model=payeur.exports)
@require_safe
def export_payeur_csv(request, export):
    mouvements = payeur.mouvements_de(export)
    contenu = payeur.export_csv(mouvements)
    log_export(
        request,
        page="sanctions:export_payeur_csv",
        uids=sorted({m.dossier.uid for m in mouvements}),
        format="csv",
        object_type="sanctions.dossiermanquement",
    )
    response = HttpResponse(contenu, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sanctions-caf-msa-{export.created_at:%Y%m%d-%H%M}.csv"'
    return response


def _date(valeur):
    try:
        return datetime.date.fromisoformat(valeur)
    except (TypeError, ValueError):
        return None


@require_perm(can_list_dossiers)
@require_safe
def indicateurs_page(request):
    defaut_debut, defaut_fin = indicateurs.periode_par_defaut()
    erreurs = []
    debut = _date(request.GET.get("debut")) if request.GET.get("debut") else defaut_debut
    fin = _date(request.GET.get("fin")) if request.GET.get("fin") else defaut_fin
    if debut is None or fin is None:
        erreurs.append("Les dates doivent être au format AAAA-MM-JJ.")
    elif debut > fin:
        erreurs.append("La date de début est après la date de fin.")
    if erreurs:
        debut, fin = defaut_debut, defaut_fin
    chiffres = indicateurs.calculer(debut=debut, fin=fin)
    return render(
        request,
        "sanctions/indicateurs.html",
        {
            "chiffres": chiffres,
            "issues": list(indicateurs.ISSUES.values()),
            "erreurs": erreurs,
            "graphique_issues": barres(
                titre="Dossiers ouverts sur la période, selon leur issue",
                elements=[(libelle, float(n)) for libelle, n in chiffres.par_issue],
            ),
            "graphique_motifs": barres(
                titre="Dossiers ouverts sur la période, selon le motif",
                elements=[(libelle, float(total)) for libelle, _, total in chiffres.par_motif],
            ),
            "graphique_ep": barres(
                titre="Dossiers examinés en équipe pluridisciplinaire, selon le thème",
                elements=[(libelle, float(n)) for libelle, n in chiffres.ep_par_theme],
            ),
        },
        status=400 if erreurs else 200,
    )
