"""The département admin's pages of the catalogue: moderation, quality, imports, export."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from offre import schema, services
from offre.exports import services_exportes, structures_exportees
from offre.forms import ImportForm, ModerationForm
from offre.models import ImportCatalogue, Service, StatutService
from offre.perms import can_moderate_catalogue
from offre.services.lecture import LIBELLES
from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.replica import sur_replique
from spie.spreadsheet import csv_bytes

admin_required = require_perm(can_moderate_catalogue)
PAR_PAGE = 25


def _page(request, queryset, par_page=PAR_PAGE):
    return Paginator(queryset, par_page).get_page(request.GET.get("page"))


# --- Moderation -----------------------------------------------------------------------------------------


@admin_required
def moderation(request):
    statut = request.GET.get("statut") or StatutService.A_VALIDER
    if statut not in StatutService.values:
        statut = StatutService.A_VALIDER
    queryset = (
        Service.objects.filter(statut=statut)
        .select_related("structure")
        .defer("mots", "description")
        # Consultations from a carnet (offre.UsageService): which services are used.
        .annotate(consultations=Coalesce(F("usage__consultations"), 0))
        .order_by("-updated_at", "pk")
    )
    compteurs = dict(Service.objects.values_list("statut").annotate(n=Count("pk")).order_by())
    onglets = [(value, libelle, compteurs.get(value, 0)) for value, libelle in StatutService.choices]
    return render(
        request,
        "offre/admin/moderation.html",
        {"page": _page(request, queryset), "statut": statut, "onglets": onglets},
    )


@require_perm(can_moderate_catalogue, model=lambda: Service.objects.select_related("structure"))
def moderer(request, service):
    form = ModerationForm(request.POST or None, initial={"decision": "publier"})
    if request.method == "POST" and form.is_valid():
        try:
            services.service_moderate(
                service=service,
                decision=form.cleaned_data["decision"],
                motif=form.cleaned_data["motif"],
                auteur=request.user,
            )
        except services.RegleMetier as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Le service « {service.nom} » est {service.get_statut_display().lower()}.")
            return redirect("offre:moderation")
    return render(request, "offre/admin/moderer.html", {"service": service, "form": form})


# --- Quality --------------------------------------------------------------------------------------------


@admin_required
def qualite(request):
    """The weakest published services first, with the package's criteria that lower their score."""
    publies = Service.objects.publies()
    synthese = publies.aggregate(
        moyenne=Avg("score_qualite"),
        total=Count("pk"),
        faibles=Count("pk", filter=Q(score_qualite__lt=0.5)),
    )
    queryset = publies.select_related("structure").order_by("score_qualite", "date_maj", "pk")
    page = _page(request, queryset)
    for service in page:
        _, details = schema.service_score(service)
        service.criteres_manques = [
            schema.CRITERES.get(name, name) for name, value in details.items() if value is not None and value < 1
        ]
    return render(request, "offre/admin/qualite.html", {"page": page, "synthese": synthese})


# --- Imports --------------------------------------------------------------------------------------------


@admin_required
def imports(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        row = services.import_create(
            departement=request.departement, format=form.format, fichiers=form.fichiers, user=request.user
        )
        log_access(
            request=request, action=Action.CREATION, obj=row, details={"enregistrements": len(form.enregistrements)}
        )
        messages.success(request, f"Le fichier est déposé : {len(form.enregistrements)} enregistrement(s) à importer.")
        return redirect("offre:import_detail", uid=row.uid)
    queryset = ImportCatalogue.objects.select_related("created_by").defer("rapport").order_by("-created_at", "-pk")
    return render(request, "offre/admin/imports.html", {"form": form, "page": _page(request, queryset)})


def _erreurs_affichees(row, limite=200):
    return [{**e, "type_libelle": LIBELLES.get(e["type"], e["type"])} for e in row.erreurs[:limite]]


@require_perm(can_moderate_catalogue, model=lambda: ImportCatalogue.objects.select_related("created_by"))
def import_detail(request, row):
    return render(
        request,
        "offre/admin/import_detail.html",
        {"import": row, "erreurs": _erreurs_affichees(row), "nb_erreurs": len(row.erreurs)},
    )


def import_status(row):
    return {
        "statut": row.statut,
        "statut_libelle": row.get_statut_display(),
        "fini": row.fini,
        "total": row.total,
        "traites": row.traites,
        "pourcentage": row.pourcentage,
        "crees": row.crees,
        "modifies": row.modifies,
        "inchanges": row.inchanges,
        "en_erreur": row.en_erreur,
        "message": (row.rapport or {}).get("message", ""),
    }


@require_perm(can_moderate_catalogue, model=ImportCatalogue)
@require_safe
def import_statut(request, row):
    """Small JSON polled by the progress bar of the import page."""
    return JsonResponse(import_status(row), json_dumps_params={"ensure_ascii": False})


@require_perm(can_moderate_catalogue, model=ImportCatalogue)
@require_safe
def import_rapport(request, row):
    response = HttpResponse(csv_bytes(services.report_rows(row)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapport-import-{row.created_at:%Y%m%d-%H%M}.csv"'
    return response


# --- Export ---------------------------------------------------------------------------------------------

FICHIERS_EXPORT = {
    "structures.json": ("structures", "json"),
    "services.json": ("services", "json"),
    "structures.csv": ("structures", "csv"),
    "services.csv": ("services", "csv"),
}


def export_records(kind):
    if kind == "services":
        return schema.SERVICE_FIELDS, [schema.export_service(s) for s in services_exportes()]
    return schema.STRUCTURE_FIELDS, [schema.export_structure(s) for s in structures_exportees()]


def records_to_csv(fields, records) -> bytes:
    """CSV with the schema's fields as columns; lists joined with commas (codes never contain one).

    The file of the data·inclusion schema (commas, UTF-8 without BOM) is an exchange file read by programs, the
    platform's own import among them: its values must come back exactly as written, so no formula guard."""
    lignes = (
        [",".join(value) if isinstance(value, list) else value for value in (record[name] for name in fields)]
        for record in records
    )
    return csv_bytes([fields, *lignes], delimiter=",", encoding="utf-8", formula_guard=False)


@admin_required
def export(request):
    counts = {"services": services_exportes().count(), "structures": structures_exportees().count()}
    return render(request, "offre/admin/export.html", {"counts": counts, "fichiers": FICHIERS_EXPORT})


@admin_required
@require_safe
@sur_replique
def export_fichier(request, fichier):
    if fichier not in FICHIERS_EXPORT:
        raise Http404("Fichier d'export inconnu.")
    kind, fmt = FICHIERS_EXPORT[fichier]
    fields, records = export_records(kind)
    if fmt == "json":
        body = json.dumps(records, ensure_ascii=False, indent=1)
        content_type = "application/json; charset=utf-8"
    else:
        body = records_to_csv(fields, records)
        content_type = "text/csv; charset=utf-8"
    log_access(
        request=request,
        action=Action.EXPORT,
        object_type="offre.catalogue",
        details={"fichier": fichier, "enregistrements": len(records)},
    )
    response = HttpResponse(body, content_type=content_type)
    slug = request.departement.source_slug
    response["Content-Disposition"] = f'attachment; filename="{slug}-{fichier}"'
    return response
