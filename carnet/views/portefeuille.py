"""“Mes bénéficiaires”: the référent's portfolio, and the same view for a structure's manager.

Filters read the carnet's denormalised dates (kept by the services), so that every page costs the
same few queries whatever the size of the portfolio.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from carnet.forms import PortefeuilleFiltreForm, TransmissionForm
from carnet.models import Carnet, MembreGroupe
from carnet.perms import can_export_portfolio, can_hand_over_portfolio, can_see_structure_portfolio
from carnet.services import transmission
from carnet.services.base import RegleMetier
from spie.audit import log_export, log_list_view
from spie.decorators import require_membership
from spie.models import Structure
from spie.spreadsheet import XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes

PAGE_SIZE = 25
# The columns the page shows (the rest of a person's row, e.g. the search columns, stays in the database).
PERSON_COLUMNS = ("beneficiaire__prenoms", "beneficiaire__nom_usage", "beneficiaire__date_naissance")
CARNET_COLUMNS = ("uid", "dernier_rendez_vous", "prochain_rendez_vous", "fin_contrat_en_cours", *PERSON_COLUMNS)


def _filters(request):
    form = PortefeuilleFiltreForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        return form, data.get("filtre") or "", data.get("jours") or 60, data.get("q") or ""
    return form, "", 60, ""


def _lignes_personnelles(request, filtre, jours, q):
    """The group rows of the user for the structure they act for, filtered as the page says."""
    rows = (
        MembreGroupe.objects.actifs()
        .filter(user=request.user, structure=request.structure)
        .select_related("carnet", "carnet__beneficiaire")
        .only("est_referent", *(f"carnet__{name}" for name in CARNET_COLUMNS))
    )
    rows = rows.portefeuille(filtre, jours)
    if q:
        from carnet.search import search_text

        rows = rows.filter(carnet__beneficiaire__nom_recherche__contains=search_text(q))
    return rows.order_by("carnet__beneficiaire__nom_usage", "carnet__beneficiaire__prenoms", "pk")


def _carnets_de_la_structure(request, filtre, jours, q):
    """The carnets followed by someone of the acting structure, with their référent's name."""
    referent = MembreGroupe.objects.referents().filter(carnet=OuterRef("pk")).select_related("user")
    carnets = (
        Carnet.objects.avec_membre_de(request.structure)
        .select_related("beneficiaire")
        .only(*CARNET_COLUMNS)
        .annotate(
            referent_prenom=Subquery(referent.values("user__first_name")[:1]),
            referent_nom=Subquery(referent.values("user__last_name")[:1]),
        )
    )
    carnets = carnets.portefeuille(filtre, jours)
    if q:
        from carnet.search import search_text

        carnets = carnets.filter(beneficiaire__nom_recherche__contains=search_text(q))
    return carnets.order_by("beneficiaire__nom_usage", "beneficiaire__prenoms", "pk")


