"""The relevance set of the suggested offers: a small hand-written catalogue of the Ardennes and 30 person
profiles, each with the offers a référent would pick for them. Never for real data.

`charger(departement)` writes the catalogue in the active scope; `evaluer(...)` runs `offre.suggestions` for
each profile and returns the precision at 5: among the first five suggestions, the share that are expected
(out of min(5, number expected)). Used by `manage.py mesurer_pertinence` and by
tests/offre/test_pertinence.py, which asserts a floor.
"""

import datetime
from dataclasses import dataclass

from offre import suggestions

DEP = "08"
# code INSEE, name, latitude, longitude (the centre of each commune, rounded).
COMMUNES = {
    "charleville": ("08105", "Charleville-Mézières", 49.7621, 4.7266),
    "sedan": ("08409", "Sedan", 49.7019, 4.9403),
    "rethel": ("08362", "Rethel", 49.5097, 4.3675),
    "revin": ("08363", "Revin", 49.9392, 4.6386),
    "givet": ("08190", "Givet", 50.1378, 4.8256),
    "nouzonville": ("08328", "Nouzonville", 49.8137, 4.7463),
    "vouziers": ("08490", "Vouziers", 49.3978, 4.7011),
}
TOUS = ["tous-publics"]
RSA = ["beneficiaires-des-minimas-sociaux"]
SUR_PLACE = ["en-presentiel"]
DISTANCE = ["a-distance"]

