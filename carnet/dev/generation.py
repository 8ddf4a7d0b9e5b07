"""Realistic carnets generated fast, for load tests and benchmarks (`manage.py generer_carnets`).

Rows are written with PostgreSQL COPY, one transaction per batch, inside the tenant scope of each
département. Primary keys of the rows that others point to are reserved from their sequence first, so
that a whole batch (people, carnets, groups, plan, appointments, contracts, notes, timeline) is built
in Python and then streamed table by table.

Rows go through the COPY writer of `spie.bulk`. Because COPY bypasses `Model.save()`, this module fills what
save() and the services would have written: the search columns of `Beneficiaire` (computed by
`carnet.services.bulk.colonnes_recherche`, as the flux and the imports do), `uid`s, timestamps, and the
carnet's denormalised dates (`carnet.services.carnet_refresh_dates` semantics, computed in Python).

Nothing generated can be removed cleanly (timeline rows are append-only): generate into a separate
database when benchmarking (README, "Mesures de performance").
"""

import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from carnet.models import (
    Action,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    Contrat,
    Evenement,
    InformationPersonne,
    MembreGroupe,
    Note,
    Objectif,
    ObjectifReference,
    RendezVous,
    Sensibilite,
    Situation,
    SituationConstatee,
    StatutAction,
    StatutContrat,
    StatutObjectif,
    StatutRendezVous,
    Theme,
    TypeContrat,
    TypeEvenement,
)
from carnet.search import merge_pending_entries
from carnet.services.bulk import colonnes_recherche
from carnet.services.notes import libelle_note
from spie.bulk import Table, raw_connection, reserve_ids
from spie.models import Commune, Membership, Role, Structure, TypeStructure, User
from spie.tenancy import departement_scope

GENERATED_EMAIL_DOMAIN = "generation.spie.invalid"
POOL_SIZE = 200

# Common French surnames (INSEE frequency order, roughly), with their accents and particles.
SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André",
    "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson",
    "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
    "Brun", "Blanchard", "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud",
    "Martinez", "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq", "Guillaume", "Lecomte",
    "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger", "Carpentier", "Sanchez", "Dupuis", "Moulin",
    "Louis", "Deschamps", "Huet", "Vasseur", "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet",
    "Adam", "Paris", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier",
    "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall", "Collet",
    "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux", "Cousin", "Germain",
    "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré",
    "Lebrun", "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez",
    "Guichard", "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin",
    "Da Silva", "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau",
    "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay", "Pasquier",
    "Carlier", "Laporte", "Diallo", "Traoré", "Nguyen", "Benali", "Haddad", "Mendy", "Ferreira", "Dos Santos",
    "Hébert", "Duchêne", "Lecœur", "Châtelain", "Quéré", "Séguin",
)  # fmt: skip

FEMALE_FIRST_NAMES = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Valérie", "Christine", "Sandrine",
    "Véronique", "Céline", "Stéphanie", "Sophie", "Aurélie", "Émilie", "Julie", "Camille", "Léa", "Manon", "Chloé",
    "Inès", "Sarah", "Laura", "Emma", "Jade", "Louise", "Alice", "Lina", "Zoé", "Anaïs", "Mélanie", "Audrey",
    "Élodie", "Caroline", "Virginie", "Hélène", "Agnès", "Brigitte", "Martine", "Monique", "Nadia", "Fatima",
    "Samira", "Aïcha", "Yasmine", "Amina", "Karima", "Leïla", "Océane", "Maëlle", "Clémence", "Margaux", "Pauline",
    "Justine", "Marion", "Charlotte", "Lucie", "Noémie", "Mathilde", "Élise", "Gaëlle", "Séverine", "Laëtitia",
    "Annick", "Josiane", "Coralie", "Jessica", "Cindy", "Cécile", "Florence", "Béatrice", "Mireille", "Chantal",
    "Danièle", "Fabienne",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Patrick", "Nicolas", "Christophe", "Daniel", "Bernard", "Éric",
    "Laurent", "Frédéric", "Stéphane", "David", "Olivier", "Sébastien", "Julien", "Thomas", "Antoine", "Alexandre",
    "Maxime", "Kévin", "Jérôme", "Mickaël", "Cédric", "Ludovic", "Grégory", "Fabrice", "Thierry", "Pascal",
    "Didier", "Hervé", "Yannick", "Franck", "Benoît", "François", "Guillaume", "Romain", "Quentin", "Hugo", "Lucas",
    "Théo", "Louis", "Gabriel", "Raphaël", "Mathéo", "Enzo", "Noé", "Adam", "Mohamed", "Karim", "Mehdi", "Rachid",
    "Youssef", "Samir", "Moussa", "Mamadou", "Ibrahim", "Bilal", "Jérémy", "Anthony", "Dylan", "Loïc", "Gaël",
    "Jean-Pierre", "Jean-Claude", "Jean-François", "René", "Gérard", "Joël", "Aurélien", "Valentin", "Clément",
    "Bruno",
)  # fmt: skip
# (first name, civilité)
FIRST_NAMES = tuple((name, "mme") for name in FEMALE_FIRST_NAMES) + tuple((name, "m") for name in MALE_FIRST_NAMES)

