"""Complete demo carnets, written through the services so that the timeline tells their story.

Idempotent: a person is recognised by name and birth date before anything is created.
"""

import datetime

from django.utils import timezone

from carnet import services
from carnet.models import (
    Action,
    AxeDeTravail,
    Beneficiaire,
    CanalInformation,
    Contrat,
    Objectif,
    ProjetProfessionnel,
    RendezVous,
    Situation,
    SituationConstatee,
    StatutContrat,
    Theme,
    TypeEvenement,
)
from carnet.services.information import information_record
from spie.models import Membership, User

# Each person: civilité, nom, prénoms, naissance, commune, days since RSA entry, situations,
# plan as (thème, objectif, action), contract type.
PERSONNES = [
    (
        "mme",
        "Lefèvre",
        "Hélène Marie",
        (1986, 3, 14),
        "Elbeuf",
        420,
        ["Locataire du parc social", "Sans permis de conduire", "Parent isolé"],
        [
            ("emploi", "Trouver un emploi", "Atelier CV et lettre de motivation"),
            ("mobilite", "Passer le permis de conduire", "Inscription au permis à 1 euro"),
        ],
        "cer",
    ),
    (
        "m",
        "Benali",
        "Karim",
        (1992, 11, 2),
        "Le Grand-Quevilly",
        200,
        ["Hébergé chez un tiers", "En recherche d'emploi", "Smartphone seulement"],
        [
            ("logement", "Accéder à un logement", "Demande de logement social"),
            ("numerique", "Acquérir les bases du numérique", "Atelier numérique au centre social"),
        ],
        "contrat_engagement",
    ),
    (
        "mme",
        "Nguyen",
        "Thi Lan",
        (1979, 6, 23),
        "Saint-Étienne-du-Rouvray",
        35,
        ["Diplôme étranger non reconnu", "Parle français mais ne l'écrit pas"],
        [("maitrise_langue", "Apprendre le français", "Cours de français langue étrangère")],
        None,
    ),
    (
        "m",
        "Moreau",
        "Julien Pierre",
        (2001, 1, 30),
        "Canteleu",
        90,
        ["Sans diplôme", "Titulaire du permis B", "Autonome sur les outils numériques"],
        [("formation", "Obtenir une qualification", "Formation cariste (CACES)")],
        "cej",
    ),
    (
        "mme",
        "Dubois",
        "Sandrine",
        (1975, 9, 8),
        "Oissel-sur-Seine",
        700,
        ["Surendettement", "Plus de deux ans sans emploi"],
        [
            ("difficultes_financieres", "Apurer ses dettes", "Dossier de surendettement"),
            ("emploi", "Choisir un métier", "Immersion en entreprise (PMSMP)"),
        ],
        "cer",
    ),
    ("m", "Lambert", "Christophe", (1968, 4, 17), "Sotteville-lès-Rouen", 15, [], [], None),
]

PERSONNES_08 = [
    (
        "mme",
        "Renard",
        "Émilie",
        (1990, 2, 5),
        "Charleville-Mézières",
        300,
        ["Locataire du parc privé", "En emploi à temps partiel", "Enfant(s) de moins de 3 ans"],
        [("emploi", "Trouver un emploi", "Préparation aux entretiens")],
        "cer",
    ),
    (
        "m",
        "Petit",
        "Loïc",
        (1998, 7, 19),
        "Nouzonville",
        60,
        ["Sans permis de conduire", "Pas de connexion internet"],
        [("mobilite", "Accéder à un moyen de transport", "Location solidaire de scooter")],
        "contrat_engagement",
    ),
    ("mme", "Girard", "Nadia", (1983, 12, 1), "Villers-Semeuse", 20, [], [], None),
]


def _demo_user(local, code):
    return User.objects.get(email=f"{local}.{code}@demo.spie.fr")


def _structure_of(user):
    return Membership.objects.filter(user=user, is_active=True).select_related("structure").first().structure


