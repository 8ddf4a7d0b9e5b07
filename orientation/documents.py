"""The three documents handed to the person, rendered by WeasyPrint (`spie.pdf.render_pdf`).

Each has a context builder (tested on its own, it is the HTML's whole input) and a renderer. None carries the
NIR. "Ma synthèse" never carries a sensitive theme (health, family) nor free text typed by professionals,
whoever prints it: it is the person's own one-page summary, in plain words.
"""

from django.utils import timezone

from carnet.models import MembreGroupe
from orientation import diagnostic as steps
from orientation.models import Diagnostic, Orientation, StatutDiagnostic, StatutOrientation, TypeOrientation
from spie.dates import date_message
from spie.pdf import render_pdf

# What each type of orientation means for the person, in plain words.
EN_CLAIR = {
    TypeOrientation.PRO: "un accompagnement tourné vers l'emploi",
    TypeOrientation.SOCIO_PRO: "un accompagnement pour lever ce qui vous freine et avancer vers l'emploi",
    TypeOrientation.SOCIAL: "un accompagnement social d'abord : logement, budget, démarches, vie quotidienne",
    TypeOrientation.AUTRE: "un accompagnement proposé par le Département",
}


def _departement(obj):
    from spie.models import Departement

    return Departement.objects.get(pk=obj.departement_id)


def convocation_context(convocation):
    rendez_vous = convocation.rendez_vous
    return {
        "convocation": convocation,
        "rendez_vous": rendez_vous,
        "quand": date_message(rendez_vous.date_heure),
        "beneficiaire": convocation.dossier.carnet.beneficiaire,
        "departement": _departement(convocation),
        "structure": rendez_vous.structure,
        "charge": rendez_vous.professionnel,
        "edite_le": timezone.localdate(),
    }


def convocation_pdf(convocation) -> bytes:
    return render_pdf("orientation/pdf/convocation.html", convocation_context(convocation))


def decision_context(orientation):
    return {
        "orientation": orientation,
        "en_clair": EN_CLAIR.get(orientation.type_orientation, ""),
        "beneficiaire": orientation.carnet.beneficiaire,
        "departement": _departement(orientation),
        "structure": orientation.structure,
        "dispositif": orientation.dispositif,
        "edite_le": timezone.localdate(),
    }


def decision_pdf(orientation) -> bytes:
    return render_pdf("orientation/pdf/decision.html", decision_context(orientation))


def synthese_context(carnet):
    diagnostic = (
        Diagnostic.objects.filter(carnet=carnet, statut=StatutDiagnostic.TERMINE).order_by("-numero_version").first()
    )
    orientation = (
        Orientation.objects.filter(carnet=carnet, statut=StatutOrientation.VALIDEE)
        .select_related("dispositif", "structure", "referent")
        .order_by("-decidee_le")
        .first()
    )
    lecture = None
    if diagnostic is not None:
        visibles = steps.etapes(carnet.departement_id, sensibles=False)
        lecture = steps.lecture(diagnostic.data, visibles)
    referent = (
        MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user", "structure").first()
        if orientation is not None
        else None
    )
    return {
        "beneficiaire": carnet.beneficiaire,
        "departement": _departement(carnet),
        "diagnostic": diagnostic,
        "lecture": lecture,
        "orientation": orientation,
        "en_clair": EN_CLAIR.get(orientation.type_orientation, "") if orientation else "",
        "referent": referent,
        "edite_le": timezone.localdate(),
    }


def synthese_pdf(carnet) -> bytes:
    return render_pdf("orientation/pdf/synthese.html", synthese_context(carnet))