STREETS = (
    "rue de la République", "rue Jeanne-d'Arc", "avenue du Général-de-Gaulle", "rue Victor-Hugo",
    "place de l'Église", "rue Jean-Jaurès", "boulevard de l'Yser", "rue des Écoles", "allée des Tilleuls",
    "rue du Moulin", "rue Pasteur", "impasse des Lilas", "rue de la Gare", "chemin du Halage",
    "résidence les Hauts-de-Seine", "rue Émile-Zola", "avenue Gambetta", "rue Gustave-Flaubert",
)  # fmt: skip

ACTIONS = (
    "Atelier CV et lettre de motivation", "Inscription à une formation qualifiante", "Demande d'aide au permis",
    "Rendez-vous avec l'assistante sociale", "Dossier de logement social", "Bilan de compétences",
    "Immersion professionnelle (PMSMP)", "Atelier numérique", "Cours de français langue étrangère",
    "Recherche d'un mode de garde", "Accompagnement aux démarches CAF", "Candidature en chantier d'insertion",
)  # fmt: skip

RDV_OBJETS = (
    "Entretien de suivi", "Point sur le contrat d'engagement", "Bilan de l'action en cours",
    "Préparation d'un entretien d'embauche", "Point sur les démarches administratives", "Premier entretien",
)  # fmt: skip

NOTES = {
    Sensibilite.GENERALE: (
        "Point d'étape : la personne avance sur son projet et a relancé deux employeurs.",
        "A participé à l'atelier collectif ; motivée, souhaite une formation courte.",
        "Démarches CAF à jour ; attend la réponse pour l'aide au permis.",
        "Entretien constructif, prochaine étape : immersion en entreprise.",
    ),
    Sensibilite.SANTE: ("Suivi médical en cours qui limite la recherche à un temps partiel.",),
    Sensibilite.FAMILLE: ("Situation familiale difficile, garde des enfants à organiser avant toute reprise.",),
    Sensibilite.JUSTICE: ("Convocation au tribunal le mois prochain : décaler les rendez-vous.",),
    Sensibilite.PROTECTION_ENFANCE: ("Mesure éducative en cours pour l'aîné : coordination avec l'ASE.",),
    Sensibilite.PRIVEE: (
        "Penser à rappeler l'employeur de la SIAE avant vendredi.",
        "Impression personnelle : la personne semble épuisée, à revoir.",
    ),
}

RDV_PASSES = (
    (StatutRendezVous.PRESENT, 75),
    (StatutRendezVous.ABSENT, 12),
    (StatutRendezVous.EXCUSE, 8),
    (StatutRendezVous.ANNULE_STRUCTURE, 5),
)
MODES = (("sur_place", 70), ("telephone", 20), ("visio", 6), ("domicile", 4))
ETATS_DROIT = (("2", 85), ("3", 5), ("4", 5), ("0", 5))


