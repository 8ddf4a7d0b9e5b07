"""The person's pages: mobile first, plain words. Every object is looked up inside the person's own carnet
(another person's object: 404) and every read is in the access log with the channel "usager"."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from carnet import services as carnet_services
from carnet.models import RendezVous, StatutContrat, TypeContrat
from carnet.services.documents import DocumentInfecte
from carnet.uploads import (
    EXTENSIONS_ACCEPTEES,
    check_upload,
    default_name,
    download_filename,
    max_bytes,
    taille_lisible,
)
from spie.models import Action
from spie.pdf import render_pdf
from spie.versioning import VersionConflict
from suivi import services as suivi_services
from suivi.forms import EvaluationForm
from suivi.models import Questionnaire
from usager import lecture, ratelimit, services
from usager.models import ReponseRendezVous, TypeCourrier, TypeDemandeDroits
from usager.session import espace_usager

ACCOMPAGNEMENT_TERMINE = (
    "Votre accompagnement est terminé : vous ne pouvez plus envoyer de document, de message ni de réponse. "
    "Vous pouvez toujours lire votre dossier."
)


def _contexte(request, context):
    # A closed carnet is read, not written: the pages say so and hide their forms; the POST views refuse.
    return {"beneficiaire": request.usager.beneficiaire, "carnet_clos": request.carnet.cloture_le, **context}


def _refus_si_clos(request, url):
    """A write from the space on a closed carnet: nothing is saved, the page says why."""
    if request.carnet.cloture_le is None:
        return None
    messages.error(request, ACCOMPAGNEMENT_TERMINE)
    return redirect(url)


def _page(request, template, context, page):
    lecture.journaliser(carnet=request.carnet, page=page)
    return render(request, template, _contexte(request, context))


@espace_usager
@require_safe
def accueil(request):
    now = timezone.now()
    prochain = RendezVous.objects.filter(carnet=request.carnet, date_heure__gt=now, statut="prevu").order_by(
        "date_heure"
    )
    courriers = lecture.courriers(request.carnet)
    return _page(
        request,
        "usager/accueil.html",
        {
            "prochain": prochain.first(),
            "courriers_a_lire": sum(1 for c in courriers if c["accuse"] is None),
            "avis_attendus": sum(
                1 for o in lecture.objectifs(request.carnet) if o.statut == "en_cours" and not o.consentement
            ),
            "questionnaires": list(suivi_services.questionnaires_ouverts(request.carnet)),
        },
        "accueil",
    )


@espace_usager
@require_safe
def mon_suivi(request):
    return _page(request, "usager/mon_suivi.html", {"groupe": lecture.groupe(request.carnet)}, "mon_suivi")


class ReponseForm(forms.Form):
    reponse = forms.ChoiceField(choices=ReponseRendezVous.choices, widget=forms.RadioSelect, label="Votre réponse")
    motif = forms.CharField(
        label="Pourquoi ne pouvez-vous pas venir ?",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@espace_usager
@require_safe
def rendez_vous(request):
    rows = lecture.rendez_vous(request.carnet)
    now = timezone.now()
    a_venir = sorted((r for r in rows if r.date_heure > now), key=lambda r: r.date_heure)
    passes = [r for r in rows if r.date_heure <= now]
    return _page(request, "usager/rendez_vous.html", {"a_venir": a_venir, "passes": passes}, "rendez_vous")


@espace_usager
@require_POST
def rendez_vous_repondre(request, uid):
    rdv = get_object_or_404(
        RendezVous.objects.filter(carnet=request.carnet).select_related("carnet__beneficiaire"), uid=uid
    )
    if refus := _refus_si_clos(request, "usager:rendez_vous"):
        return refus
    form = ReponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez « Je viendrai » ou « Je ne peux pas venir ».")
        return redirect("usager:rendez_vous")
    try:
        services.rendez_vous_repondre(
            rendez_vous=rdv, reponse=form.cleaned_data["reponse"], motif=form.cleaned_data["motif"]
        )
    except carnet_services.RegleMetier as refus:
        messages.error(request, str(refus))
        return redirect("usager:rendez_vous")
    messages.success(request, "Merci. Votre réponse est envoyée à votre référent.")
    return redirect("usager:rendez_vous")


class EnvoiDocumentForm(forms.Form):
    fichier = forms.FileField(
        label="Votre document",
        help_text=f"PDF, photo (JPEG ou PNG), Word ou OpenDocument. {taille_lisible(max_bytes())} au plus.",
    )
    nom = forms.CharField(
        label="Quel document est-ce ? (par exemple : attestation de formation)", max_length=200, required=False
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_document = check_upload(fichier)
        return fichier


@espace_usager
@require_http_methods(["GET", "POST"])
def documents(request):
    form = EnvoiDocumentForm()
    status = 200
    if request.method == "POST":
        if refus := _refus_si_clos(request, "usager:documents"):
            return refus
        if not ratelimit.autorise(request, "envoi_document", str(request.usager.uid)):
            messages.error(request, ratelimit.MESSAGE)
            return redirect("usager:documents")
        form = EnvoiDocumentForm(request.POST, request.FILES)
        try:
            valid = form.is_valid()
        except ValidationError:  # pragma: no cover - check_upload errors are field errors
            valid = False
        if valid:
            fichier = form.cleaned_data["fichier"]
            try:
                document = carnet_services.document_add_par_personne(
                    carnet=request.carnet,
                    fichier=fichier,
                    nom=form.cleaned_data["nom"] or default_name(fichier.name),
                    type_document=form.type_document,
                )
            except DocumentInfecte:
                form.add_error(
                    "fichier", "Ce fichier contient un virus. Il n'est pas envoyé. Envoyez un autre fichier."
                )
            else:
                services.document_envoye_notifier(carnet=request.carnet, document=document)
                messages.success(
                    request, "Merci. Votre document est envoyé. Votre référent le voit dans votre dossier."
                )
                return redirect("usager:documents")
        status = 400
    lecture.journaliser(carnet=request.carnet, page="documents")
    return render(
        request,
        "usager/documents.html",
        _contexte(
            request,
            {"documents": lecture.documents(request.carnet), "form": form, "accept": ",".join(EXTENSIONS_ACCEPTEES)},
        ),
        status=status,
    )


@espace_usager
@require_safe
def document_telecharger(request, uid):
    document = get_object_or_404(lecture.documents(request.carnet), uid=uid)
    lecture.journaliser(carnet=request.carnet, page="document", obj=document, action=Action.TELECHARGEMENT)
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


@espace_usager
@require_safe
def courriers(request):
    return _page(
        request,
        "usager/courriers.html",
        {"courriers": lecture.courriers(request.carnet), "reponse_form": ReponseSanctionForm()},
        "courriers",
    )


def _courrier_ou_404(request, type_courrier, uid):
    if type_courrier not in TypeCourrier.values:
        raise Http404
    obj = lecture.courrier(request.carnet, type_courrier, uid)
    if obj is None:
        raise Http404
    return obj


@espace_usager
@require_safe
def courrier_pdf(request, type_courrier, uid):
    from orientation import documents as lettres
    from sanctions import documents as lettres_sanctions

    obj = _courrier_ou_404(request, type_courrier, uid)
    lecture.journaliser(carnet=request.carnet, page="courrier", obj=obj, action=Action.TELECHARGEMENT)
    if type_courrier == TypeCourrier.NOTIFICATION_SANCTION:
        pdf = lettres_sanctions.notification_pdf(obj)
    elif type_courrier == TypeCourrier.CONVOCATION_EP:
        from sanctions import documents_ep

        pdf = documents_ep.convocation_pdf(obj)
    elif type_courrier == TypeCourrier.CONVOCATION:
        pdf = lettres.convocation_pdf(obj)
    else:
        pdf = lettres.decision_pdf(obj)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{type_courrier}.pdf"'
    return response


@espace_usager
@require_POST
def courrier_accuser(request, type_courrier, uid):
    obj = _courrier_ou_404(request, type_courrier, uid)
    services.courrier_accuser(
        beneficiaire=request.usager.beneficiaire, type_courrier=type_courrier, courrier_uid=obj.uid, courrier=obj
    )
    messages.success(request, "C'est noté : vous avez bien reçu ce courrier.")
    return redirect("usager:courriers")


class ReponseSanctionForm(forms.Form):
    texte = forms.CharField(
        label="Vos observations (ce qui s'est passé, vos raisons)",
        required=False,
        max_length=carnet_services.personne.OBSERVATION_LONGUEUR_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    demande_audition = forms.BooleanField(
        label="Je demande à être reçu(e) pour m'expliquer (je peux venir avec la personne de mon choix)",
        required=False,
    )


@espace_usager
@require_POST
def sanction_repondre(request, uid):
    """The person's observations on a sanction notice, within the ten days."""
    dossier = _courrier_ou_404(request, TypeCourrier.NOTIFICATION_SANCTION, uid)
    form = ReponseSanctionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Votre message est trop long.")
        return redirect("usager:courriers")
    try:
        services.sanction_observation_envoyer(
            dossier=dossier,
            texte=form.cleaned_data["texte"],
            demande_audition=form.cleaned_data["demande_audition"],
        )
    except carnet_services.RegleMetier as refus:
        messages.error(request, str(refus))
    else:
        messages.success(request, "Merci. Votre réponse est envoyée. Elle sera lue avant toute décision.")
    return redirect("usager:courriers")


