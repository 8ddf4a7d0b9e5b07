"""Realistic carnets generated fast, for load tests and benchmarks (`manage.py generer_carnets`).

Rows are written with PostgreSQL COPY, one transaction per batch, inside the tenant scope of each
département. Primary keys of the rows that others point to are reserved from their sequence first, so
that a whole batch (people, carnets, groups, plan, appointments, contracts, notes, timeline) is built
in Python and then streamed table by table.

Because COPY bypasses `Model.save()`, this module fills what save() and the services would have
written: the search columns of `Beneficiaire` (`carnet.search`), `uid`s, timestamps, and the carnet's
denormalised dates (`carnet.services.carnet_refresh_dates` semantics, computed in Python).

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
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import sql

from carnet.models import (
    Action,
    AxeDeTravail,
    Beneficiaire,
    Carnet,
    Contrat,
    Evenement,
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
from carnet.search import name_trigrams, search_text
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
# (first name, civilité), women first: the weights below favour the head of each half equally.
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
    Sensibilite.RESTREINTE: (
        "Suivi médical en cours qui limite la recherche à un temps partiel.",
        "Situation familiale difficile, garde des enfants à organiser avant toute reprise.",
        "Convocation au tribunal le mois prochain : décaler les rendez-vous.",
    ),
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


def _weights(pairs):
    values = [value for value, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


# --- Writing ------------------------------------------------------------------------------------


class Table:
    """COPY rows into a model's table: the given columns, plus every other column at its default.

    Columns another engineer adds later with a default (or nullable) are filled automatically; a new
    required column without default makes the generator fail at start rather than mid-way.
    """

    def __init__(self, model, columns):
        self.model = model
        self.columns = list(columns)
        self.constants, self.callables, extra = [], [], []
        for model_field in model._meta.concrete_fields:
            if model_field.attname in self.columns or model_field.primary_key:
                continue
            if model_field.db_default is not models.NOT_PROVIDED:
                continue
            if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                self.constants.append(timezone.now())
            elif model_field.has_default() and callable(model_field.default):
                self.callables.append(model_field)
                extra.append(model_field.attname)
                continue
            elif model_field.has_default() or model_field.null:
                self.constants.append(model_field.get_db_prep_save(model_field.get_default(), connection))
            else:
                raise RuntimeError(f"{model._meta.label}.{model_field.name} : colonne obligatoire non générée.")
            self.columns.append(model_field.attname)
        # Callable defaults (uuid4, dict…) are evaluated per row, after the constants.
        self.columns = [c for c in self.columns if c not in extra] + extra
        self.rows = []

    def add(self, *values):
        self.rows.append(values)

    def flush(self, raw_connection):
        if not self.rows:
            return 0
        constants = tuple(self.constants)
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
        )
        with raw_connection.cursor() as cursor, cursor.copy(statement) as copy:
            if self.callables:
                for row in self.rows:
                    extra = tuple(f.get_db_prep_save(f.get_default(), connection) for f in self.callables)
                    copy.write_row(row + constants + extra)
            else:
                for row in self.rows:
                    copy.write_row(row + constants)
        count = len(self.rows)
        self.rows = []
        return count


def reserve_ids(model, count):
    """Take `count` values from the primary key's sequence (safe alongside concurrent inserts)."""
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


# --- The département's context ------------------------------------------------------------------


@dataclass(frozen=True)
class Professionnel:
    user_id: int
    structure_id: int
    nom_complet: str
    structure_nom: str
    structure_type: str


@dataclass
class Stats:
    carnets: int = 0
    rows: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self):
        return sum(self.rows.values())


def ensure_structures(departement):
    structures = list(Structure.objects.filter(actif=True).order_by("pk"))
    if structures:
        return structures
    created = [
        Structure(departement=departement, nom=f"{label} — {departement.nom} (générée)", type=type_)
        for type_, label in (
            (TypeStructure.DEPARTEMENT, "Direction de l'insertion"),
            (TypeStructure.FRANCE_TRAVAIL, "France Travail"),
            (TypeStructure.MISSION_LOCALE, "Mission locale"),
            (TypeStructure.ASSOCIATION, "Association d'insertion"),
        )
    ]
    return Structure.objects.bulk_create(created)