@require_membership
def portefeuille(request):
    """The carnets the user follows for the structure they act for."""
    form, filtre, jours, q = _filters(request)
    rows = _lignes_personnelles(request, filtre, jours, q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    log_list_view(request, page="portefeuille", uids=[row.carnet.uid for row in page.object_list])
    return render(
        request,
        "carnet/portefeuille.html",
        {
            "form": form,
            "page": page,
            "filtre": filtre,
            "jours": jours,
            "mode": "personnel",
            "peut_exporter": can_export_portfolio(request.acting),
        },
    )


@require_membership
def portefeuille_structure(request):
    if not can_see_structure_portfolio(request.acting):
        raise PermissionDenied
    form, filtre, jours, q = _filters(request)
    carnets = _carnets_de_la_structure(request, filtre, jours, q)
    page = Paginator(carnets, PAGE_SIZE).get_page(request.GET.get("page"))
    log_list_view(request, page="portefeuille_structure", uids=[carnet.uid for carnet in page.object_list])
    return render(
        request,
        "carnet/portefeuille.html",
        {
            "form": form,
            "page": page,
            "filtre": filtre,
            "jours": jours,
            "mode": "structure",
            "peut_transmettre": can_hand_over_portfolio(request.acting, request.structure),
            "peut_exporter": can_export_portfolio(request.acting, structure=True),
        },
    )


EN_TETES = ["Nom", "Prénoms", "Date de naissance", "Référent", "Dernier rendez-vous", "Prochain rendez-vous"]
EN_TETES += ["Fin du contrat en cours"]
FORMATS_EXPORT = {"csv": ("text/csv; charset=utf-8", "csv"), "xlsx": (XLSX_CONTENT_TYPE, "xlsx")}


def _date(value):
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


@require_membership
@require_GET
def portefeuille_exporter(request):
    """The portfolio (personal, or the structure's with `vue=structure`) as CSV or XLSX, with the page's filters.

    No NIR, no restricted data: what the page shows. The export is logged with the uids and the row count."""
    structure = request.GET.get("vue") == "structure"
    if not can_export_portfolio(request.acting, structure=structure):
        raise PermissionDenied
    format = request.GET.get("format", "csv")
    if format not in FORMATS_EXPORT:
        return HttpResponseBadRequest("Format inconnu : csv ou xlsx.")
    _, filtre, jours, q = _filters(request)
    if structure:
        carnets = list(_carnets_de_la_structure(request, filtre, jours, q))
        referents = [" ".join(filter(None, [c.referent_prenom, c.referent_nom])) or "Sans référent" for c in carnets]
    else:
        lignes = list(_lignes_personnelles(request, filtre, jours, q))
        carnets = [ligne.carnet for ligne in lignes]
        referents = ["Vous" if ligne.est_referent else "Membre du groupe" for ligne in lignes]
    rows = [EN_TETES] + [
        [
            c.beneficiaire.nom_usage,
            c.beneficiaire.prenoms,
            _date(c.beneficiaire.date_naissance),
            referent,
            _date(c.dernier_rendez_vous),
            _date(c.prochain_rendez_vous),
            _date(c.fin_contrat_en_cours),
        ]
        for c, referent in zip(carnets, referents, strict=True)
    ]
    page = "portefeuille_structure" if structure else "portefeuille"
    log_export(request, page=page, uids=[c.uid for c in carnets], format=format)
    content = csv_bytes(rows) if format == "csv" else xlsx_bytes(rows, sheet_title="Personnes suivies")
    content_type, extension = FORMATS_EXPORT[format]
    response = HttpResponse(content, content_type=content_type)
    nom = f"{page}-{timezone.localdate():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


def _structure_de_la_transmission(request):
    """The acting structure; an administrator may name another structure of the département (`?structure=`)."""
    uid = request.GET.get("structure") or request.POST.get("structure")
    if uid and request.acting.is_admin_departement:
        return get_object_or_404(Structure.objects.filter(actif=True), uid=uid)
    return request.structure


@require_membership
def portefeuille_transmettre(request):
    """Hand a leaving professional's carnets over to one or several colleagues, in one operation."""
    structure = _structure_de_la_transmission(request)
    if not can_hand_over_portfolio(request.acting, structure):
        raise PermissionDenied
    form = TransmissionForm(request.POST or None, structure=structure)
    if request.method == "POST" and form.is_valid():
        try:
            resultat = transmission.portefeuille_transmettre(
                ancien=form.cleaned_data["ancien"],
                structure=structure,
                destinataires=form.cleaned_data["destinataires"],
                auteur=request.user,
                auteur_structure=request.structure,
            )
        except RegleMetier as error:
            form.add_error(None, str(error))
        else:
            pluriel = "s" if resultat.carnets > 1 else ""
            messages.success(
                request,
                f"{resultat.carnets} personne{pluriel} suivie{pluriel} transmise{pluriel} "
                f"à {len(resultat.par_destinataire)} collègue{'s' if len(resultat.par_destinataire) > 1 else ''}.",
            )
            return redirect("carnet:portefeuille_structure")
    structures = Structure.objects.filter(actif=True).order_by("nom") if request.acting.is_admin_departement else []
    return render(
        request,
        "carnet/transmission.html",
        {"form": form, "structure": structure, "structures": structures},
        status=400 if request.method == "POST" else 200,
    )