class DemandeDroitsForm(forms.Form):
    type = forms.ChoiceField(
        choices=TypeDemandeDroits.choices, widget=forms.RadioSelect, label="Que voulez-vous faire ?"
    )
    texte = forms.CharField(label="Expliquez votre demande", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


@espace_usager
@require_http_methods(["GET", "POST"])
def mes_donnees(request):
    from usager.models import DemandeDroits

    form = DemandeDroitsForm()
    status = 200
    if request.method == "POST":
        form = DemandeDroitsForm(request.POST)
        if form.is_valid():
            services.demande_droits_creer(
                beneficiaire=request.usager.beneficiaire,
                type=form.cleaned_data["type"],
                texte=form.cleaned_data["texte"],
            )
            messages.success(request, "Votre demande est envoyée à votre référent. Il vous répondra ici.")
            return redirect("usager:mes_donnees")
        status = 400
    lecture.journaliser(carnet=request.carnet, page="mes_donnees")
    return render(
        request,
        "usager/mes_donnees.html",
        _contexte(
            request,
            {
                "form": form,
                "demandes": DemandeDroits.objects.filter(beneficiaire=request.usager.beneficiaire),
                "lectures": lecture.lectures_du_dossier(request.carnet)[:50],
            },
        ),
        status=status,
    )


@espace_usager
@require_safe
def export_json(request):
    lecture.journaliser(carnet=request.carnet, page="export_json", action=Action.EXPORT)
    data = lecture.export(request.carnet)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


@espace_usager
@require_safe
def export_pdf(request):
    lecture.journaliser(carnet=request.carnet, page="export_pdf", action=Action.EXPORT)
    data = lecture.export(request.carnet)
    pdf = render_pdf("usager/pdf/export.html", {"data": data, "edite_le": timezone.localdate()})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.pdf"'
    return response


# --- My plan and my contract ----------------------------------------------------------------


class AvisObjectifForm(forms.Form):
    accord = forms.TypedChoiceField(
        choices=[("oui", "Je suis d'accord"), ("non", "Je ne suis pas d'accord")],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        label="Êtes-vous d'accord avec cet objectif ?",
    )
    commentaire = forms.CharField(label="Si vous n'êtes pas d'accord, dites pourquoi", required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@espace_usager
@require_safe
def mon_plan(request):
    contrats = lecture.contrats(request.carnet)
    for contrat in contrats:
        # The hours of the contrat d'engagement in force, week by week (totals only: what each activity was stays
        # with the group, some are restricted).
        if contrat.type == TypeContrat.CONTRAT_ENGAGEMENT and contrat.statut == StatutContrat.SIGNE:
            contrat.semaines = carnet_services.releve_hebdomadaire(contrat).semaines[:4]
    return _page(
        request,
        "usager/mon_plan.html",
        {"objectifs": lecture.objectifs(request.carnet), "contrats": contrats},
        "mon_plan",
    )


@espace_usager
@require_POST
def objectif_avis(request, uid):
    objectifs = lecture.objectifs(request.carnet).select_related("axe__carnet__beneficiaire")
    objectif = get_object_or_404(objectifs, uid=uid)
    if refus := _refus_si_clos(request, "usager:mon_plan"):
        return refus
    form = AvisObjectifForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez « Je suis d'accord » ou « Je ne suis pas d'accord ».")
        return redirect(f"{reverse('usager:mon_plan')}#objectif-{objectif.uid}")
    try:
        services.objectif_avis_donner(
            objectif=objectif,
            accord=form.cleaned_data["accord"],
            commentaire=form.cleaned_data["commentaire"],
            version=form.cleaned_data["version"],
        )
    except VersionConflict:
        messages.error(
            request,
            "Votre référent vient de changer cet objectif. Relisez-le, puis donnez votre avis à nouveau.",
        )
    except carnet_services.RegleMetier as refus:
        messages.error(request, str(refus))
    else:
        messages.success(
            request,
            "Merci. Votre accord est enregistré."
            if form.cleaned_data["accord"]
            else "Merci. Votre avis est envoyé à votre référent. Il en parlera avec vous.",
        )
    return redirect(f"{reverse('usager:mon_plan')}#objectif-{objectif.uid}")


# --- My observations ------------------------------------------------------------------------


class ObservationForm(forms.Form):
    texte = forms.CharField(
        label="Votre message",
        required=False,
        max_length=carnet_services.personne.OBSERVATION_LONGUEUR_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    demande_audition = forms.BooleanField(label="Je demande à être reçu(e) par mon référent", required=False)


@espace_usager
@require_http_methods(["GET", "POST"])
def observations(request):
    form = ObservationForm()
    status = 200
    if request.method == "POST":
        if refus := _refus_si_clos(request, "usager:observations"):
            return refus
        form = ObservationForm(request.POST)
        if form.is_valid():
            try:
                services.observation_envoyer(
                    carnet=request.carnet,
                    texte=form.cleaned_data["texte"],
                    demande_audition=form.cleaned_data["demande_audition"],
                )
            except carnet_services.RegleMetier as refus:
                form.add_error("texte", str(refus))
            else:
                messages.success(request, "Merci. Votre message est envoyé à votre référent.")
                return redirect("usager:observations")
        status = 400
    lecture.journaliser(carnet=request.carnet, page="observations")
    return render(
        request,
        "usager/observations.html",
        _contexte(request, {"form": form, "observations": lecture.observations(request.carnet)}),
        status=status,
    )


# --- My questionnaire -------------------------------------------------------------------------


@espace_usager
@require_http_methods(["GET", "POST"])
def questionnaire(request, uid):
    """The evaluation questionnaire, answered from the space without the e-mailed link. The answers are stored
    apart from the person as through the link (suivi.services)."""
    questionnaire = get_object_or_404(Questionnaire.objects.filter(carnet=request.carnet), uid=uid)
    if questionnaire.repondu_le or questionnaire.expire_le <= timezone.now():
        messages.info(request, "Ce questionnaire est terminé. Merci.")
        return redirect("usager:accueil")
    form = EvaluationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                suivi_services.questionnaire_repondre_espace(questionnaire=questionnaire, reponses=form.cleaned_data)
            except suivi_services.QuestionnaireInvalide as refus:
                messages.error(request, str(refus))
            else:
                messages.success(request, "Merci pour vos réponses.")
            return redirect("usager:accueil")
        status = 400
    lecture.journaliser(carnet=request.carnet, page="questionnaire")
    return render(
        request,
        "usager/questionnaire.html",
        {"beneficiaire": request.usager.beneficiaire, "form": form, "questionnaire": questionnaire},
        status=status,
    )