# --- Weights ------------------------------------------------------------------------------------


def _cumulate(weights):
    total, cumulative = 0, []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


def _weighted(pairs):
    return [value for value, _ in pairs], _cumulate(weight for _, weight in pairs)


# --- The département's context ------------------------------------------------------------------


@dataclass(frozen=True)
class Professionnel:
    user_id: int
    structure_id: int
    nom_complet: str
    structure_nom: str
    structure_type: str


def ensure_structures(departement):
    """The département's active structures; four generated ones when it has none."""
    structures = list(Structure.objects.filter(actif=True).order_by("pk"))
    if structures:
        return structures
    specs = (
        (TypeStructure.DEPARTEMENT, "Direction de l'insertion"),
        (TypeStructure.FRANCE_TRAVAIL, "France Travail"),
        (TypeStructure.MISSION_LOCALE, "Mission locale"),
        (TypeStructure.ASSOCIATION, "Association d'insertion"),
    )
    return Structure.objects.bulk_create(
        Structure(departement=departement, nom=f"{label} — {departement.nom} (générée)", type=type_)
        for type_, label in specs
    )


def ensure_professionnels(departement, rng, pool_size=POOL_SIZE, generes_seulement=False):
    """The département's professionals (active memberships), completed by generated ones up to `pool_size`.

    Generated accounts share one unusable password (no login, no hashing cost) and have an e-mail address
    under GENERATED_EMAIL_DOMAIN, so that they can be told apart. `generes_seulement`: leave the real
    accounts out (the demo's volume must not fill the demo users' portfolios).
    """
    structures = ensure_structures(departement)
    memberships = Membership.objects.actifs().filter(role=Role.PROFESSIONNEL).select_related("user", "structure")
    if generes_seulement:
        memberships = memberships.filter(user__email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")
    existing = {(m.user_id, m.structure_id): m for m in memberships.order_by("pk")}
    missing = pool_size - len(existing)
    if missing > 0:
        password, token = make_password(None), uuid.uuid4().hex[:8]
        users = User.objects.bulk_create(
            User(
                email=f"pro.{departement.code.lower()}.{token}.{index:04d}@{GENERATED_EMAIL_DOMAIN}",
                first_name=rng.choice(FIRST_NAMES)[0],
                last_name=rng.choice(SURNAMES),
                password=password,
            )
            for index in range(missing)
        )
        Membership.objects.bulk_create(
            Membership(
                departement=departement, user=user, structure=structures[i % len(structures)], role=Role.PROFESSIONNEL
            )
            for i, user in enumerate(users)
        )
        return ensure_professionnels(departement, rng, pool_size=0, generes_seulement=generes_seulement)
    return [
        Professionnel(m.user_id, m.structure_id, m.user.get_full_name(), m.structure.nom, m.structure.type)
        for m in existing.values()
    ]


def charge_orientation_de(departement):
    """Who the generated orientation history names as chargé d'orientation and decision maker: the
    département's first chargé d'orientation, else its first professional."""
    with departement_scope(departement):
        memberships = Membership.objects.actifs().select_related("user").order_by("pk")
        membership = memberships.filter(role=Role.CHARGE_ORIENTATION).first() or memberships.first()
    if membership is None:
        raise LookupError(f"Aucun professionnel dans le département {departement.code}.")
    return membership.user


# --- Generation ---------------------------------------------------------------------------------

TABLES = {
    "beneficiaire": (
        Beneficiaire,
        "id uid departement_id civilite nom_usage nom_naissance prenoms date_naissance telephone courriel adresse "
        "code_postal commune_id organisme_payeur numero_allocataire role_foyer identifiant_france_travail "
        "etat_droit_rsa soumis_droits_devoirs date_entree_rsa nom_recherche trigrammes created_at updated_at",
    ),
    "carnet": (
        Carnet,
        "id uid departement_id beneficiaire_id dernier_rendez_vous prochain_rendez_vous fin_contrat_en_cours "
        "created_at updated_at",
    ),
    # The person was informed of the sharing when the carnet was opened (sharing beyond the référent's structure).
    "information": (InformationPersonne, "uid departement_id carnet_id informee_le canal version_notice created_at"),
    "membre": (MembreGroupe, "uid departement_id carnet_id user_id structure_id est_referent debut"),
    "situation": (
        SituationConstatee,
        "uid departement_id carnet_id situation_id constatee_le auteur_id structure_id created_at",
    ),
    "axe": (AxeDeTravail, "id uid departement_id carnet_id theme_id created_by_id created_at"),
    "objectif": (
        Objectif,
        "id uid departement_id axe_id libelle statut consentement consentement_le created_by_id created_at",
    ),
    "action": (
        Action,
        "uid departement_id objectif_id libelle statut date_debut date_fin structure_id created_by_id created_at",
    ),
    "rendez_vous": (
        RendezVous,
        "uid departement_id carnet_id date_heure professionnel_id structure_id mode lieu objet statut created_by_id "
        "created_at",
    ),
    "contrat": (
        Contrat,
        "id uid departement_id carnet_id type statut date_signature date_debut date_fin engagements_personne "
        "engagements_structure structure_id created_by_id created_at termine_le",
    ),
    "contrat_objectif": (Contrat.objectifs.through, "contrat_id objectif_id"),
    "note": (Note, "uid departement_id carnet_id texte sensibilite auteur_id structure_id created_at"),
    "evenement": (
        Evenement,
        "departement_id carnet_id type resume sensibilite auteur_id structure_id object_uid created_at",
    ),
}


class Generateur:
    """Builds and writes batches of carnets for one département; use it inside that département's scope."""

    def __init__(self, *, departement, seed, pool_size=POOL_SIZE, generes_seulement=False):
        self.departement, self.dep_id = departement, departement.pk
        self.rng = Random(f"{seed}-{departement.code}")
        self.now, self.today, self.tz = timezone.now(), timezone.localdate(), timezone.get_current_timezone()
        communes = Commune.objects.filter(departement_id=departement.code).order_by("code_insee")
        communes = list(communes.values_list("code_insee", "codes_postaux", "population"))
        if not communes:
            raise LookupError(departement.code)
        # People live where people live: communes weighted by population.
        self.communes = [(code, (postaux or [""])[0]) for code, postaux, _ in communes]
        self.communes_cw = _cumulate(max(population or 0, 50) for _, _, population in communes)
        self.professionnels = ensure_professionnels(
            departement, self.rng, pool_size=pool_size, generes_seulement=generes_seulement
        )
        objectifs = {}
        for reference in ObjectifReference.objects.disponibles(departement).order_by("pk"):
            objectifs.setdefault(reference.theme_id, []).append(reference.libelle)
        self.themes = [(theme, objectifs.get(theme.pk) or ["Lever les freins"]) for theme in Theme.objects.all()]
        self.situations = list(Situation.objects.disponibles(departement).order_by("pk").values_list("pk", flat=True))
        # Mild Zipf-like skew (Martin is more frequent than Séguin); about 55 % of women, as at the RSA.
        self.surnames_cw = _cumulate(1 / (rank + 8) for rank in range(len(SURNAMES)))
        female = [0.55 / (rank + 15) for rank in range(len(FEMALE_FIRST_NAMES))]
        male = [0.45 / (rank + 15) for rank in range(len(MALE_FIRST_NAMES))]
        self.first_names_cw = _cumulate(female + male)
        self.rdv_statuts, self.rdv_statuts_cw = _weighted(RDV_PASSES)
        self.modes, self.modes_cw = _weighted(MODES)
        self.etats, self.etats_cw = _weighted(ETATS_DROIT)
        self.search_cache = {}
        self.tables = {name: Table(model, columns) for name, (model, columns) in TABLES.items()}

    def _between(self, start, end):
        return start + timedelta(seconds=self.rng.random() * max((end - start).total_seconds(), 0))

    def _office_hours(self, moment):
        local = timezone.localtime(moment, self.tz)
        return local.replace(
            hour=self.rng.randint(9, 16), minute=self.rng.choice((0, 15, 30, 45)), second=0, microsecond=0
        )

    def batch(self, size):
        """Build `size` carnets and COPY them; returns the number of rows written per table."""
        beneficiaire_ids, carnet_ids = reserve_ids(Beneficiaire, size), reserve_ids(Carnet, size)
        self.axe_ids = iter(reserve_ids(AxeDeTravail, 2 * size))  # at most 2 axes per carnet,
        self.objectif_ids = iter(reserve_ids(Objectif, 2 * size))  # one objective per axe,
        self.contrat_ids = iter(reserve_ids(Contrat, size))  # at most one contract.
        for beneficiaire_id, carnet_id in zip(beneficiaire_ids, carnet_ids, strict=True):
            self.carnet(beneficiaire_id, carnet_id)
        raw = raw_connection()
        return {name: table.flush(raw) for name, table in self.tables.items()}

    def carnet(self, beneficiaire_id, carnet_id):
        rng, now = self.rng, self.now
        created_at = (
            self._between(now - timedelta(days=25), now)
            if rng.random() < 0.03
            else self._between(now - timedelta(days=3 * 365), now - timedelta(days=25))
        )
        self.beneficiaire(beneficiaire_id, created_at)
        group, last_activity = self.groupe(carnet_id, created_at)
        diagnostic = min(created_at + timedelta(days=rng.randint(0, 20)), now)
        referent = group[0]
        for situation_id in rng.sample(self.situations, min(rng.randint(1, 2), len(self.situations))):
            self.tables["situation"].add(
                uuid.uuid4(), self.dep_id, carnet_id, situation_id, diagnostic.date(), referent.user_id,
                referent.structure_id, diagnostic,
            )  # fmt: skip
        objectifs = self.plan(carnet_id, group, diagnostic)
        dernier, prochain, last_rdv = self.rendez_vous(carnet_id, group, created_at)
        fin_contrat = self.contrat(carnet_id, referent, diagnostic, objectifs)
        last_note = self.notes(carnet_id, group, created_at)
        self.tables["carnet"].add(
            carnet_id, uuid.uuid4(), self.dep_id, beneficiaire_id, dernier, prochain, fin_contrat, created_at,
            max(last_activity, last_rdv, last_note),
        )  # fmt: skip
        self.tables["information"].add(
            uuid.uuid4(), self.dep_id, carnet_id, created_at.date(), "entretien", "2026-01", created_at
        )

    def beneficiaire(self, beneficiaire_id, created_at):
        rng = self.rng
        first_name, civilite = rng.choices(FIRST_NAMES, cum_weights=self.first_names_cw)[0]
        names = [first_name]
        wanted = 1 + (2 if rng.random() < 0.05 else 1 if rng.random() < 0.3 else 0)
        pool = FEMALE_FIRST_NAMES if civilite == "mme" else MALE_FIRST_NAMES
        while len(names) < wanted:
            other = rng.choice(pool)
            if other not in names:
                names.append(other)
        prenoms = " ".join(names)
        nom_usage = rng.choices(SURNAMES, cum_weights=self.surnames_cw)[0]
        nom_naissance = ""
        if civilite == "mme" and rng.random() < 0.25:
            nom_naissance = rng.choices(SURNAMES, cum_weights=self.surnames_cw)[0]
        # What Beneficiaire.save() would compute (COPY does not call it).
        key = (nom_usage, nom_naissance, prenoms)
        if key not in self.search_cache:
            self.search_cache[key] = colonnes_recherche(*key)
        nom_recherche, trigrammes = self.search_cache[key]
        young = rng.random() < 0.05  # under 25: RSA jeune actif, or a young parent
        age_days = rng.randint(18 * 365 + 5, 25 * 365 - 5) if young else rng.randint(25 * 365, 64 * 365)
        commune_id, code_postal = rng.choices(self.communes, cum_weights=self.communes_cw)[0]
        login = f"{first_name}.{nom_usage}".lower().replace(" ", "-")
        r = rng.random
        self.tables["beneficiaire"].add(
            beneficiaire_id, uuid.uuid4(), self.dep_id, civilite, nom_usage, nom_naissance, prenoms,
            self.today - timedelta(days=age_days),
            " ".join(["06"] + [str(rng.randint(10, 99)) for _ in range(4)]) if r() < 0.7 else "",
            f"{login}{rng.randint(1, 99)}@exemple.invalid" if r() < 0.4 else "",
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}", code_postal, commune_id, "msa" if r() < 0.05 else "caf",
            f"{rng.randint(0, 9_999_999):07d}", "dem" if r() < 0.85 else "cjt",
            f"{rng.randint(0, 9_999_999):07d}{chr(65 + rng.randint(0, 25))}" if r() < 0.6 else "",
            rng.choices(self.etats, cum_weights=self.etats_cw)[0], r() < 0.9,
            created_at.date() - timedelta(days=rng.randint(0, 120)), nom_recherche, trigrammes, created_at, created_at,
        )  # fmt: skip

    def groupe(self, carnet_id, created_at):
        """A référent and one or two other professionals (distinct people), with their timeline events."""
        rng, dep_id = self.rng, self.dep_id
        group = [rng.choice(self.professionnels)]
        wanted = 1 + rng.randint(1, 2)
        while len(group) < wanted:
            candidate = rng.choice(self.professionnels)
            if all(candidate.user_id != member.user_id for member in group):
                group.append(candidate)
        referent, evenements = group[0], self.tables["evenement"]
        evenements.add(
            dep_id, carnet_id, TypeEvenement.CARNET_CREE, "Carnet de bord ouvert", Sensibilite.GENERALE,
            referent.user_id, referent.structure_id, None, created_at,
        )  # fmt: skip
        last = created_at
        for index, member in enumerate(group):
            debut = min(created_at + timedelta(days=index * rng.randint(1, 40), minutes=5), self.now)
            member_uid = uuid.uuid4()
            self.tables["membre"].add(
                member_uid, dep_id, carnet_id, member.user_id, member.structure_id, index == 0, debut
            )
            what = "devient référent" if index == 0 else "rejoint le groupe"
            evenements.add(
                dep_id, carnet_id, TypeEvenement.REFERENT_CHANGE if index == 0 else TypeEvenement.MEMBRE_AJOUTE,
                f"{member.nom_complet} ({member.structure_nom}) {what}"[:255], Sensibilite.GENERALE,
                referent.user_id, referent.structure_id, member_uid, debut,
            )  # fmt: skip
            last = max(last, debut)
        return group, last

    def plan(self, carnet_id, group, diagnostic):
        """1–2 axes (distinct themes), one objective each, 1–2 actions per objective."""
        rng, dep_id, today, referent = self.rng, self.dep_id, self.today, group[0]
        objectifs = []
        for theme, libelles in rng.sample(self.themes, min(rng.randint(1, 2), len(self.themes))):
            axe_id, objectif_id = next(self.axe_ids), next(self.objectif_ids)
            self.tables["axe"].add(axe_id, uuid.uuid4(), dep_id, carnet_id, theme.pk, referent.user_id, diagnostic)
            consentement = rng.random() < 0.8
            self.tables["objectif"].add(
                objectif_id, uuid.uuid4(), dep_id, axe_id, rng.choice(libelles),
                StatutObjectif.ATTEINT if rng.random() < 0.15 else StatutObjectif.EN_COURS, consentement,
                diagnostic if consentement else None, referent.user_id, diagnostic,
            )  # fmt: skip
            objectifs.append(objectif_id)
            for _ in range(rng.randint(1, 2)):
                porteur = rng.choice(group)
                debut = diagnostic.date() + timedelta(days=rng.randint(0, 60))
                if debut > today:
                    statut, fin = StatutAction.EN_PROJET, None
                elif rng.random() < 0.4:
                    statut, fin = StatutAction.REALISEE, min(debut + timedelta(days=rng.randint(1, 90)), today)
                else:
                    statut, fin = rng.choice((StatutAction.EN_COURS, StatutAction.EN_ATTENTE)), None
                self.tables["action"].add(
                    uuid.uuid4(), dep_id, objectif_id, rng.choice(ACTIONS), statut, debut, fin, porteur.structure_id,
                    porteur.user_id, diagnostic,
                )  # fmt: skip
        return objectifs

    def rendez_vous(self, carnet_id, group, created_at):
        """3–6 appointments, past ones mostly honoured. A quarter of carnets are dormant (nothing for two
        months or more, nothing planned); about 40 % have one planned in the coming weeks.

        Returns the carnet's `dernier_rendez_vous` and `prochain_rendez_vous` as `carnet_refresh_dates`
        computes them, and the last past appointment."""
        rng, now = self.rng, self.now
        count, dormant = rng.randint(3, 6), rng.random() < 0.25
        planned = not dormant and rng.random() < 0.55
        past_end = max(now - timedelta(days=rng.randint(61, 240)) if dormant else now, created_at + timedelta(hours=1))
        dernier = prochain = None
        last = created_at
        for index in range(count):
            if planned and index == count - 1:
                moment, statut = self._office_hours(now + timedelta(days=rng.randint(1, 45))), StatutRendezVous.PREVU
            else:
                moment = self._office_hours(self._between(created_at, past_end))
                if moment >= now:
                    moment -= timedelta(days=1)
                statut = rng.choices(self.rdv_statuts, cum_weights=self.rdv_statuts_cw)[0]
                last = max(last, moment)
            pro = group[0] if rng.random() < 0.7 else rng.choice(group)
            mode = rng.choices(self.modes, cum_weights=self.modes_cw)[0]
            self.tables["rendez_vous"].add(
                uuid.uuid4(), self.dep_id, carnet_id, moment, pro.user_id, pro.structure_id, mode,
                pro.structure_nom[:255] if mode == "sur_place" else "", rng.choice(RDV_OBJETS), statut, pro.user_id,
                min(moment, now) - timedelta(days=rng.randint(1, 15)),
            )  # fmt: skip
            if statut == StatutRendezVous.PRESENT and (dernier is None or moment > dernier):
                dernier = moment
            if statut == StatutRendezVous.PREVU and moment >= now and (prochain is None or moment < prochain):
                prochain = moment
        return dernier, prochain, last

    def contrat(self, carnet_id, referent, diagnostic, objectifs):
        """A contract for about 60 % (ended when past its end date, 10 % still drafts); returns the carnet's
        `fin_contrat_en_cours` (signed and current) as `carnet_refresh_dates` computes it."""
        rng, today = self.rng, self.today
        if rng.random() >= 0.6:
            return None
        contrat_id, contrat_uid = next(self.contrat_ids), uuid.uuid4()
        debut = self._between(diagnostic, max(self.now, diagnostic + timedelta(days=1))).date()
        fin = debut + timedelta(days=rng.choice((182, 365)))
        if rng.random() < 0.1:
            statut, signature, termine = StatutContrat.BROUILLON, None, None
        elif fin < today:
            statut, signature, termine = StatutContrat.TERMINE, debut, fin
        else:
            statut, signature, termine = StatutContrat.SIGNE, debut, None
        type_contrat = TypeContrat.PPAE if referent.structure_type == TypeStructure.FRANCE_TRAVAIL else TypeContrat.CER
        created = timezone.make_aware(datetime.combine(debut, datetime.min.time()), self.tz)
        self.tables["contrat"].add(
            contrat_id, contrat_uid, self.dep_id, carnet_id, type_contrat, statut, signature, debut, fin,
            "Se présenter aux rendez-vous et mener les actions du plan.",
            "Accompagner la personne et mobiliser les aides utiles.", referent.structure_id, referent.user_id,
            created, termine,
        )  # fmt: skip
        self.tables["contrat_objectif"].add(contrat_id, objectifs[0])
        if statut != StatutContrat.BROUILLON:
            self.tables["evenement"].add(
                self.dep_id, carnet_id, TypeEvenement.CONTRAT, f"Contrat signé : {TypeContrat(type_contrat).label}",
                Sensibilite.GENERALE, referent.user_id, referent.structure_id, contrat_uid, created,
            )  # fmt: skip
        return fin if statut == StatutContrat.SIGNE and debut <= today <= fin else None

    def notes(self, carnet_id, group, created_at):
        """2–3 notes of different sensitivities; the timeline says only that a restricted or private note
        was added, never its text."""
        rng, dep_id = self.rng, self.dep_id
        autres = (Sensibilite.SANTE, Sensibilite.FAMILLE, Sensibilite.JUSTICE, Sensibilite.PRIVEE)
        sensibilites = [Sensibilite.GENERALE, rng.choice(autres)]
        if rng.random() < 0.5:
            sensibilites.append(rng.choice(Sensibilite.values))
        last = created_at
        for sensibilite in sensibilites:
            auteur, moment, note_uid = rng.choice(group), self._between(created_at, self.now), uuid.uuid4()
            self.tables["note"].add(
                note_uid, dep_id, carnet_id, rng.choice(NOTES[sensibilite]), sensibilite, auteur.user_id,
                auteur.structure_id, moment,
            )  # fmt: skip
            self.tables["evenement"].add(
                dep_id, carnet_id, TypeEvenement.NOTE, libelle_note(sensibilite),
                sensibilite, auteur.user_id, auteur.structure_id, note_uid, moment,
            )  # fmt: skip
            last = max(last, moment)
        return last


