"""Demo data of the follow-up (development only): the rules with their defaults, and answered questionnaires
so that the evaluation aggregates are not empty (one structure above the anonymity threshold, one below).

Idempotent: questionnaires are found by their demo key before anything is created.
"""

import datetime

from django.utils import timezone

from carnet.models import Carnet
from spie.models import Membership, Structure, Territoire, TypeStructure
from suivi.models import MotifQuestionnaire, Questionnaire, ReponseQuestionnaire
from suivi.services import SEUIL_ANONYMAT, regles_du_departement

# Scores (q1..q5) and comments of the demo answers, per structure type.
REPONSES = {
    TypeStructure.FRANCE_TRAVAIL: [
        ((5, 4, 3, 4, 4), "Conseillère très à l'écoute."),
        ((4, 4, 2, 4, 4), "Le premier rendez-vous a mis du temps à arriver."),
        ((5, 5, 4, 5, 5), ""),
        ((3, 4, 3, 3, 3), "Des ateliers utiles."),
        ((4, 3, 4, 4, 4), ""),
        ((5, 4, 4, 5, 5), "Merci pour l'aide pour mon CV."),
    ],
    TypeStructure.MISSION_LOCALE: [((4, 4, 4, 4, 4), ""), ((5, 5, 5, 5, 5), "Très bien.")],
}


def load(departement):
    """Create the demo rules and answers of one département (inside its scope). Returns a summary line."""
    regles_du_departement(departement)
    carnets = list(Carnet.objects.order_by("pk")[:10])
    if not carnets:
        return f"{departement.nom} : règles de rappel par défaut."
    territoire = Territoire.objects.order_by("nom").first()
    created = 0
    now = timezone.now()
    for type_structure, reponses in REPONSES.items():
        structure = Structure.objects.filter(type=type_structure).order_by("pk").first()
        if structure is None:
            continue
        for index, (notes, commentaire) in enumerate(reponses):
            cle = f"demo:{type_structure}:{index}"
            if Questionnaire.objects.filter(cle=cle).exists():
                continue
            envoye = now - datetime.timedelta(days=20 + index * 7)
            questionnaire = Questionnaire(
                departement=departement,
                carnet=carnets[index % len(carnets)],
                motif=MotifQuestionnaire.FIN_CONTRAT if index % 2 else MotifQuestionnaire.ORIENTATION,
                cle=cle,
                structure=structure,
                territoire=territoire,
                envoye_le=envoye,
                expire_le=envoye + datetime.timedelta(days=30),
                repondu_le=envoye + datetime.timedelta(days=2),
            )
            questionnaire.set_token(Questionnaire.new_token())
            questionnaire.save()
            ReponseQuestionnaire.objects.create(
                departement=departement,
                motif=questionnaire.motif,
                structure=structure,
                territoire=territoire,
                mois=timezone.localdate(questionnaire.repondu_le).replace(day=1),
                commentaire=commentaire,
                **{f"q{i}": note for i, note in enumerate(notes, start=1)},
            )
            created += 1
    return (
        f"{departement.nom} : règles de rappel par défaut, {created} réponse(s) d'évaluation de démonstration "
        f"(seuil d'affichage : {SEUIL_ANONYMAT} réponses par structure)."
    )


# People generated (with their path since entry) so that the indicators have volume and history: followed by
# a few generated professionals only, so that the demo accounts' portfolios keep their hand-written carnets.
VOLUME_DEMO = 400
PROFESSIONNELS_GENERES = 8
MOIS_DEMO = 13


def load_indicateurs(departement):
    """Generated volume (once), then the indicator series of the last months. Returns a summary line."""
    from carnet.dev.generation import GENERATED_EMAIL_DOMAIN, charge_orientation_de, generate
    from orientation.dev.generation import generer_orientations
    from suivi.indicateurs.calcul import rafraichir

    generes = Membership.objects.filter(user__email__endswith=f"@{GENERATED_EMAIL_DOMAIN}").exists()
    if not generes:
        generate(
            departements=[departement],
            total=VOLUME_DEMO,
            seed=int(departement.code) if departement.code.isdigit() else 1,
            batch_size=VOLUME_DEMO,
            log=lambda line: None,
            pool_size=PROFESSIONNELS_GENERES,
            generes_seulement=True,
        )
        generer_orientations(departement, charge_orientation=charge_orientation_de(departement))
    mois = rafraichir(departement, historique_mois=MOIS_DEMO)
    volume = "" if generes else f"{VOLUME_DEMO} parcours générés pour le volume, "
    return f"{departement.nom} : {volume}indicateurs calculés pour {len(mois)} mois."
