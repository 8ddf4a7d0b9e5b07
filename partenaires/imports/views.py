"""Département admin pages of the spreadsheet imports: upload, mapping, preview, run and report."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partenaires.flux.views import statut_json, texte_avancement
from partenaires.imports.analyse import LIBELLES_STATUTS
from partenaires.imports.champs import champs, colonnes_proposees
from partenaires.imports.forms import ColonnesForm, ImportDepotForm
from partenaires.imports.services import LIBELLES_CHAMPS, rapport_csv, tableur_apercu, tableur_deposer, tableur_valider
from partenaires.models import EtapeTableur, ImportTableur, ModeleImport
from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.perms import can_administer_departement

MAX_ERREURS_AFFICHEES = 200


def _imports():
    return ImportTableur.objects.select_related("structure", "created_by")


@require_perm(can_administer_departement)
def imports_liste(request):
    form = ImportDepotForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        row = tableur_deposer(
            departement=request.departement,
            structure=form.cleaned_data["structure"],
            type_=form.cleaned_data["type"],
            fichier=form.cleaned_data["fichier"],
            tableau=form.tableau,
            user=request.user,
        )
        log_access(request=request, action=Action.CREATION, obj=row, details={"lignes": row.total})
        return redirect("partenaires:import_colonnes", uid=row.uid)
    page = Paginator(_imports().order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    return render(request, "partenaires/imports_liste.html", {"form": form, "page": page})


def _redirect_to_step(row):
    if row.etape == EtapeTableur.VALIDE:
        return redirect("partenaires:import_detail", uid=row.uid)
    if row.etape == EtapeTableur.APERCU:
        return redirect("partenaires:import_apercu", uid=row.uid)
    return redirect("partenaires:import_colonnes", uid=row.uid)


@require_perm(can_administer_departement, model=_imports)
def import_colonnes(request, row):
    if row.etape == EtapeTableur.VALIDE:
        return _redirect_to_step(row)
    modele = ModeleImport.objects.filter(structure=row.structure, type=row.type).first()
    initial = row.colonnes or colonnes_proposees(row.entetes, row.type, modele.colonnes if modele else None)
    form = ColonnesForm(request.POST or None, initial=initial, entetes=row.entetes, type_=row.type)
    if request.method == "POST" and form.is_valid():
        tableur_apercu(row=row, colonnes=form.colonnes(), user=request.user)
        return redirect("partenaires:import_apercu", uid=row.uid)
    return render(
        request,
        "partenaires/import_colonnes.html",
        {
            "row": row,
            "form": form,
            "modele": modele,
            "champs_obligatoires": [c for c in champs(row.type) if c.obligatoire],
        },
    )


def _lines(resume):
    return [
        dict(exemple, statut_libelle=LIBELLES_STATUTS[exemple["statut"]], changements_libelles=_changes(exemple))
        for exemple in resume.get("exemples", [])
    ]


def _changes(entry):
    return ", ".join(LIBELLES_CHAMPS.get(name, name) for name in entry.get("changements", []))


@require_perm(can_administer_departement, model=_imports)
def import_apercu(request, row):
    if row.etape != EtapeTableur.APERCU:
        return _redirect_to_step(row)
    apercu = row.apercu
    return render(
        request,
        "partenaires/import_apercu.html",
        {
            "row": row,
            "apercu": apercu,
            "compteurs": apercu.get("compteurs", {}),
            "erreurs": apercu.get("erreurs", [])[:MAX_ERREURS_AFFICHEES],
            "nb_erreurs": len(apercu.get("erreurs", [])) + apercu.get("erreurs_non_detaillees", 0),
            "exemples": _lines(apercu),
            "colonnes": [(c.libelle, row.colonnes.get(c.code)) for c in champs(row.type) if row.colonnes.get(c.code)],
        },
    )


@require_perm(can_administer_departement, model=_imports)
@require_POST
def import_valider(request, row):
    if tableur_valider(row=row):
        log_access(request=request, action=Action.MODIFICATION, obj=row, details={"etape": "valide"})
        messages.success(request, "L'import est lancé.")
    return redirect("partenaires:import_detail", uid=row.uid)


@require_perm(can_administer_departement, model=_imports)
def import_detail(request, row):
    if row.etape != EtapeTableur.VALIDE:
        return _redirect_to_step(row)
    rapport = row.rapport or {}
    erreurs = rapport.get("erreurs", [])
    return render(
        request,
        "partenaires/import_detail.html",
        {
            "row": row,
            "run": row,
            "texte": texte_avancement(row, unite="ligne"),
            "erreurs": erreurs[:MAX_ERREURS_AFFICHEES],
            "nb_erreurs": len(erreurs) + rapport.get("erreurs_non_detaillees", 0),
        },
    )


@require_perm(can_administer_departement, model=ImportTableur)
def import_statut(request, row):
    return JsonResponse(statut_json(row, texte_avancement(row, unite="ligne")))


@require_perm(can_administer_departement, model=ImportTableur)
def import_rapport(request, row):
    log_access(request=request, action=Action.EXPORT, obj=row, details={"rejetes": row.rejetes})
    response = HttpResponse(rapport_csv(row), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapport-import-{row.created_at:%Y%m%d-%H%M}.csv"'
    return response