@dataclass
class Stats:
    carnets: int = 0
    rows: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self):
        return sum(self.rows.values())


def generate(*, departements, total, seed=1, batch_size=5000, log=print, **options_generateur):
    """Generate `total` carnets spread evenly over `departements`, one transaction per batch; returns Stats.

    `log` receives one progress line per batch."""
    share, remainder = divmod(total, len(departements))
    stats, start = Stats(), time.perf_counter()
    for position, departement in enumerate(departements):
        wanted, done = share + (1 if position < remainder else 0), 0
        if not wanted:
            continue
        with departement_scope(departement):
            generateur = Generateur(departement=departement, seed=seed, **options_generateur)
            while done < wanted:
                size, batch_start = min(batch_size, wanted - done), time.perf_counter()
                with transaction.atomic():
                    written = generateur.batch(size)
                elapsed = time.perf_counter() - batch_start
                done += size
                stats.carnets += size
                for name, count in written.items():
                    stats.rows[name] = stats.rows.get(name, 0) + count
                rows, total_elapsed = sum(written.values()), time.perf_counter() - start
                log(
                    f"[{departement.code}] {fr(done)}/{fr(wanted)} carnets · lot : {fr(rows)} lignes "
                    f"en {elapsed:.1f} s ({fr(rows / elapsed)} lignes/s) · total : {fr(stats.total_rows)} lignes, "
                    f"{fr(stats.total_rows / total_elapsed)} lignes/s"
                )
    maintenance_start = time.perf_counter()
    log(f"{maintenance()} en {time.perf_counter() - maintenance_start:.1f} s.")
    stats.seconds = time.perf_counter() - start
    return stats


def maintenance():
    """Leave the tables as a running database would be: planner statistics fresh, GIN pending lists merged.

    Without it the first queries plan as on empty tables, and every name search scans the GIN index's
    pending list (thousands of unmerged entries after a bulk load). VACUUM cannot run in a transaction
    (tests): there ANALYZE and gin_clean_pending_list() do the part that matters.
    """
    tables = [connection.ops.quote_name(model._meta.db_table) for model, _ in TABLES.values()]
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
            return "Tables nettoyées et statistiques à jour (VACUUM ANALYZE)"
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    merge_pending_entries()
    return "Statistiques à jour (ANALYZE) et index GIN fusionnés"


def fr(number):
    """12345.6 → "12 345" (French thousands separator)."""
    return f"{math.floor(number):,}".replace(",", " ")
