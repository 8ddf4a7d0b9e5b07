"""Pages of the follow-up: reminder rules (administrators), evaluations (aggregates only), the user's
notification preferences, and the public evaluation link."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action, Structure
from spie.outbox import enqueue
from spie.versioning import VersionConflict
from suivi import services, sms
from suivi.forms import EvaluationForm, PeriodeForm, PreferenceNotificationForm, ReglesRappelForm
from suivi.models import Message, PreferenceNotification, ReglesRappel, StatutMessage
from suivi.perms import can_manage_reminder_rules, can_view_all_evaluations, can_view_evaluations
from suivi.tasks import recalculer_indicateurs


@require_perm(can_manage_reminder_rules)
def regles(request):
    """The département's rules; a GET shows the defaults without creating anything."""
    if request.method == "POST":
        instance, _ = ReglesRappel.objects.get_or_create(departement_id=request.departement.pk)
    else:
        instance = services.regles_en_lecture(request.departement)
    form = ReglesRappelForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            regles = services.regles_enregistrer(form=form, user=request.user)
        except VersionConflict:
            form.add_error(None, form.conflict_message)
        else:
            champs = sorted(name for name in form.changed_data if name != "version")
            log_access(request=request, action=Action.MODIFICATION, obj=regles, details={"champs": champs})
            messages.success(request, "Les règles de rappel et d'alerte sont enregistrées.")
            if "fenetre_indicateurs_jours" in champs:
                departement_id = request.departement.pk
                enqueue(recalculer_indicateurs, departement_id)
                messages.info(
                    request, "Les séries des indicateurs de délai sont recalculées avec la nouvelle fenêtre."
                )
            return redirect("suivi:regles")
    depuis = timezone.now() - datetime.timedelta(days=7)
    envois = Message.objects.filter(created_at__gte=depuis).aggregate(
        envoyes=Count("pk", filter=Q(statut=StatutMessage.ENVOYE)),
        en_attente=Count("pk", filter=Q(statut__in=[StatutMessage.A_ENVOYER, StatutMessage.EN_COURS])),
        echecs=Count("pk", filter=Q(statut=StatutMessage.ECHEC)),
    )
    return render(request, "suivi/regles.html", {"form": form, "envois": envois, "sms_actif": sms.enabled()})


@require_perm(can_view_evaluations)
def evaluations(request):
    """Aggregated answers: the whole département for administrators (optionally one structure), the acting
    structure for its manager."""
    periode_form = PeriodeForm(request.GET or None)
    periode = periode_form.periode_choisie()
    tout_voir = can_view_all_evaluations(request.acting)
    structure, commentaires = None, []
    if tout_voir:
        if request.GET.get("structure"):
            structure = get_object_or_404(Structure.objects.all(), uid=request.GET["structure"])
            commentaires = services.commentaires(request.departement, periode, structure=structure)
    else:
        structure = request.structure
    agregats = services.agregats_evaluations(request.departement, periode, structure=structure)
    context = {
        "periode_form": periode_form,
        "agregats": agregats,
        "structure": structure,
        "tout_voir": tout_voir,
        "commentaires": commentaires,
        "taux": services.taux_de_reponse(request.departement, periode) if tout_voir else None,
        "structures": Structure.objects.filter(actif=True).order_by("nom") if tout_voir else [],
    }
    template = "suivi/evaluations_admin.html" if tout_voir else "suivi/evaluations.html"
    return render(request, template, context)


@login_required
def preferences(request):
    """Every user chooses how often they receive the follow-up e-mails (a GET never writes)."""
    if request.method == "POST":
        instance, _ = PreferenceNotification.objects.get_or_create(user=request.user)
    else:
        instance = PreferenceNotification.objects.filter(user=request.user).first() or PreferenceNotification(
            user=request.user
        )
    form = PreferenceNotificationForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Vos préférences de notification sont enregistrées.")
        return redirect("suivi:preferences")
    return render(request, "suivi/preferences.html", {"form": form})


@require_http_methods(["GET", "POST"])
def evaluation_repondre(request, token):
    """Public, no account: a GET shows the questionnaire without consuming the link (mail scanners follow
    links); the POST consumes it. A used or expired link gets a clear page with 410."""
    try:
        questionnaire = services.questionnaire_trouver(token)
    except services.QuestionnaireInvalide as error:
        return render(request, "suivi/evaluation_invalide.html", {"erreur": str(error)}, status=410)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_repondre(token=token, reponses=form.cleaned_data)
        except services.QuestionnaireInvalide as error:
            return render(request, "suivi/evaluation_invalide.html", {"erreur": str(error)}, status=410)
        return render(request, "suivi/evaluation_merci.html")
    structure = questionnaire.structure.nom if questionnaire.structure else ""
    return render(
        request,
        "suivi/evaluation.html",
        {"form": form, "motif": questionnaire.motif, "structure": structure},
    )