def load(departement):
    """Create the demo carnets of one département (inside its scope). Returns how many were created."""
    code = departement.code
    personnes = PERSONNES if code == "76" else PERSONNES_08
    referent = _demo_user("referent", code)
    referent_structure = _structure_of(referent)
    conseiller_ft = _demo_user("conseiller-ft", code)
    ft_structure = _structure_of(conseiller_ft)
    today = timezone.localdate()
    created = 0
    for index, (civ, nom, prenoms, naissance, commune_nom, jours, situations, plan, contrat) in enumerate(personnes):
        birth = datetime.date(*naissance)
        if Beneficiaire.objects.filter(nom_usage=nom, date_naissance=birth).exists():
            continue
        from spie.dev.demo import _commune

        commune = _commune(commune_nom, code)
        beneficiaire = services.beneficiaire_create(
            departement=departement,
            data={
                "civilite": civ,
                "nom_usage": nom,
                "prenoms": prenoms,
                "date_naissance": birth,
                "commune": commune,
                "code_postal": commune.codes_postaux[0] if commune and commune.codes_postaux else "",
                "adresse": f"{10 + index} rue de la République",
                "telephone": f"06 12 34 5{index} 7{index}",
                "courriel": f"{prenoms.split()[0].lower()}.{nom.lower()}@exemple.fr".replace("é", "e").replace(
                    "è", "e"
                ),
                "numero_allocataire": f"{code}{7000000 + index}",
                "etat_droit_rsa": "2",
                "soumis_droits_devoirs": True,
                "date_entree_rsa": today - datetime.timedelta(days=jours),
                "role_foyer": "dem",
            },
            auteur=referent,
            structure=referent_structure,
        )
        created += 1
        carnet = beneficiaire.carnet
        if jours < 40:
            # New entrants stay without référent: they wait in the orientation queue.
            continue
        services.groupe_add_member(
            carnet=carnet, user=referent, structure=referent_structure, referent=True, auteur=referent
        )
        information_record(
            carnet=carnet,
            informee_le=carnet.created_at.date(),
            canal=CanalInformation.ENTRETIEN,
            version_notice="2026-01",
            auteur=referent,
            structure=referent_structure,
        )
        if index % 2 == 0:
            services.groupe_add_member(carnet=carnet, user=conseiller_ft, structure=ft_structure, auteur=referent)
        common = {"departement": departement, "carnet": carnet}
        for libelle in situations:
            situation = Situation.objects.filter(libelle=libelle, departement=None).first()
            if situation:
                SituationConstatee.objects.create(
                    **common,
                    situation=situation,
                    constatee_le=today - datetime.timedelta(days=jours - 10),
                    auteur=referent,
                    structure=referent_structure,
                )
        if situations:
            services.evenement_record(
                carnet=carnet,
                type=TypeEvenement.SITUATION,
                resume=f"{len(situations)} situations constatées au diagnostic",
                auteur=referent,
                structure=referent_structure,
            )
        ProjetProfessionnel.objects.create(
            **common, metier="Agent de propreté" if index % 2 else "Cariste", auteur=referent, rayon_mobilite_km=20
        )
        objectifs = []
        for theme_code, objectif_libelle, action_libelle in plan:
            theme = Theme.objects.get(code=theme_code)
            axe, _ = AxeDeTravail.objects.get_or_create(**common, theme=theme, defaults={"created_by": referent})
            objectif = Objectif.objects.create(
                departement=departement,
                axe=axe,
                libelle=objectif_libelle,
                consentement=True,
                consentement_le=timezone.now(),
                created_by=referent,
            )
            objectifs.append(objectif)
            Action.objects.create(
                departement=departement,
                objectif=objectif,
                libelle=action_libelle,
                statut="en_cours",
                date_debut=today - datetime.timedelta(days=20),
                structure=referent_structure,
                created_by=referent,
            )
            services.evenement_record(
                carnet=carnet,
                type=TypeEvenement.OBJECTIF,
                resume=f"Objectif « {objectif_libelle} » et action « {action_libelle} »",
                auteur=referent,
                structure=referent_structure,
            )
        now = timezone.now()
        for days, statut in ((-60, "present"), (-30, "absent"), (-10, "present"), (7, "prevu")):
            RendezVous.objects.create(
                **common,
                date_heure=(now + datetime.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0),
                professionnel=referent,
                structure=referent_structure,
                statut=statut,
                objet="Point de situation",
                created_by=referent,
            )
        if contrat:
            # A contrat d'engagement began six weeks ago on a Monday (its hours below); the others 150 days ago.
            debut = today - datetime.timedelta(days=150)
            if contrat == "contrat_engagement":
                debut = today - datetime.timedelta(days=today.weekday(), weeks=6)
            signed = Contrat.objects.create(
                **common,
                type=contrat,
                statut=StatutContrat.SIGNE,
                date_signature=debut,
                date_debut=debut,
                date_fin=today + datetime.timedelta(days=20 if index == 0 else 180),
                heures_hebdomadaires=15,
                engagements_personne="Participer aux ateliers et aux rendez-vous fixés.",
                engagements_structure="Accompagner la personne vers l'emploi et lever ses freins.",
                structure=referent_structure,
                created_by=referent,
            )
            signed.objectifs.set(objectifs)
            services.evenement_record(
                carnet=carnet, type=TypeEvenement.CONTRAT, resume=f"{signed} signé", auteur=referent
            )
            if contrat == "contrat_engagement":
                _heures_demo(signed, today, referent, referent_structure, ft_structure)
        services.note_add(
            carnet=carnet,
            texte="Premier entretien : la personne est motivée, disponible à temps plein à partir du mois prochain.",
            sensibilite="generale",
            auteur=referent,
            structure=referent_structure,
        )
        services.carnet_refresh_dates(carnet)
    return created


# Six weeks of a contrat d'engagement's hours (minutes done per week, the latest first): three weeks under 15 hours.
HEURES_DEMO = [
    ("atelier", "Atelier CV et lettre de motivation", [600, 900, 720, 960, 900, 480]),
    ("recherche_emploi", "Candidatures et relances", [240, 180, 120, 180, 120, 0]),
]


def _heures_demo(contrat, today, referent, structure, partenaire):
    """Activities of the last six weeks (one by the partner's system, as through the API), and one planned."""
    from carnet.models import SourceActivite

    lundi = today - datetime.timedelta(days=today.weekday())
    for type_activite, precision, minutes_par_semaine in HEURES_DEMO:
        for semaines, minutes in enumerate(minutes_par_semaine, start=1):
            if not minutes:
                continue
            jour = lundi - datetime.timedelta(weeks=semaines) + datetime.timedelta(days=1)
            par_partenaire = type_activite == "atelier" and semaines % 3 == 0
            services.activite_record(
                contrat=contrat,
                data={
                    "type": type_activite,
                    "date": jour,
                    "duree_minutes": minutes,
                    "etat": "realisee",
                    "precision": precision,
                },
                auteur=None if par_partenaire else referent,
                structure=partenaire if par_partenaire else structure,
                source=SourceActivite.PARTENAIRE if par_partenaire else SourceActivite.GROUPE,
            )
    services.activite_record(
        contrat=contrat,
        data={
            "type": "immersion",
            "date": today + datetime.timedelta(days=3),
            "duree_minutes": 420,
            "etat": "prevue",
            "precision": "Immersion en entreprise de propreté",
        },
        auteur=referent,
        structure=structure,
    )
