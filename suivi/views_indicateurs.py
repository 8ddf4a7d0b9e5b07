"""The indicators dashboard, the definitions, the CSV exports and the monthly reports.

Everything shown is read from the stored series (`suivi.indicateurs.lecture`): a page never computes an
indicator, so it stays fast whatever the size of the département.
"""

import datetime

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.replica import sur_replique
from spie.spreadsheet import csv_bytes
from suivi import services
from suivi.forms import RapportForm, TableauDeBordForm
from suivi.indicateurs import lecture
from suivi.indicateurs.calcul import mois_entre, periode
from suivi.indicateurs.definitions import INDICATEURS, PAR_CODE
from suivi.indicateurs.graphiques import barres, courbes
from suivi.models import Perimetre, RapportMensuel, StatutRapport
from suivi.perms import can_manage_rapports, can_view_all_indicateurs, can_view_indicateurs, can_view_rapports_legaux


def _perimetre(request, form):
    """(perimetre, territoire, structure, libellé) chosen, or imposed on a structure's manager."""
    if not can_view_all_indicateurs(request.acting):
        return Perimetre.STRUCTURE, None, request.structure, request.structure.nom
    territoire = form.cleaned_data.get("territoire") if form.is_valid() else None
    structure = form.cleaned_data.get("structure") if form.is_valid() else None
    if territoire:
        return Perimetre.TERRITOIRE, territoire, None, f"Territoire {territoire.nom}"
    if structure:
        return Perimetre.STRUCTURE, None, structure, structure.nom
    return Perimetre.DEPARTEMENT, None, None, request.departement.nom


def _periode(form):
    """The form's period, or the default one (the last 12 months) when the form is not valid."""
    if form.is_valid():
        return form.cleaned_data["debut"], form.cleaned_data["fin"]
    return periode(fin_par_defaut=timezone.localdate())


@require_perm(can_view_indicateurs)
@require_GET
@sur_replique
def tableau_de_bord(request):
    tout_voir = can_view_all_indicateurs(request.acting)
    form = TableauDeBordForm(request.GET or None, tout_voir=tout_voir)
    debut, fin = _periode(form)
    if not form.is_bound:
        form.initial = {"debut": debut, "fin": fin}
    perimetre, territoire, structure, libelle = _perimetre(request, form)
    mois = mois_entre(debut, fin)
    etiquettes = [lecture.mois_court(m) for m in mois]
    valeurs = lecture.valeurs(mois=mois, perimetre=perimetre, territoire=territoire, structure=structure)
    reference = lecture.valeurs(mois=mois) if perimetre != Perimetre.DEPARTEMENT else valeurs
    territoires_du_mois = lecture.par_territoire(fin) if tout_voir and perimetre == Perimetre.DEPARTEMENT else {}
    noms_territoires = lecture.noms_territoires() if territoires_du_mois else {}
    blocs = []
    for indicateur in INDICATEURS:
        if perimetre == Perimetre.STRUCTURE and not indicateur.par_structure:
            continue
        serie = [valeurs.get((indicateur.code, m)) for m in mois]
        # A count missing for a computed month is a zero; an uncomputed month is a gap.
        calcules = [(indicateur.code, m) in reference for m in mois]
        series = [(libelle, [lecture.valeur_graphique(v, indicateur if c else None) for v, c in zip(serie, calcules)])]
        if perimetre != Perimetre.DEPARTEMENT:
            series.append(
                (
                    request.departement.nom,
                    [lecture.valeur_graphique(reference.get((indicateur.code, m))) for m in mois],
                )
            )
        comparaison = None
        if territoires_du_mois:
            elements = sorted(
                (
                    (nom, lecture.valeur_graphique(territoires_du_mois.get((indicateur.code, pk)), indicateur))
                    for pk, nom in noms_territoires.items()
                ),
                key=lambda e: e[0],
            )
            comparaison = barres(
                titre=f"{indicateur.titre} : comparaison des territoires, {lecture.mois_long(fin)}",
                elements=elements,
                unite=indicateur.unite if indicateur.unite in ("%",) else "",
            )
        blocs.append(
            {
                "indicateur": indicateur,
                "dernier": lecture.chiffre(indicateur, serie[-1]),
                "graphique": courbes(
                    titre=f"{indicateur.titre} : évolution mensuelle",
                    etiquettes=etiquettes,
                    series=series,
                    unite=indicateur.unite,
                ),
                "comparaison": comparaison,
                "lignes": [(lecture.mois_long(m), lecture.chiffre(indicateur, v)) for m, v in zip(mois, serie)],
            }
        )
    context = {
        "form": form,
        "blocs": blocs,
        "libelle": libelle,
        "mois_fin": lecture.mois_long(fin),
        "mois_debut": lecture.mois_long(debut),
        "tout_voir": tout_voir,
        "query": request.GET.urlencode(),
        "evaluations": services.agregats_evaluations(
            request.departement, (debut, fin), structure=structure if perimetre == Perimetre.STRUCTURE else None
        ),
        "rapports": can_manage_rapports(request.acting),
        "rapports_legaux": can_view_rapports_legaux(request.acting),
        "calcule_le": max((v.calcule_le for v in valeurs.values()), default=None),
        **_prescriptions(debut, fin, structure if perimetre == Perimetre.STRUCTURE else None),
    }
    return render(request, "suivi/tableau_de_bord.html", context)


