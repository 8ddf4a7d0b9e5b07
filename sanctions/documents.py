"""The two letters of a sanction file, rendered by WeasyPrint (`spie.pdf.render_pdf`): the notice of the
contradictory step (R.262-68) and the decision. Each has a context builder (the HTML's whole input, tested on its
own) and a renderer. Plain French; never the NIR."""

from django.utils import timezone

from carnet.models import MembreGroupe
from sanctions import bareme
from sanctions.etats import DELAI_OBSERVATIONS_JOURS, fin_du_delai
from spie.models import Departement
from spie.pdf import render_pdf


def _commun(dossier):
    carnet = dossier.carnet
    referent = MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user", "structure").first()
    return {
        "dossier": dossier,
        "beneficiaire": carnet.beneficiaire,
        "departement": Departement.objects.get(pk=dossier.departement_id),
        "referent": referent,
        "edite_le": timezone.localdate(),
        "delai_jours": DELAI_OBSERVATIONS_JOURS,
    }


def _ce_qui_est_reproche(dossier):
    """The failure in plain words, with what it points at (contract, weeks of the ledger, appointments)."""
    lignes = [dossier.get_motif_display()]
    if dossier.obligation:
        lignes.append(dossier.get_obligation_display())
    if dossier.semaines:
        lignes.append("Semaines du " + ", ".join(f"{s:%d/%m/%Y}" for s in dossier.semaines))
    rendez_vous = list(dossier.rendez_vous.order_by("date_heure"))
    if rendez_vous:
        lignes.append(
            "Rendez-vous du " + ", ".join(f"{timezone.localtime(r.date_heure):%d/%m/%Y}" for r in rendez_vous)
        )
    return lignes


def notification_context(dossier):
    return {
        **_commun(dossier),
        "reproche": _ce_qui_est_reproche(dossier),
        "fin_delai": fin_du_delai(dossier.date_certaine) if dossier.date_certaine else None,
        "suspension": dossier.envisage_nature == "suspension",
    }


def notification_pdf(dossier) -> bytes:
    return render_pdf("sanctions/pdf/notification.html", notification_context(dossier))


def decision_context(dossier):
    params = bareme.parametres(dossier.departement_id)
    return {
        **_commun(dossier),
        "reproche": _ce_qui_est_reproche(dossier),
        "fin": bareme.ajouter_mois(dossier.decision_effet, dossier.decision_duree),
        "suspension": dossier.decision_nature == "suspension",
        "montant_mensuel_retenu": dossier.montant_suspendu_mensuel,
        "rattrapage_max": params.rattrapage_mois_max,
    }


def decision_pdf(dossier) -> bytes:
    return render_pdf("sanctions/pdf/decision.html", decision_context(dossier))