# key: (name, description, thématiques, zone (commune keys or the département), located in, modes, publics,
#       sessions: list of (days from today, places left))
CATALOGUE = {
    "permis-charleville": (
        "Auto-école sociale de Charleville",
        "Préparer le code de la route et la conduite du permis B à un coût adapté, avec des moniteurs formés à "
        "l'accompagnement des personnes éloignées de l'emploi.",
        ["mobilite--preparer-un-permis"],
        [DEP],
        "charleville",
        SUR_PLACE,
        RSA + ["demandeurs-emploi"],
        [(20, 3)],
    ),
    "permis-rethel": (
        "Auto-école associative du Rethélois",
        "Code et conduite pour obtenir le permis B, leçons de conduite financées pour les allocataires.",
        ["mobilite--preparer-un-permis"],
        ["rethel", "vouziers"],
        "rethel",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "scooter": (
        "Location solidaire de scooters",
        "Louer un scooter ou un vélo électrique à petit prix pour se rendre au travail ou en formation.",
        ["mobilite--acceder-a-un-vehicule", "mobilite--financer-ma-mobilite"],
        [DEP],
        "sedan",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "garage": (
        "Garage solidaire",
        "Faire réparer et entretenir sa voiture à prix coûtant, ateliers de mécanique.",
        ["mobilite--entretenir-reparer-son-vehicule"],
        [DEP],
        "nouzonville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "conseil-mobilite": (
        "Conseil en mobilité à distance",
        "Un conseiller mobilité par téléphone : trouver les transports, le covoiturage, les aides au déplacement.",
        ["mobilite--etre-accompagne-dans-son-parcours-mobilite", "mobilite--mobilite-douce-partagee-collective"],
        [DEP],
        "charleville",
        DISTANCE,
        TOUS,
        [],
    ),
    "transport-pointe": (
        "Transport à la demande de la Pointe",
        "Minibus sur réservation pour les habitants de la pointe des Ardennes : rendez-vous, emploi, formation.",
        ["mobilite--mobilite-douce-partagee-collective"],
        ["givet", "revin"],
        "givet",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "cv": (
        "Atelier CV et lettre de motivation",
        "Construire un CV clair et une lettre de motivation adaptée à chaque offre d'emploi.",
        ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [(12, 5)],
    ),
    "entretien": (
        "Préparer ses entretiens d'embauche",
        "Simulations d'entretien d'embauche filmées, conseils pour convaincre un recruteur.",
        ["trouver-un-emploi--convaincre-un-recruteur-en-entretien"],
        ["sedan"],
        "sedan",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "rencontres-employeurs": (
        "Rencontres employeurs de la vallée de la Meuse",
        "Job dating avec les entreprises qui recrutent : industrie, commerce, services.",
        ["trouver-un-emploi--repondre-a-des-offres-demploi", "preparer-sa-candidature--developper-son-reseau"],
        [DEP],
        "revin",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "immersion": (
        "Découverte des métiers en entreprise",
        "Période d'immersion en entreprise pour découvrir un métier et confirmer son projet professionnel.",
        [
            "choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite",
            "choisir-un-metier--confirmer-son-choix-de-metier",
        ],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "bilan": (
        "Bilan de compétences pour les allocataires du RSA",
        "Identifier ses points forts, ses compétences et les valoriser auprès des employeurs.",
        [
            "choisir-un-metier--identifier-ses-points-forts-et-ses-competences",
            "preparer-sa-candidature--valoriser-ses-competences",
        ],
        [DEP],
        "rethel",
        SUR_PLACE,
        RSA,
        [],
    ),
    "aide-soignant": (
        "Préparation au concours d'aide-soignant",
        "Formation préparatoire aux métiers du soin : aide-soignant, auxiliaire de vie, agent hospitalier.",
        ["se-former--trouver-sa-formation"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [(30, 6)],
    ),
    "batiment": (
        "Formation maçonnerie et second œuvre du bâtiment",
        "Apprendre la maçonnerie, la peinture et le carrelage sur un chantier école du bâtiment.",
        ["se-former--trouver-sa-formation"],
        [DEP],
        "sedan",
        SUR_PLACE,
        TOUS,
        [(10, 0)],
    ),
    "logistique": (
        "Formation logistique et CACES",
        "Préparation de commandes, conduite de chariot élévateur (CACES), gestion d'entrepôt.",
        ["se-former--trouver-sa-formation"],
        [DEP],
        "nouzonville",
        SUR_PLACE,
        TOUS,
        [(25, 8)],
    ),
    "cuisine": (
        "Formation commis de cuisine",
        "Apprendre les bases de la cuisine et de la restauration collective, stage en restaurant.",
        ["se-former--trouver-sa-formation"],
        [DEP],
        "givet",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "routier": (
        "Formation conducteur routier",
        "Permis poids lourd et titre professionnel de conducteur de camion, transport de marchandises.",
        ["se-former--trouver-sa-formation"],
        [DEP],
        "rethel",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "remise-niveau": (
        "Remise à niveau en français et calcul",
        "Reprendre les bases de la lecture, de l'écriture et du calcul en petit groupe.",
        ["lecture-ecriture-calcul--maitriser-le-francais", "lecture-ecriture-calcul--maitriser-le-calcul"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "fle": (
        "Cours de français langue étrangère",
        "Apprendre le français à l'oral et à l'écrit pour les personnes arrivées en France.",
        ["lecture-ecriture-calcul--maitriser-le-francais"],
        ["sedan", "charleville"],
        "sedan",
        SUR_PLACE,
        ["personnes-exilees"],
        [],
    ),
    "financer-formation": (
        "Financer sa formation : CPF et aides",
        "Monter son dossier de financement de formation : compte personnel de formation, aides de la Région.",
        ["se-former--monter-son-dossier-de-formation"],
        [DEP],
        "charleville",
        DISTANCE,
        TOUS,
        [],
    ),
    "acces-droits": (
        "Point d'accès aux droits",
        "Juristes et travailleurs sociaux pour ouvrir ses droits sociaux et faire valoir ses droits.",
        [
            "difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits",
            "difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
        ],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "ecrivain-public": (
        "Écrivain public",
        "Aide pour remplir les formulaires, écrire un courrier administratif, constituer un dossier.",
        ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
        ["revin", "givet"],
        "revin",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "domiciliation": (
        "Domiciliation administrative au CCAS",
        "Obtenir une adresse pour recevoir son courrier et faire ses démarches quand on n'a pas de domicile stable.",
        ["difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"],
        ["charleville"],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "budget": (
        "Atelier budget du quotidien",
        "Gérer ses dépenses, ses factures et son compte bancaire, éviter les frais.",
        [
            "difficultes-financieres--ameliorer-sa-gestion-budgetaire",
            "difficultes-financieres--acquerir-une-autonomie-budgetaire",
        ],
        [DEP],
        "sedan",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "surendettement": (
        "Accompagnement au dossier de surendettement",
        "Déposer un dossier auprès de la Banque de France et négocier avec les créanciers.",
        ["difficultes-financieres--situation-dendettement-surendettement"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "epicerie": (
        "Épicerie solidaire",
        "Faire ses courses à petit prix et participer aux ateliers cuisine et budget.",
        ["equipement-et-alimentation--alimentation"],
        ["charleville"],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "habitat-jeunes": (
        "Résidence habitat jeunes",
        "Logement temporaire meublé pour les jeunes de 16 à 30 ans en formation ou en emploi.",
        [
            "logement-hebergement--louer-un-logement",
            "logement-hebergement--rechercher-une-solution-dhebergement-temporaire",
        ],
        [DEP],
        "charleville",
        SUR_PLACE,
        ["jeunes"],
        [],
    ),
    "urgence": (
        "Hébergement d'urgence et accueil de jour",
        "Une place d'hébergement pour la nuit, douches, repas et accompagnement social.",
        ["logement-hebergement--rechercher-une-solution-dhebergement-temporaire"],
        [DEP],
        "sedan",
        SUR_PLACE,
        ["personnes-en-situation-durgence"],
        [],
    ),
    "impayes": (
        "Prévention des expulsions",
        "Traiter une dette de loyer, négocier un plan d'apurement avec le bailleur, rester dans son logement.",
        ["logement-hebergement--reduire-les-impayes-de-loyer", "logement-hebergement--se-maintenir-dans-le-logement"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "recherche-logement": (
        "Aide à la recherche d'un logement",
        "Constituer sa demande de logement social, visiter, signer un bail.",
        [
            "logement-hebergement--louer-un-logement",
            "logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement",
        ],
        [DEP],
        "rethel",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "creche": (
        "Crèche à vocation d'insertion professionnelle",
        "Places d'accueil pour les enfants des parents qui reprennent un emploi ou une formation.",
        ["famille--garde-denfants"],
        ["charleville"],
        "charleville",
        SUR_PLACE,
        ["familles"],
        [],
    ),
    "parentalite": (
        "Groupe de parole de parents",
        "Échanger entre parents sur l'éducation des enfants, avec une psychologue.",
        ["famille--soutien-a-la-parentalite-et-a-leducation"],
        [DEP],
        "sedan",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "aidants": (
        "Soutien aux aidants familiaux",
        "Répit et groupes de soutien pour les personnes qui s'occupent d'un proche malade ou âgé.",
        ["famille--soutien-aidants"],
        [DEP],
        "vouziers",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "violences": (
        "Accueil des victimes de violences conjugales",
        "Écoute, mise à l'abri et accompagnement juridique des femmes victimes de violences.",
        ["famille--surmonter-conflits-separation-violence"],
        [DEP],
        "charleville",
        SUR_PLACE,
        ["femmes"],
        [],
    ),
    "pass": (
        "Permanence d'accès aux soins de santé",
        "Consultations médicales et aide pour ouvrir ses droits à l'assurance maladie.",
        ["sante--acces-aux-soins"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "addictions": (
        "Consultation d'addictologie",
        "Accompagnement des personnes en difficulté avec l'alcool, le tabac ou d'autres produits.",
        ["sante--addictions"],
        [DEP],
        "sedan",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "mdph": (
        "Aide au dossier MDPH et RQTH",
        "Remplir le dossier de reconnaissance de la qualité de travailleur handicapé.",
        ["sante--constituer-un-dossier-mdph-invalidite"],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "cap-emploi": (
        "Accompagnement vers l'emploi des personnes handicapées",
        "Trouver un emploi adapté à son handicap, aménager son poste, se maintenir dans l'emploi.",
        ["trouver-un-emploi--maintien-dans-lemploi", "trouver-un-emploi--repondre-a-des-offres-demploi"],
        [DEP],
        "charleville",
        SUR_PLACE,
        ["personnes-en-situation-de-handicap"],
        [],
    ),
    "numerique-base": (
        "Atelier numérique : premiers pas",
        "Apprendre à utiliser un ordinateur, une souris, une messagerie électronique.",
        ["numerique--maitriser-les-fondamentaux-du-numerique"],
        [DEP],
        "revin",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "demarches-en-ligne": (
        "Aide aux démarches en ligne",
        "France services : un agent aide à faire ses démarches sur internet (CAF, impôts, France Travail).",
        ["numerique--acceder-a-des-services-en-ligne"],
        [DEP],
        "givet",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "ordinateurs": (
        "Ordinateurs reconditionnés à petit prix",
        "Acheter un ordinateur ou une tablette reconditionnés, avec une connexion internet solidaire.",
        ["numerique--acquerir-un-equipement", "numerique--acceder-a-une-connexion-internet"],
        [DEP],
        "nouzonville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "couveuse": (
        "Couveuse d'entreprises",
        "Tester son activité en créant son entreprise dans un cadre sécurisé, avec un accompagnement.",
        [
            "creer-une-entreprise--definir-son-projet-de-creation-dentreprise",
            "creer-une-entreprise--structurer-son-projet-de-creation-dentreprise",
        ],
        [DEP],
        "charleville",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "confiance": (
        "Atelier confiance en soi",
        "Retrouver confiance en soi et le goût du collectif après une longue période sans emploi.",
        ["remobilisation--bien-etre-confiance-en-soi", "remobilisation--lien-social"],
        [DEP],
        "rethel",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "espaces-verts": (
        "Chantier d'insertion espaces verts",
        "Contrat de travail en insertion : entretien des jardins, paysagisme, espaces naturels.",
        ["trouver-un-emploi--repondre-a-des-offres-demploi"],
        ["sedan", "charleville"],
        "sedan",
        SUR_PLACE,
        RSA,
        [],
    ),
    "aide-domicile": (
        "Découvrir les métiers de l'aide à domicile",
        "Immersion auprès d'auxiliaires de vie : aide aux personnes âgées à leur domicile.",
        ["choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite"],
        [DEP],
        "rethel",
        SUR_PLACE,
        TOUS,
        [],
    ),
    "cv-visio": (
        "Coaching CV en visio",
        "Un coach relit et améliore votre CV en visioconférence.",
        ["preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation"],
        ["france"],
        "charleville",
        DISTANCE,
        TOUS,
        [],
    ),
}


@dataclass
class Personne:
    axes: tuple  # theme codes of the open axes
    situations: tuple  # labels of national situations
    commune: str  # key of COMMUNES
    rayon_km: int | None
    publics: tuple
    texte: str
    attendues: tuple  # keys of CATALOGUE a référent would pick


PERSONNES = [
    Personne(
        ("mobilite",),
        ("Sans permis de conduire",),
        "charleville",
        20,
        RSA,
        "Passer le permis B",
        ("permis-charleville", "conseil-mobilite", "scooter"),
    ),
    Personne(
        ("mobilite",),
        ("Permis B en cours",),
        "rethel",
        15,
        RSA,
        "Financer les leçons de conduite",
        ("permis-rethel", "conseil-mobilite"),
    ),
    Personne(
        ("mobilite", "emploi"),
        ("Dispose d'un véhicule",),
        "nouzonville",
        30,
        (),
        "Réparer ma voiture pour aller travailler",
        ("garage", "rencontres-employeurs", "cv", "immersion"),
    ),
    Personne(
        ("mobilite",),
        ("Territoire mal desservi",),
        "givet",
        10,
        (),
        "Se déplacer sans voiture",
        ("transport-pointe", "conseil-mobilite", "scooter"),
    ),
    Personne(
        ("emploi",),
        ("En recherche d'emploi",),
        "charleville",
        25,
        ("demandeurs-emploi",),
        "Refaire mon CV et préparer les entretiens",
        ("cv", "cv-visio", "entretien", "rencontres-employeurs"),
    ),
    Personne(
        ("emploi",),
        ("Sans expérience professionnelle",),
        "sedan",
        20,
        ("jeunes",),
        "Découvrir un métier, je ne sais pas quoi faire",
        ("immersion", "bilan", "aide-domicile"),
    ),
    Personne(
        ("emploi",),
        ("Plus de deux ans sans emploi",),
        "rethel",
        30,
        RSA,
        "Reprendre confiance et retrouver un rythme",
        ("confiance", "bilan", "immersion"),
    ),
    Personne(
        ("emploi",),
        ("En contrat d'insertion (IAE)",),
        "sedan",
        25,
        RSA,
        "Travailler dans les espaces verts, jardinier paysagiste",
        ("espaces-verts", "immersion"),
    ),
    Personne(
        ("formation",),
        ("Sans diplôme",),
        "charleville",
        30,
        (),
        "Devenir aide-soignante à l'hôpital",
        ("aide-soignant", "financer-formation"),
    ),
    Personne(
        ("formation",),
        ("Sans diplôme",),
        "nouzonville",
        30,
        (),
        "Travailler en entrepôt, cariste, préparateur de commandes",
        ("logistique", "financer-formation"),
    ),
    Personne(("formation",), (), "givet", 40, (), "Cuisinier en restauration", ("cuisine", "financer-formation")),
    Personne(
        ("formation",),
        (),
        "rethel",
        50,
        (),
        "Chauffeur poids lourd, conduire un camion",
        ("routier", "financer-formation"),
    ),
    Personne(
        ("formation",),
        ("Besoin de remise à niveau",),
        "charleville",
        15,
        (),
        "Reprendre les bases en français et en maths",
        ("remise-niveau",),
    ),
    Personne(
        ("maitrise_langue",),
        ("Ne parle pas français",),
        "sedan",
        20,
        ("personnes-exilees",),
        "Apprendre le français",
        ("fle", "remise-niveau"),
    ),
    Personne(
        ("difficultes_administratives",),
        ("Pas de domiciliation",),
        "charleville",
        10,
        (),
        "Avoir une adresse pour recevoir le courrier",
        ("domiciliation", "acces-droits"),
    ),
    Personne(
        ("difficultes_administratives",),
        ("Droits sociaux incomplets",),
        "charleville",
        20,
        RSA,
        "Ouvrir mes droits",
        ("acces-droits", "domiciliation", "pass"),
    ),
    Personne(
        ("difficultes_administratives",),
        ("Difficulté à effectuer les démarches",),
        "revin",
        15,
        (),
        "Aide pour remplir les papiers",
        ("ecrivain-public", "acces-droits", "demarches-en-ligne"),
    ),
    Personne(
        ("difficultes_financieres",),
        ("Surendettement",),
        "charleville",
        20,
        (),
        "Trop de crédits, dettes à la banque",
        ("surendettement", "budget"),
    ),
    Personne(
        ("difficultes_financieres",),
        ("Ressources insuffisantes",),
        "charleville",
        10,
        RSA,
        "Faire les courses moins cher et gérer le budget",
        ("epicerie", "budget"),
    ),
    Personne(
        ("logement",),
        ("Dette de loyer ou procédure d'expulsion",),
        "charleville",
        20,
        (),
        "Rester dans mon appartement",
        ("impayes",),
    ),
    Personne(
        ("logement",),
        ("Hébergé chez un tiers",),
        "rethel",
        30,
        ("jeunes",),
        "Trouver un logement à moi",
        ("recherche-logement", "habitat-jeunes"),
    ),
    Personne(("logement",), ("Sans hébergement",), "sedan", 20, (), "Dormir à l'abri ce soir", ("urgence",)),
    Personne(
        ("contraintes_familiales", "emploi"),
        ("Pas de solution de garde", "Parent isolé"),
        "charleville",
        10,
        ("femmes",),
        "Faire garder mon bébé pour reprendre un travail",
        ("creche", "parentalite", "cv"),
    ),
    Personne(
        ("contraintes_familiales",),
        ("Aidant d'un proche",),
        "vouziers",
        30,
        (),
        "Je m'occupe de ma mère malade",
        ("aidants",),
    ),
    Personne(
        ("contraintes_familiales",),
        ("Situation familiale difficile",),
        "charleville",
        20,
        ("femmes",),
        "Violences de mon conjoint, séparation",
        ("violences", "parentalite"),
    ),
    Personne(
        ("sante",), ("Pas de couverture santé",), "charleville", 15, (), "Voir un médecin", ("pass", "acces-droits")
    ),
    Personne(
        ("sante", "emploi"),
        ("Reconnaissance de travailleur handicapé (RQTH)",),
        "charleville",
        20,
        (),
        "Un emploi adapté à mon handicap",
        ("cap-emploi", "mdph"),
    ),
    Personne(("sante",), ("Addiction",), "sedan", 20, (), "Arrêter l'alcool", ("addictions", "pass")),
    Personne(
        ("numerique",),
        ("Pas d'équipement informatique", "Besoin d'aide pour les démarches en ligne"),
        "revin",
        40,
        RSA,
        "Utiliser un ordinateur et faire mes démarches sur internet",
        ("numerique-base", "ordinateurs", "demarches-en-ligne"),
    ),
    Personne(
        ("emploi",),
        ("Projet de création d'entreprise",),
        "charleville",
        30,
        RSA,
        "Créer mon entreprise de coiffure",
        ("couveuse",),
    ),
]


def charger(departement, *, today):
    """Write the catalogue in the active scope (the communes if the referential lacks them); {key: service}."""
    from offre.models import Service, SessionService, StatutService
    from spie.models import Commune, RefDepartement, Structure, TypeStructure

    RefDepartement.objects.get_or_create(code=DEP, defaults={"nom": "Ardennes"})
    communes = {}
    for key, (code, nom, _lat, _lon) in COMMUNES.items():
        communes[key], _ = Commune.objects.get_or_create(code_insee=code, defaults={"nom": nom, "departement_id": DEP})
    structure, _ = Structure.objects.get_or_create(
        departement=departement,
        siret="13002526500013",
        defaults={"nom": "Réseau d'insertion des Ardennes (jeu de pertinence)", "type": TypeStructure.ASSOCIATION},
    )
    services = {}
    for key, (nom, description, thematiques, zone, lieu, modes, publics, sessions) in CATALOGUE.items():
        code, commune, lat, lon = COMMUNES[lieu]
        zone_codes = [COMMUNES[z][0] if z in COMMUNES else z for z in zone]
        service = Service(
            departement=departement,
            structure=structure,
            source="pertinence",
            di_id=f"pertinence--{key}",
            nom=nom,
            description=description,
            date_maj=today - datetime.timedelta(days=30),
            type="accompagnement",
            thematiques=thematiques,
            publics=publics,
            commune=commune,
            code_insee=code,
            latitude=lat,
            longitude=lon,
            modes_accueil=modes,
            zone_eligibilite=zone_codes,
            statut=StatutService.PUBLIE,
        )
        service.save()
        for days, places in sessions:
            SessionService.objects.create(
                departement=departement,
                service=service,
                date_debut=today + datetime.timedelta(days=days),
                places_total=max(places, 10),
                places_restantes=places,
            )
        services[key] = service
    return services, communes


def profils(communes):
    """The `offre.suggestions.Profil` of each person of the set, with the référent's expected offers."""
    from carnet.models import Situation, Theme

    themes = {theme.code: theme for theme in Theme.objects.all()}
    situations = {s.libelle: s for s in Situation.objects.filter(departement=None)}
    mapping = suggestions.correspondances()
    result = []
    for personne in PERSONNES:
        profil = suggestions.profil(
            axes=[themes[code] for code in personne.axes],
            situations=[situations[libelle] for libelle in personne.situations],
            commune=communes[personne.commune],
            rayon_km=personne.rayon_km,
            publics=set(personne.publics),
            texte=personne.texte,
            mapping=mapping,
        )
        result.append((profil, personne.attendues))
    return result


def precision_at_5(keys_of, resultat, attendues):
    top = [keys_of[s.pk] for s in resultat.suggestions[:5]]
    return len(set(top) & set(attendues)) / min(5, len(attendues))


@dataclass
class Mesure:
    precision_5: float  # mean precision at 5
    precisions: list  # precision at 5 of each person
    premier_attendu: float  # share of persons whose first suggestion is expected (precision at 1)
    semantique_partout: bool  # whether the semantic ranking ran for every person


def evaluer(services, communes, *, avec_semantique, today) -> Mesure:
    keys_of = {service.pk: key for key, service in services.items()}
    precisions, premiers, semantique_partout = [], 0, True
    for profil, attendues in profils(communes):
        resultat = suggestions.suggerer(profil, limite=5, avec_semantique=avec_semantique, today=today)
        semantique_partout &= resultat.semantique
        precisions.append(precision_at_5(keys_of, resultat, attendues))
        premiers += bool(resultat.suggestions) and keys_of[resultat.suggestions[0].pk] in attendues
    return Mesure(sum(precisions) / len(precisions), precisions, premiers / len(precisions), semantique_partout)