def ensure_professionnels(departement, rng, pool_size=POOL_SIZE):
    """The département's professionals; a pool of generated ones is added up to `pool_size`.

    Generated accounts share one unusable password (no login, no hashing cost) and an e-mail address
    under GENERATED_EMAIL_DOMAIN, so that they can be recognised.
    """
    structures = ensure_structures(departement)
    memberships = (
        Membership.objects.actifs()
        .filter(role=Role.PROFESSIONNEL)
        .select_related("user", "structure")
        .order_by("pk")
    )
    existing = {(m.user_id, m.structure_id): m for m in memberships}
    missing = pool_size - len(existing)
    if missing > 0:
        password = make_password(None)
        token = uuid.uuid4().hex[:8]
        users = []
        for index in range(missing):
            first_name, _ = rng.choice(FIRST_NAMES)
            last_name = rng.choice(SURNAMES)
            users.append(
                User(
                    email=f"pro.{departement.code.lower()}.{token}.{index:04d}@{GENERATED_EMAIL_DOMAIN}",
                    first_name=first_name,
                    last_name=last_name,
                    password=password,
                )
            )
        users = User.objects.bulk_create(users)
        Membership.objects.bulk_create(
            Membership(
                departement=departement,
                user=user,
                structure=structures[index % len(structures)],
                role=Role.PROFESSIONNEL,
            )
            for index, user in enumerate(users)
        )
        return ensure_professionnels(departement, rng, pool_size=0)
    return [
        Professionnel(
            user_id=m.user_id,
            structure_id=m.structure_id,
            nom_complet=m.user.get_full_name(),
            structure_nom=m.structure.nom,
            structure_type=m.structure.type,
        )
        for m in existing.values()
    ]


@dataclass
class Referentiels:
    themes: list  # (theme, [objective labels])
    situations: list


def load_referentiels(departement):
    objectifs = {}
    for reference in ObjectifReference.objects.disponibles(departement):
        objectifs.setdefault(reference.theme_id, []).append(reference.libelle)
    themes = [(theme, objectifs.get(theme.pk) or ["Lever les freins identifiés"]) for theme in Theme.objects.all()]
    return Referentiels(themes=themes, situations=list(Situation.objects.disponibles(departement)))


# --- Generation ---------------------------------------------------------------------------------


