"""Documents, notes and the timeline of a carnet.

What a user may list is filtered in the query itself (`_lisibles`), with the rule of
`carnet.sensibilite` (the one rule of every channel), and every item for its author. Nothing hidden is fetched, so
no count or order leaks it.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from carnet import sensibilite, services
from carnet.decorators import carnet_child, carnet_view
from carnet.forms_situation import DocumentForm, HistoriqueFiltreForm, NoteForm
from carnet.models import Analyse, Document, Evenement, Note
from carnet.navigation import carnet_context
from carnet.perms import can_edit_carnet, can_read_sensitive, can_view_carnet, relation_of
from carnet.services.documents import DocumentInfecte
from carnet.uploads import TYPES_PAR_MIME, default_name, download_filename
from spie.audit import log_access
from spie.models import Action

PAR_PAGE = 25


def _lisibles(queryset, acting, carnet, *, contenu=True):
    """Rows of `queryset` (with `sensibilite` and `auteur`) that this user may read, as one WHERE clause
    (`carnet.sensibilite.filtre`).

    `contenu`: the group's notes and documents, whose general items need membership or an exceptional access
    (`lit_le_contenu`); the timeline's general events are read by whoever reads the carnet."""
    lecteur = sensibilite.lecteur_professionnel(acting, carnet, notes_et_documents=contenu)
    if not lecteur.lit_le_carnet:
        return queryset.none()
    return queryset.filter(sensibilite.filtre(lecteur))


def _page(request, queryset):
    return Paginator(queryset, PAR_PAGE).get_page(request.GET.get("page"))


# --- Documents -----------------------------------------------------------------------------------


@carnet_view(can_view_carnet, write=can_edit_carnet, contenu=True)
def documents(request, carnet):
    peut_ajouter = can_edit_carnet(request.acting, carnet)
    form = None
    if request.method == "POST":
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            fichier = form.cleaned_data["fichier"]
            try:
                document = services.document_add(
                    carnet=carnet,
                    fichier=fichier,
                    nom=form.cleaned_data["nom"] or default_name(fichier.name),
                    type_document=form.type_document,
                    sensibilite=form.cleaned_data["sensibilite"],
                    auteur=request.user,
                    structure=request.structure,
                )
            except DocumentInfecte as error:
                form.add_error("fichier", error)
            else:
                if document.analyse == Analyse.SAINE:
                    messages.success(request, f"Le document « {document.nom} » est ajouté.")
                else:
                    messages.info(
                        request,
                        f"Le document « {document.nom} » est ajouté, en attente d'analyse antivirus : "
                        "il pourra être téléchargé dès qu'il aura été analysé.",
                    )
                return redirect("carnet:documents", uid=carnet.uid)
    elif peut_ajouter:
        form = DocumentForm()
    queryset = _lisibles(Document.objects.filter(carnet=carnet), request.acting, carnet).select_related(
        "auteur", "structure"
    )
    page = _page(request, queryset.order_by("-created_at", "-id"))
    for document in page:
        kind = TYPES_PAR_MIME.get(document.type_mime)
        document.type_libelle = kind.libelle if kind else document.type_mime
    return render(
        request,
        "carnet/documents.html",
        carnet_context(request, carnet, page=page, form=form, peut_partager=peut_ajouter),
    )


@carnet_view(can_view_carnet, log_reads=False, contenu=True)
@require_safe  # inside the guard: another département's URL is a 404 whatever the method
def document_telecharger(request, carnet, document_uid):
    document = carnet_child(carnet, Document.objects.all(), document_uid)
    if not can_read_sensitive(request.acting, carnet, document):
        raise PermissionDenied("La classe de sensibilité de ce document ne vous permet pas de le lire.")
    if document.analyse != Analyse.SAINE:  # quarantine: never served before clamd called it clean
        raise PermissionDenied(
            "Ce document est en attente d'analyse antivirus."
            if document.analyse == Analyse.EN_ATTENTE
            else "Ce document a été refusé par l'antivirus : il ne peut pas être téléchargé."
        )
    # Logged before opening: a missing file raises Http404, which rolls the request's transaction (and the row) back.
    log_access(
        request=request,
        action=Action.TELECHARGEMENT,
        obj=document,
        details={"carnet": str(carnet.uid)},
        motif=relation_of(request.acting, carnet).motif_exceptionnel,
    )
    try:
        handle = document.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Le fichier de ce document est introuvable.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_filename(document.nom, document.type_mime),
        content_type=document.type_mime,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Notes ---------------------------------------------------------------------------------------


@carnet_view(can_view_carnet, write=can_edit_carnet, contenu=True)
def notes(request, carnet):
    form = None
    if request.method == "POST":
        form = NoteForm(request.POST)
        if form.is_valid():
            services.note_add(
                carnet=carnet,
                texte=form.cleaned_data["texte"],
                sensibilite=form.cleaned_data["sensibilite"],
                auteur=request.user,
                structure=request.structure,
            )
            messages.success(request, "La note est ajoutée.")
            return redirect("carnet:notes", uid=carnet.uid)
    elif can_edit_carnet(request.acting, carnet):
        form = NoteForm()
    queryset = _lisibles(Note.objects.filter(carnet=carnet), request.acting, carnet).select_related(
        "auteur", "structure"
    )
    page = _page(request, queryset.order_by("-created_at", "-id"))
    return render(request, "carnet/notes.html", carnet_context(request, carnet, page=page, form=form))


# --- Historique ----------------------------------------------------------------------------------


def _debut_du_jour(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@carnet_view(can_view_carnet)
def historique(request, carnet):
    filtres = HistoriqueFiltreForm(request.GET or None)
    queryset = _lisibles(Evenement.objects.filter(carnet=carnet), request.acting, carnet, contenu=False)
    if filtres.is_bound and filtres.is_valid():
        du, au, type_ = filtres.cleaned_data["du"], filtres.cleaned_data["au"], filtres.cleaned_data["type"]
        # Bounds on the indexed column itself (not created_at__date), in the server's time zone.
        if du:
            queryset = queryset.filter(created_at__gte=_debut_du_jour(du))
        if au:
            queryset = queryset.filter(created_at__lt=_debut_du_jour(au + datetime.timedelta(days=1)))
        if type_:
            queryset = queryset.filter(type=type_)
    elif filtres.is_bound:
        queryset = queryset.none()
    page = _page(request, queryset.select_related("auteur", "structure").order_by("-created_at", "-id"))
    return render(request, "carnet/historique.html", carnet_context(request, carnet, page=page, filtres=filtres))
