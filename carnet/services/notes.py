"""Portfolio columns of the carnet and notes."""

from django.db.models import Max
from django.utils import timezone

from carnet.models import (
    Carnet,
    Contrat,
    Note,
    RendezVous,
    Sensibilite,
    StatutContrat,
    StatutRendezVous,
    TypeEvenement,
)
from carnet.services.base import evenement_record


def carnet_refresh_dates(carnet):
    """Recompute the denormalised dates the portfolio filters on (one UPDATE with subqueries)."""
    now = timezone.now()
    rdv = RendezVous.objects.filter(carnet=carnet)
    dernier = rdv.filter(statut=StatutRendezVous.PRESENT).aggregate(d=Max("date_heure"))["d"]
    prochain = (
        rdv.filter(statut=StatutRendezVous.PREVU, date_heure__gte=now)
        .order_by("date_heure")
        .values_list("date_heure", flat=True)
    ).first()
    today = timezone.localdate()
    fin_contrat = Contrat.objects.filter(
        carnet=carnet, statut=StatutContrat.SIGNE, date_debut__lte=today, date_fin__gte=today
    ).aggregate(d=Max("date_fin"))["d"]
    Carnet.objects.filter(pk=carnet.pk).update(
        dernier_rendez_vous=dernier, prochain_rendez_vous=prochain, fin_contrat_en_cours=fin_contrat
    )


def libelle_note(sensibilite) -> str:
    """The timeline's summary of a new note: its class, never its text."""
    return {Sensibilite.GENERALE: "Note ajoutée", Sensibilite.PRIVEE: "Note privée ajoutée"}.get(
        sensibilite, f"Note ajoutée (classe {Sensibilite(sensibilite).label.split(' — ')[0].lower()})"
    )


def note_add(*, carnet, texte, sensibilite, auteur, structure) -> Note:
    note = Note.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        texte=texte,
        sensibilite=sensibilite,
        auteur=auteur,
        structure=structure,
    )
    label = libelle_note(sensibilite)
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.NOTE,
        resume=label,
        auteur=auteur,
        structure=structure,
        sensibilite=sensibilite,
        obj=note,
    )
    return note