def _prescriptions(debut, fin, structure):
    """Uptake and completion of the prescriptions sent in the period, by service and by receiving structure
    (a structure's own services only on its perimeter). Aggregates: no person appears."""
    from offre.models import Prescription
    from offre.services import indicateurs_prescriptions

    # `debut` and `fin` are the first days of the period's first and last months: the last month is included.
    apres = (fin.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    prescriptions = Prescription.objects.filter(created_at__date__gte=debut, created_at__date__lt=apres)
    if structure is not None:
        prescriptions = prescriptions.filter(structure_destinataire=structure)
    return {
        "prescriptions_par_service": indicateurs_prescriptions(prescriptions),
        "prescriptions_par_structure": [] if structure else indicateurs_prescriptions(prescriptions, par="structure"),
    }


@require_perm(can_view_indicateurs)
@require_GET
@sur_replique
def indicateurs_csv(request):
    """Every figure of the dashboard's period and perimeter (or one indicator with ?indicateur=), as CSV."""
    tout_voir = can_view_all_indicateurs(request.acting)
    form = TableauDeBordForm(request.GET or None, tout_voir=tout_voir)
    debut, fin = _periode(form)
    perimetre, territoire, structure, _ = _perimetre(request, form)
    choisis = INDICATEURS
    if request.GET.get("indicateur"):
        if request.GET["indicateur"] not in PAR_CODE:
            raise Http404("Indicateur inconnu.")
        choisis = [PAR_CODE[request.GET["indicateur"]]]
    mois = mois_entre(debut, fin)
    valeurs = lecture.valeurs(mois=mois, perimetre=perimetre, territoire=territoire, structure=structure)
    territoires, structures = lecture.noms_perimetres()
    lignes = [
        lecture.ligne_csv(indicateur, valeurs[(indicateur.code, m)], territoires, structures)
        for indicateur in choisis
        for m in mois
        if valeurs.get((indicateur.code, m)) is not None
    ]
    response = HttpResponse(csv_bytes([lecture.COLONNES_CSV, *lignes]), content_type="text/csv; charset=utf-8")
    nom = f"indicateurs-{request.departement.code}-{debut:%Y-%m}-{fin:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


@require_perm(can_view_indicateurs)
@require_GET
def indicateur_definition(request, code):
    indicateur = PAR_CODE.get(code)
    if indicateur is None:
        raise Http404("Indicateur inconnu.")
    return render(
        request,
        "suivi/indicateur_definition.html",
        {
            "indicateur": indicateur,
            "fenetre": services.regles_en_lecture(request.departement).fenetre_indicateurs_jours,
        },
    )


# --- Monthly reports ---------------------------------------------------------------------------


@require_perm(can_manage_rapports)
def rapports(request):
    form = RapportForm(request.POST or None, initial={"mois": services.mois_du_dernier_rapport()})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            rapport = services.rapport_demander(
                departement=request.departement, mois=form.cleaned_data["mois"], user=request.user
            )
        if rapport.statut == StatutRapport.EN_COURS:
            messages.info(request, "Ce rapport est déjà en cours de production.")
        return redirect("suivi:rapport_detail", uid=rapport.uid)
    liste = RapportMensuel.objects.select_related("demande_par").order_by("-mois")
    return render(request, "suivi/rapports.html", {"form": form, "rapports": liste})


@require_perm(can_manage_rapports, model=RapportMensuel)
@require_GET
def rapport_detail(request, rapport):
    return render(request, "suivi/rapport_detail.html", {"rapport": rapport, "texte": _texte(rapport)})


def _texte(rapport):
    if rapport.statut == StatutRapport.TERMINE:
        return f"Le rapport de {lecture.mois_long(rapport.mois)} est prêt."
    if rapport.statut == StatutRapport.ECHEC:
        return f"La production a échoué : {rapport.erreur}"
    if rapport.statut == StatutRapport.EN_ATTENTE:
        return "En attente d'un processus de traitement…"
    return f"{rapport.etape or 'Production en cours'} ({rapport.etapes_faites} étapes sur {rapport.etapes_total})"


@require_perm(can_manage_rapports, model=RapportMensuel)
@require_GET
def rapport_statut(request, rapport):
    return JsonResponse({"pourcentage": rapport.pourcentage, "fini": rapport.fini, "texte": _texte(rapport)})


@require_perm(can_manage_rapports, model=RapportMensuel)
@require_GET
def rapport_pdf(request, rapport):
    if rapport.statut != StatutRapport.TERMINE or not rapport.fichier:
        raise Http404("Le rapport n'est pas encore prêt.")
    log_access(request=request, action=Action.TELECHARGEMENT, obj=rapport, details={"mois": f"{rapport.mois:%Y-%m}"})
    nom = f"rapport-{request.departement.code}-{rapport.mois:%Y-%m}.pdf"
    response = FileResponse(rapport.fichier.open("rb"), content_type="application/pdf", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    response["Last-Modified"] = http_date((rapport.finished_at or rapport.updated_at).timestamp())
    return response
