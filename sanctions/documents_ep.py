"""The documents of the EP sessions, rendered by WeasyPrint (`spie.pdf.render_pdf`): the convocation letter to the
person, the one-page summary of a file for the members, and the session's minutes. Each has a context builder (the
HTML's whole input, tested on its own) and a renderer. Plain French; never the NIR; the summary carries no restricted
content (the person's observations, restricted notes and events stay out: `carnet.models.Sensibilite`)."""

from django.utils import timezone

from carnet.models import Evenement, MembreGroupe, Sensibilite
from sanctions import bareme
from sanctions.documents import _ce_qui_est_reproche
from sanctions.models import DossierManquement
from spie.models import Departement
from spie.pdf import render_pdf

EVENEMENTS_RESUME = 6


def _departement(obj):
    return Departement.objects.get(pk=obj.departement_id)


def convocation_context(passage):
    seance = passage.seance
    return {
        "passage": passage,
        "seance": seance,
        "equipe": seance.equipe,
        "beneficiaire": passage.carnet.beneficiaire,
        "departement": _departement(passage),
        "edite_le": timezone.localdate(passage.convocation_envoyee_le or timezone.now()),
        "date_heure": timezone.localtime(seance.date_heure),
        "suppression": passage.theme == "suppression",
    }


def convocation_pdf(passage) -> bytes:
    return render_pdf("sanctions/ep/pdf/convocation.html", convocation_context(passage))


def resume_context(passage):
    """The file as the members read it: who, why they are asked, the failure and its procedure for a sanction file,
    and the general events of the path (what the whole group may read)."""
    carnet, dossier = passage.carnet, passage.dossier
    referent = MembreGroupe.objects.referents().filter(carnet=carnet).select_related("structure").first()
    contexte = {
        "passage": passage,
        "seance": passage.seance,
        "beneficiaire": carnet.beneficiaire,
        "referent": referent,
        "evenements": list(
            Evenement.objects.filter(carnet=carnet, sensibilite=Sensibilite.GENERALE).order_by("-created_at", "-id")[
                :EVENEMENTS_RESUME
            ]
        ),
        "dossier": dossier,
        "edite_le": timezone.localdate(),
    }
    if dossier is not None:
        contexte.update(
            reproche=_ce_qui_est_reproche(dossier),
            sanctions_anterieures=DossierManquement.objects.filter(carnet=carnet)
            .sanctions_prononcees()
            .exclude(pk=dossier.pk)
            .count(),
            observations=dossier.observations.count(),
            bornes=bareme.bornes(
                bareme.parametres(dossier.departement_id),
                rang=dossier.rang,
                foyer_plusieurs=dossier.foyer_plusieurs_personnes,
            ),
        )
    return contexte


def resume_pdf(passage) -> bytes:
    return render_pdf("sanctions/ep/pdf/resume.html", resume_context(passage))


def proces_verbal_context(seance):
    presences = list(seance.presences.select_related("membre__user"))
    return {
        "seance": seance,
        "equipe": seance.equipe,
        "departement": _departement(seance),
        "presences": presences,
        "presents": sum(1 for p in presences if p.present),
        "passages": list(seance.passages.select_related("carnet__beneficiaire", "dossier", "decideur")),
        "edite_le": timezone.localdate(),
    }


def proces_verbal_pdf(seance) -> bytes:
    return render_pdf("sanctions/ep/pdf/proces_verbal.html", proces_verbal_context(seance))