class Generateur:
    """Build and write batches of carnets for one département (call inside its scope)."""

    def __init__(self, *, departement, seed, stdout=None):
        self.departement = departement
        self.rng = Random(f"{seed}-{departement.code}")
        self.stdout = stdout
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        communes = list(
            Commune.objects.filter(departement_id=departement.code).values_list("code_insee", "codes_postaux", "population")
        )
        if not communes:
            raise LookupError(departement.code)
        self.communes = [(code, (postaux or [""])[0]) for code, postaux, _ in communes]
        self.communes_cw = list(_cumulate(max(population or 0, 50) for _, _, population in communes))
        self.professionnels = ensure_professionnels(departement, self.rng)
        self.referentiels = load_referentiels(departement)
        # Mild Zipf-like skew: "Martin" is more frequent than "Séguin", as in real life.
        self.surnames_cw = list(_cumulate(1 / (rank + 8) for rank in range(len(SURNAMES))))
        self.first_names_cw = list(_cumulate(1 / (rank + 15) for rank in range(len(FIRST_NAMES))))
        self.rdv_statuts, self.rdv_statuts_cw = _weights(RDV_PASSES)
        self.modes, self.modes_cw = _weights(MODES)
        self.etats, self.etats_cw = _weights(ETATS_DROIT)
        self._search_cache = {}
        self.tables = {
            "beneficiaire": Table(
                Beneficiaire,
                (
                    "id", "uid", "departement_id", "civilite", "nom_usage", "nom_naissance", "prenoms",
                    "date_naissance", "telephone", "courriel", "adresse", "code_postal", "commune_id",
                    "organisme_payeur", "numero_allocataire", "role_foyer", "identifiant_france_travail",
                    "etat_droit_rsa", "soumis_droits_devoirs", "date_entree_rsa", "nom_recherche", "trigrammes",
                    "created_at", "updated_at",
                ),
            ),
            "carnet": Table(
                Carnet,
                (
                    "id", "uid", "departement_id", "beneficiaire_id", "dernier_rendez_vous", "prochain_rendez_vous",
                    "fin_contrat_en_cours", "created_at", "updated_at",
                ),
            ),
            "membre": Table(
                MembreGroupe, ("uid", "departement_id", "carnet_id", "user_id", "structure_id", "est_referent", "debut")
            ),
            "situation": Table(
                SituationConstatee,
                ("uid", "departement_id", "carnet_id", "situation_id", "constatee_le", "auteur_id", "structure_id",
                 "created_at"),
            ),
            "axe": Table(
                AxeDeTravail, ("id", "uid", "departement_id", "carnet_id", "theme_id", "created_by_id", "created_at")
            ),
            "objectif": Table(
                Objectif,
                ("id", "uid", "departement_id", "axe_id", "libelle", "statut", "consentement", "consentement_le",
                 "created_by_id", "created_at"),
            ),
            "action": Table(
                Action,
                ("uid", "departement_id", "objectif_id", "libelle", "statut", "date_debut", "date_fin",
                 "structure_id", "created_by_id", "created_at"),
            ),
            "rendez_vous": Table(
                RendezVous,
                ("uid", "departement_id", "carnet_id", "date_heure", "professionnel_id", "structure_id", "mode",
                 "lieu", "objet", "statut", "created_by_id", "created_at"),
            ),
            "contrat": Table(
                Contrat,
                ("id", "uid", "departement_id", "carnet_id", "type", "statut", "date_signature", "date_debut",
                 "date_fin", "engagements_personne", "engagements_structure", "structure_id", "created_by_id",
                 "created_at", "termine_le"),
            ),
            "contrat_objectif": Table(Contrat.objectifs.through, ("contrat_id", "objectif_id")),
            "note": Table(
                Note, ("uid", "departement_id", "carnet_id", "texte", "sensibilite", "auteur_id", "structure_id",
                       "created_at"),
            ),
            "evenement": Table(
                Evenement,
                ("departement_id", "carnet_id", "type", "resume", "sensibilite", "auteur_id", "structure_id",
                 "object_uid", "created_at"),
            ),
        }  # fmt: skip

    # Helpers

    def _between(self, start, end):
        """A datetime between two datetimes (end excluded), uniformly."""
        span = (end - start).total_seconds()
        return start + timedelta(seconds=self.rng.random() * max(span, 0))

    def _office_hours(self, moment):
        """The same day, at a plausible appointment time (local time)."""
        local = timezone.localtime(moment, self.tz)
        return local.replace(hour=self.rng.randint(9, 16), minute=self.rng.choice((0, 15, 30, 45)), second=0,
                             microsecond=0)  # fmt: skip

    def _search_columns(self, nom_usage, nom_naissance, prenoms):
        key = (nom_usage, nom_naissance, prenoms)
        cached = self._search_cache.get(key)
        if cached is None:
            cached = (search_text(*key), name_trigrams(*key))
            if len(self._search_cache) < 200_000:
                self._search_cache[key] = cached
        return cached

    # One batch

    def batch(self, size):
        rng = self.rng
        beneficiaire_ids = reserve_ids(Beneficiaire, size)
        carnet_ids = reserve_ids(Carnet, size)
        # Axes and objectives: at most 2 per carnet; contracts: at most 1.
        axe_ids = iter(reserve_ids(AxeDeTravail, 2 * size))
        objectif_ids = iter(reserve_ids(Objectif, 2 * size))
        contrat_ids = iter(reserve_ids(Contrat, size))
        for beneficiaire_id, carnet_id in zip(beneficiaire_ids, carnet_ids, strict=True):
            self._carnet(rng, beneficiaire_id, carnet_id, axe_ids, objectif_ids, contrat_ids)
        return size

    def flush(self):
        raw = connection.connection
        return {name: table.flush(raw) for name, table in self.tables.items()}

    def _carnet(self, rng, beneficiaire_id, carnet_id, axe_ids, objectif_ids, contrat_ids):
        dep_id = self.departement.pk
        now, today = self.now, self.today
        t = self.tables

        # The person
        first_name, civilite = rng.choices(FIRST_NAMES, cum_weights=self.first_names_cw)[0]
        prenoms = [first_name]
        extra_names = 2 if rng.random() < 0.05 else 1 if rng.random() < 0.3 else 0
        while len(prenoms) < 1 + extra_names:
            other, other_civilite = rng.choice(FIRST_NAMES)
            if other_civilite == civilite and other not in prenoms:
                prenoms.append(other)
        prenoms = " ".join(prenoms)
        nom_usage = rng.choices(SURNAMES, cum_weights=self.surnames_cw)[0]
        nom_naissance = ""
        if civilite == "mme" and rng.random() < 0.25:
            nom_naissance = rng.choices(SURNAMES, cum_weights=self.surnames_cw)[0]
        nom_recherche, trigrammes = self._search_columns(nom_usage, nom_naissance, prenoms)
        age_days = rng.randint(18 * 365 + 5, 24 * 365) if rng.random() < 0.05 else rng.randint(25 * 365, 64 * 365)
        date_naissance = today - timedelta(days=age_days)
        commune_id, code_postal = rng.choices(self.communes, cum_weights=self.communes_cw)[0]
        created_at = (
            self._between(now - timedelta(days=25), now)
            if rng.random() < 0.03
            else self._between(now - timedelta(days=3 * 365), now - timedelta(days=25))
        )
        date_entree_rsa = created_at.date() - timedelta(days=rng.randint(0, 120))
        login = f"{first_name}.{nom_usage}".lower().replace(" ", "-")
        t["beneficiaire"].add(
            beneficiaire_id,
            uuid.uuid4(),
            dep_id,
            civilite,
            nom_usage,
            nom_naissance,
            prenoms,
            date_naissance,
            f"06 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
            if rng.random() < 0.7
            else "",
            f"{login}{rng.randint(1, 99)}@exemple.invalid" if rng.random() < 0.4 else "",
            f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
            code_postal,
            commune_id,
            "msa" if rng.random() < 0.05 else "caf",
            f"{rng.randint(0, 9_999_999):07d}",
            "dem" if rng.random() < 0.85 else "cjt",
            f"{rng.randint(0, 9_999_999):07d}{chr(65 + rng.randint(0, 25))}" if rng.random() < 0.6 else "",
            rng.choices(self.etats, cum_weights=self.etats_cw)[0],
            rng.random() < 0.9,
            date_entree_rsa,
            nom_recherche,
            trigrammes,
            created_at,
            created_at,
        )

        # The group: a référent and one or two other professionals (distinct people).
        group = [rng.choice(self.professionnels)]
        wanted = 1 + rng.randint(1, 2)
        while len(group) < wanted:
            candidate = rng.choice(self.professionnels)
            if all(candidate.user_id != member.user_id for member in group):
                group.append(candidate)
        referent = group[0]
        evenements = t["evenement"]
        evenements.add(
            dep_id, carnet_id, TypeEvenement.CARNET_CREE, "Carnet de bord ouvert", Sensibilite.GENERALE,
            referent.user_id, referent.structure_id, None, created_at,
        )  # fmt: skip
        last_activity = created_at
        for index, member in enumerate(group):
            debut = created_at + timedelta(days=index * rng.randint(1, 40), minutes=5)
            debut = min(debut, now)
            member_uid = uuid.uuid4()
            t["membre"].add(member_uid, dep_id, carnet_id, member.user_id, member.structure_id, index == 0, debut)
            action = "devient référent" if index == 0 else "rejoint le groupe"
            evenements.add(
                dep_id, carnet_id, TypeEvenement.REFERENT_CHANGE if index == 0 else TypeEvenement.MEMBRE_AJOUTE,
                f"{member.nom_complet} ({member.structure_nom}) {action}"[:255], Sensibilite.GENERALE,
                referent.user_id, referent.structure_id, member_uid, debut,
            )  # fmt: skip
            last_activity = max(last_activity, debut)

        # Situations checked at the first interview.
        diagnostic = created_at + timedelta(days=rng.randint(0, 20))
        diagnostic = min(diagnostic, now)
        for situation in rng.sample(self.referentiels.situations, rng.randint(1, 2)):
            t["situation"].add(
                uuid.uuid4(), dep_id, carnet_id, situation.pk, diagnostic.date(), referent.user_id,
                referent.structure_id, diagnostic,
            )  # fmt: skip

        # The plan: 1–2 axes, one objective each, 1–2 actions per objective.
        objectifs = []
        for theme, libelles in rng.sample(self.referentiels.themes, rng.randint(1, 2)):
            axe_id = next(axe_ids)
            t["axe"].add(axe_id, uuid.uuid4(), dep_id, carnet_id, theme.pk, referent.user_id, diagnostic)
            objectif_id = next(objectif_ids)
            statut_objectif = StatutObjectif.ATTEINT if rng.random() < 0.15 else StatutObjectif.EN_COURS
            consentement = rng.random() < 0.8
            t["objectif"].add(
                objectif_id, uuid.uuid4(), dep_id, axe_id, rng.choice(libelles), statut_objectif, consentement,
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
                t["action"].add(
                    uuid.uuid4(), dep_id, objectif_id, rng.choice(ACTIONS), statut, debut, fin,
                    porteur.structure_id, porteur.user_id, diagnostic,
                )  # fmt: skip

        # Appointments: 3–6, past ones mostly honoured; some carnets are dormant (no appointment for
        # months, none planned), some have one planned in the coming weeks.
        count = rng.randint(3, 6)
        dormant = rng.random() < 0.25
        planned = not dormant and rng.random() < 0.55
        past_end = now - timedelta(days=rng.randint(61, 240)) if dormant else now
        past_end = max(past_end, created_at + timedelta(hours=1))
        dernier = prochain = None
        for index in range(count):
            is_future = planned and index == count - 1
            if is_future:
                moment = self._office_hours(now + timedelta(days=rng.randint(1, 45)))
                statut = StatutRendezVous.PREVU
            else:
                moment = self._office_hours(self._between(created_at, past_end))
                if moment >= now:
                    moment -= timedelta(days=1)
                statut = rng.choices(self.rdv_statuts, cum_weights=self.rdv_statuts_cw)[0]
            pro = referent if rng.random() < 0.7 else rng.choice(group)
            mode = rng.choices(self.modes, cum_weights=self.modes_cw)[0]
            t["rendez_vous"].add(
                uuid.uuid4(), dep_id, carnet_id, moment, pro.user_id, pro.structure_id, mode,
                pro.structure_nom[:255] if mode == "sur_place" else "", rng.choice(RDV_OBJETS), statut,
                pro.user_id, min(moment, now) - timedelta(days=rng.randint(1, 15)),
            )  # fmt: skip
            if statut == StatutRendezVous.PRESENT and (dernier is None or moment > dernier):
                dernier = moment
            if statut == StatutRendezVous.PREVU and moment >= now and (prochain is None or moment < prochain):
                prochain = moment
            if moment <= now:
                last_activity = max(last_activity, moment)

        # A contract for about 60 %: signed (ended when past its end), sometimes still a draft.
        fin_contrat = None
        if rng.random() < 0.6:
            contrat_id = next(contrat_ids)
            debut = self._between(diagnostic, max(now, diagnostic + timedelta(days=1))).date()
            fin = debut + timedelta(days=rng.choice((182, 365)))
            brouillon = rng.random() < 0.1
            if brouillon:
                statut, signature, termine = StatutContrat.BROUILLON, None, None
            elif fin < today:
                statut, signature, termine = StatutContrat.TERMINE, debut, fin
            else:
                statut, signature, termine = StatutContrat.SIGNE, debut, None
            type_contrat = TypeContrat.PPAE if referent.structure_type == "france_travail" else TypeContrat.CER
            contrat_uid = uuid.uuid4()
            contrat_created = timezone.make_aware(datetime.combine(debut, datetime.min.time()), self.tz)
            t["contrat"].add(
                contrat_id, contrat_uid, dep_id, carnet_id, type_contrat, statut, signature, debut, fin,
                "Se présenter aux rendez-vous et mener les actions du plan.",
                "Accompagner la personne et mobiliser les aides utiles.",
                referent.structure_id, referent.user_id, contrat_created, termine,
            )  # fmt: skip
            t["contrat_objectif"].add(contrat_id, objectifs[0])
            if statut != StatutContrat.BROUILLON:
                evenements.add(
                    dep_id, carnet_id, TypeEvenement.CONTRAT, f"Contrat signé : {TypeContrat(type_contrat).label}",
                    Sensibilite.GENERALE, referent.user_id, referent.structure_id, contrat_uid, contrat_created,
                )  # fmt: skip
            if statut == StatutContrat.SIGNE and debut <= today <= fin:
                fin_contrat = fin

        # Notes: 2–3, of different sensitivities; the timeline only says that a restricted or private
        # note was added (never its text).
        sensibilites = [Sensibilite.GENERALE, rng.choice((Sensibilite.RESTREINTE, Sensibilite.PRIVEE))]
        if rng.random() < 0.5:
            sensibilites.append(rng.choice((Sensibilite.GENERALE, Sensibilite.RESTREINTE, Sensibilite.PRIVEE)))
        for sensibilite in sensibilites:
            auteur = rng.choice(group)
            moment = self._between(created_at, now)
            note_uid = uuid.uuid4()
            t["note"].add(
                note_uid, dep_id, carnet_id, rng.choice(NOTES[sensibilite]), sensibilite, auteur.user_id,
                auteur.structure_id, moment,
            )  # fmt: skip
            label = {Sensibilite.GENERALE: "Note ajoutée", Sensibilite.RESTREINTE: "Note restreinte ajoutée"}.get(
                sensibilite, "Note privée ajoutée"
            )
            evenements.add(
                dep_id, carnet_id, TypeEvenement.NOTE, label, sensibilite, auteur.user_id, auteur.structure_id,
                note_uid, moment,
            )  # fmt: skip
            last_activity = max(last_activity, moment)

        t["carnet"].add(
            carnet_id, uuid.uuid4(), dep_id, beneficiaire_id, dernier, prochain, fin_contrat, created_at,
            last_activity,
        )  # fmt: skip


def _cumulate(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


ANALYZE_MODELS = (
    Beneficiaire, Carnet, MembreGroupe, SituationConstatee, AxeDeTravail, Objectif, Action, RendezVous, Contrat,
    Contrat.objectifs.through, Note, Evenement,
)  # fmt: skip


def generate(*, departements, total, seed=1, batch_size=5000, log=print):
    """Generate `total` carnets spread over `departements`; returns the Stats. `log` receives progress lines."""
    share, remainder = divmod(total, len(departements))
    stats = Stats()
    start = time.perf_counter()
    for position, departement in enumerate(departements):
        wanted = share + (1 if position < remainder else 0)
        if not wanted:
            continue
        with departement_scope(departement):
            generateur = Generateur(departement=departement, seed=seed)
            done = 0
            while done < wanted:
                size = min(batch_size, wanted - done)
                batch_start = time.perf_counter()
                with transaction.atomic():
                    generateur.batch(size)
                    written = generateur.flush()
                elapsed = time.perf_counter() - batch_start
                done += size
                stats.carnets += size
                for name, count in written.items():
                    stats.rows[name] = stats.rows.get(name, 0) + count
                rows = sum(written.values())
                total_elapsed = time.perf_counter() - start
                log(
                    f"[{departement.code}] {_fr(done)}/{_fr(wanted)} carnets · lot de {_fr(rows)} lignes en "
                    f"{elapsed:.1f} s ({_fr(rows / elapsed)} lignes/s) · total {_fr(stats.total_rows)} lignes, "
                    f"{_fr(stats.total_rows / total_elapsed)} lignes/s"
                )
    analyze_start = time.perf_counter()
    with connection.cursor() as cursor:
        for model in ANALYZE_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    log(f"Statistiques du planificateur mises à jour (ANALYZE) en {time.perf_counter() - analyze_start:.1f} s")
    stats.seconds = time.perf_counter() - start
    return stats


def _fr(number):
    return f"{math.floor(number):,}".replace(",", " ")
