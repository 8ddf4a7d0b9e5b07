"""Orientation data shown inside the carnet's pages (the situation tab, the summary), fetched here so that
the carnet's views need not know about orientation."""

from django import template

from orientation import diagnostic as steps
from orientation.lecture import orientation_du_carnet as lire_orientation_du_carnet
from orientation.models import Diagnostic, Orientation, StatutDiagnostic, StatutOrientation
from orientation.perms import (
    can_ask_reorientation,
    can_download_person_documents,
    can_read_diagnostic,
    can_read_diagnostic_sensitive,
    can_work_queue,
)

register = template.Library()


def _acting(context):
    request = context.get("request")
    return getattr(request, "acting", None)


def _orientation_actuelle(carnet):
    return (
        Orientation.objects.filter(carnet=carnet, statut=StatutOrientation.VALIDEE)
        .select_related("dispositif", "structure", "referent", "decidee_par")
        .order_by("-decidee_le")
        .first()
    )


@register.inclusion_tag("orientation/includes/_diagnostic_carnet.html", takes_context=True)
def diagnostic_orientation_carnet(context, carnet):
    """The latest finished diagnostic and the current orientation, on the carnet's situation tab. Sensitive
    themes only for those who may read them (`can_read_diagnostic_sensitive`)."""
    acting = _acting(context)
    diagnostic = (
        Diagnostic.objects.filter(carnet=carnet, statut=StatutDiagnostic.TERMINE)
        .select_related("auteur", "structure")
        .order_by("-numero_version")
        .first()
    )
    lecture = None
    if diagnostic is not None and acting is not None and can_read_diagnostic(acting, diagnostic):
        sensibles = can_read_diagnostic_sensitive(acting, diagnostic)
        lecture = steps.lecture(diagnostic.data, steps.etapes(carnet.departement_id, sensibles=sensibles))
        lecture["sensibles_masques"] = not sensibles
    else:
        diagnostic = None
    return {
        "carnet": carnet,
        "diagnostic": diagnostic,
        "lecture": lecture,
        "orientation": _orientation_actuelle(carnet),
    }


@register.simple_tag(takes_context=True)
def orientation_du_carnet(context, carnet):
    """What the carnet's summary shows about orientation: the decision, an open dossier, a pending request
    (read in one query, `orientation.lecture.orientation_du_carnet`)."""
    acting = _acting(context)
    info = lire_orientation_du_carnet(carnet)
    return {
        "orientation": info.orientation,
        "dossier": info.dossier,
        "demande": info.demande,
        "peut_demander": acting is not None
        and info.demande is None
        and info.dossier is None
        and can_ask_reorientation(acting, carnet),
        "peut_telecharger": acting is not None and can_download_person_documents(acting, carnet),
        "peut_voir_dossier": acting is not None and can_work_queue(acting),
    }
