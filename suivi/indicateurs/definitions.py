"""The indicators of the SPIE: each one an exact, versioned definition.

A definition says in plain French who is counted (cohort), from which event to which event, over which window,
what the numerator and the denominator are, and carries the SQL that says the same thing exactly. The SQL
returns one row per member of the cohort with the columns its kind needs (see `Nature`), plus `terr` (the
territory of the person's commune) and `struct` (the structure the figure is attributed to); `calcul`
aggregates these rows per département, territory and structure in one query.

Changing what an indicator counts means a new `version` and a line in `historique`: stored series keep the
version they were computed with, the dashboard shows the current one, and the nightly task backfills it.

Parameters available to the SQL: `dep` (département id), `debut` / `fin` (first and last day of the month),
`date_releve` (the day a snapshot is taken: the month's last day, or today for the current month),
`aujourdhui`, `fenetre` (days, a parameter of the département), `vu_depuis` / `releve_fin` (aware datetimes
bounding the 90 days before the snapshot), `tz` (the platform's time zone).
"""

import enum
from dataclasses import dataclass, field


class Nature(enum.Enum):
    # Rows: delai (days or NULL when the end event has not happened), dans_fenetre (NULL while undecidable),
    # exclu (an incoherent record, counted apart).
    DELAI = "delai"
    # Rows: numerateur (boolean); optional categorie for a breakdown.
    PART = "part"
    # Rows: categorie; optional boolean columns counted in `sommes`.
    REPARTITION = "repartition"
    # Rows: one per counted item.
    VOLUME = "volume"


@dataclass(frozen=True)
class Indicateur:
    code: str
    version: int
    titre: str
    nature: Nature
    description: str
    cohorte: str
    evenement_debut: str
    evenement_fin: str
    fenetre: str
    numerateur: str
    denominateur: str
    sql: str
    unite: str = ""
    # Perimeters for which a structure makes sense (False: the figure has no structure, e.g. new entrants).
    par_structure: bool = True
    attribution_structure: str = ""
    categories: dict = field(default_factory=dict)
    sommes: tuple = ()
    historique: tuple = ()
    # Fixed parameters of the definition, stored with each value (the window of the delays is the département's).
    parametres: dict = field(default_factory=dict)

    @property
    def est_delai(self):
        return self.nature is Nature.DELAI

    @property
    def est_part(self):
        return self.nature is Nature.PART

    @property
    def a_categories(self):
        return bool(self.categories)


# The days looked back by the "seen recently" share (`vu_depuis` in the SQL parameters).
JOURS_VUS = 90

# Territory of a commune: the first territory (by name) of the département that contains it, as the queue does.
TERRITOIRES_SQL = """
    SELECT DISTINCT ON (tc.commune_id) tc.commune_id, tc.territoire_id
    FROM spie_territoire_communes tc JOIN spie_territoire t ON t.id = tc.territoire_id
    WHERE t.departement_id = %(dep)s
    ORDER BY tc.commune_id, t.nom, t.id
"""

# People accompanied on the snapshot day: an orientation decided on or before it, and no exit recorded between
# that decision and the day (an exit to a job with follow-up in work keeps the person accompanied). `struct`:
# the organisme référent of the latest decision.
ACCOMPAGNES_SQL = """
    WITH derniere AS (
        SELECT DISTINCT ON (d.carnet_id) d.carnet_id, d.date_decision, o.structure_id
        FROM orientation_dossierorientation d
        JOIN orientation_orientation o ON o.dossier_id = d.id AND o.statut = 'validee'
        WHERE d.departement_id = %(dep)s AND d.date_decision <= %(date_releve)s
        ORDER BY d.carnet_id, d.date_decision DESC, d.id DESC
    )
    SELECT tm.territoire_id AS terr, dn.structure_id AS struct, {numerateur} AS numerateur
    FROM derniere dn
    JOIN carnet_carnet c ON c.id = dn.carnet_id
    JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
    LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
    WHERE NOT EXISTS (
        SELECT 1 FROM carnet_sortie s
        WHERE s.carnet_id = dn.carnet_id AND s.date_sortie BETWEEN dn.date_decision AND %(date_releve)s
          AND NOT s.suivi_dans_emploi
    )
"""

ACCOMPAGNES_COHORTE = (
    "Les personnes accompagnées le jour du relevé (dernier jour du mois, ou aujourd'hui pour le mois en cours) : "
    "une orientation décidée au plus tard ce jour-là, sans sortie enregistrée depuis cette décision (une sortie "
    "vers l'emploi avec suivi poursuivi dans l'emploi ne compte pas comme une fin d'accompagnement)."
)
ATTRIBUTION_ORGANISME = "L'organisme référent de la dernière orientation décidée."
PREMIERE_VERSION = ((1, "21/11/2026", "Première définition."),)

DELAI_ORIENTATION = Indicateur(
    code="delai_orientation",
    version=1,
    titre="Délai entre l'entrée au RSA et la décision d'orientation",
    nature=Nature.DELAI,
    unite="jours",
    description=(
        "Combien de jours s'écoulent entre l'entrée d'une personne au RSA et la décision de son orientation : "
        "moyenne, médiane (la moitié des personnes sont orientées plus vite), et part des personnes orientées "
        "dans la fenêtre fixée par le Département."
    ),
    cohorte=(
        "Les personnes dont la date d'entrée au RSA tombe dans le mois (cohorte des entrants du mois), sauf celles "
        "dont le droit a été refusé. Les personnes déjà orientées avant cette entrée (décision antérieure à la date "
        "d'entrée) sont exclues et comptées à part."
    ),
    evenement_debut="La date d'entrée au RSA de la personne.",
    evenement_fin=(
        "La première décision d'orientation (hors réorientation) prise à partir de cette date. Les réorientations "
        "et les décisions suivantes ne changent pas le délai."
    ),
    fenetre="Paramètre du Département (30 jours par défaut), dans les règles de suivi.",
    numerateur="Pour la part : les personnes orientées en un nombre de jours inférieur ou égal à la fenêtre.",
    denominateur=(
        "Pour la part : les personnes de la cohorte orientées, plus celles qui ne le sont pas encore alors que la "
        "fenêtre est écoulée (les autres ne peuvent pas encore être classées). Moyenne et médiane : les personnes "
        "orientées."
    ),
    attribution_structure=(
        "L'organisme référent désigné par la décision (aucun tant que la personne n'est pas orientée)."
    ),
    sql="""
        WITH premiere AS (
            SELECT DISTINCT ON (d.carnet_id) d.carnet_id, d.date_decision AS premiere, o.structure_id
            FROM orientation_dossierorientation d
            JOIN orientation_orientation o ON o.dossier_id = d.id AND o.statut = 'validee'
            WHERE d.departement_id = %(dep)s AND d.demande_reorientation_id IS NULL AND d.date_decision IS NOT NULL
            ORDER BY d.carnet_id, d.date_decision, d.id
        ), cohorte AS (
            SELECT tm.territoire_id AS terr, p.structure_id AS struct, b.date_entree_rsa AS entree,
                   p.premiere AS decision
            FROM carnet_beneficiaire b
            JOIN carnet_carnet c ON c.beneficiaire_id = b.id
            LEFT JOIN premiere p ON p.carnet_id = c.id
            LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
            WHERE b.departement_id = %(dep)s AND b.date_entree_rsa BETWEEN %(debut)s AND %(fin)s
              AND b.etat_droit_rsa <> '1'
        )
        SELECT terr, CASE WHEN decision >= entree THEN struct END AS struct,
               decision < entree AS exclu,
               CASE WHEN decision >= entree THEN decision - entree END AS delai,
               CASE WHEN decision < entree THEN NULL
                    WHEN decision IS NOT NULL AND decision - entree <= %(fenetre)s THEN TRUE
                    WHEN decision IS NOT NULL OR entree + %(fenetre)s < %(aujourdhui)s THEN FALSE
               END AS dans_fenetre
        FROM cohorte
    """,
    historique=PREMIERE_VERSION,
)

DELAI_PREMIER_RDV = Indicateur(
    code="delai_premier_rdv",
    version=1,
    titre="Délai entre l'orientation et le premier rendez-vous d'accompagnement",
    nature=Nature.DELAI,
    unite="jours",
    description=(
        "Combien de jours s'écoulent entre la décision d'orientation et le premier rendez-vous d'accompagnement "
        "honoré chez l'organisme référent : moyenne, médiane et part dans la fenêtre."
    ),
    cohorte="Les décisions d'orientation prises dans le mois, réorientations comprises (chacune doit être suivie "
    "d'un premier rendez-vous).",
    evenement_debut="La date de la décision d'orientation.",
    evenement_fin=(
        "La date du premier rendez-vous d'accompagnement où la personne était présente après cette décision. Les "
        "convocations à l'entretien d'orientation ne comptent pas. Un premier rendez-vous enregistré avant la "
        "décision est une incohérence : exclu et compté à part."
    ),
    fenetre="Paramètre du Département (30 jours par défaut), dans les règles de suivi.",
    numerateur="Pour la part : les décisions suivies d'un premier rendez-vous dans la fenêtre.",
    denominateur=(
        "Pour la part : les décisions suivies d'un premier rendez-vous, plus celles qui ne le sont pas encore alors "
        "que la fenêtre est écoulée. Moyenne et médiane : les décisions suivies d'un premier rendez-vous."
    ),
    attribution_structure="L'organisme référent désigné par la décision.",
    sql="""
        SELECT tm.territoire_id AS terr, o.structure_id AS struct,
               d.date_premier_rdv_accompagnement < d.date_decision AS exclu,
               CASE WHEN d.date_premier_rdv_accompagnement >= d.date_decision
                    THEN d.date_premier_rdv_accompagnement - d.date_decision END AS delai,
               CASE WHEN d.date_premier_rdv_accompagnement < d.date_decision THEN NULL
                    WHEN d.date_premier_rdv_accompagnement - d.date_decision <= %(fenetre)s THEN TRUE
                    WHEN d.date_premier_rdv_accompagnement IS NOT NULL
                         OR d.date_decision + %(fenetre)s < %(aujourdhui)s THEN FALSE
               END AS dans_fenetre
        FROM orientation_dossierorientation d
        JOIN orientation_orientation o ON o.dossier_id = d.id AND o.statut = 'validee'
        JOIN carnet_carnet c ON c.id = d.carnet_id
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE d.departement_id = %(dep)s AND d.date_decision BETWEEN %(debut)s AND %(fin)s
    """,
    historique=PREMIERE_VERSION,
)


def part_des_accompagnes(*, code, titre, description, numerateur, numerateur_sql, **autres):
    """A share of the people accompanied on the snapshot day: they all share the cohort, the events, the
    denominator, the attribution and the SQL around the numerator's condition (`ACCOMPAGNES_SQL`)."""
    champs = {
        "evenement_debut": "La décision d'orientation.",
        "fenetre": "Aucune : photographie au jour du relevé.",
        **autres,
    }
    return Indicateur(
        code=code,
        version=1,
        titre=titre,
        nature=Nature.PART,
        unite="%",
        description=description,
        cohorte=ACCOMPAGNES_COHORTE,
        evenement_fin="Le jour du relevé.",
        numerateur=numerateur,
        denominateur="Les personnes accompagnées ce jour-là.",
        attribution_structure=ATTRIBUTION_ORGANISME,
        sql=ACCOMPAGNES_SQL.format(numerateur=numerateur_sql),
        historique=PREMIERE_VERSION,
        **champs,
    )


PART_AVEC_REFERENT = part_des_accompagnes(
    code="part_avec_referent",
    titre="Part des personnes accompagnées qui ont un référent",
    description="Parmi les personnes accompagnées, la part qui a un référent désigné dans son groupe de suivi.",
    numerateur="Les personnes qui ont, ce jour-là, un référent actif dans leur groupe de suivi.",
    numerateur_sql="""EXISTS (
        SELECT 1 FROM carnet_membregroupe m
        WHERE m.carnet_id = c.id AND m.est_referent AND m.debut < %(releve_fin)s
          AND (m.fin IS NULL OR m.fin >= %(releve_fin)s))""",
)

PART_AVEC_CONTRAT = part_des_accompagnes(
    code="part_avec_contrat",
    titre="Part des personnes accompagnées qui ont un contrat en cours",
    description=(
        "Parmi les personnes accompagnées, la part qui a un contrat signé et en cours (CER, PPAE, CEJ, PACEA, "
        "contrat d'engagement)."
    ),
    numerateur=(
        "Les personnes qui ont, ce jour-là, un contrat signé au plus tard ce jour, dont la période couvre ce jour "
        "et qui n'a pas été terminé avant."
    ),
    numerateur_sql="""EXISTS (
        SELECT 1 FROM carnet_contrat k
        WHERE k.carnet_id = c.id AND k.date_signature <= %(date_releve)s
          AND k.date_debut <= %(date_releve)s AND k.date_fin >= %(date_releve)s
          AND (k.termine_le IS NULL OR k.termine_le > %(date_releve)s))""",
)

PART_VUS_90J = part_des_accompagnes(
    code="part_vus_90j",
    titre="Part des personnes accompagnées vues dans les 90 derniers jours",
    description=(
        "Parmi les personnes accompagnées, la part qui a eu au moins un rendez-vous d'accompagnement honoré dans "
        "les 90 jours qui précèdent le relevé : la régularité du « point de situation »."
    ),
    numerateur="Les personnes présentes à au moins un rendez-vous d'accompagnement dans ces 90 jours.",
    numerateur_sql="""EXISTS (
        SELECT 1 FROM carnet_rendezvous r
        WHERE r.carnet_id = c.id AND r.statut = 'present' AND r.est_accompagnement
          AND r.date_heure >= %(vu_depuis)s AND r.date_heure < %(releve_fin)s)""",
    evenement_debut="Le jour du relevé moins 89 jours.",
    fenetre="90 jours, jour du relevé compris.",
    parametres={"jours": JOURS_VUS},
)

TAUX_ABSENCE = Indicateur(
    code="taux_absence",
    version=1,
    titre="Taux d'absence aux rendez-vous",
    nature=Nature.PART,
    unite="%",
    description=(
        "Parmi les rendez-vous du mois dont la présence est notée, la part où la personne était absente sans "
        "s'excuser ; distingué entre convocations à l'entretien d'orientation et rendez-vous d'accompagnement."
    ),
    cohorte=(
        "Les rendez-vous dont la date tombe dans le mois et dont le statut est « présent », « excusé » ou "
        "« absent ». Les rendez-vous encore prévus et ceux annulés par la structure ne comptent pas."
    ),
    evenement_debut="La date du rendez-vous.",
    evenement_fin="La présence notée.",
    fenetre="Le mois civil.",
    numerateur="Les rendez-vous où la personne était absente.",
    denominateur="Les rendez-vous dont la présence est notée (présent, excusé ou absent).",
    attribution_structure="La structure qui tenait le rendez-vous.",
    categories={"convocation": "Convocations à l'orientation", "accompagnement": "Rendez-vous d'accompagnement"},
    sql="""
        SELECT tm.territoire_id AS terr, r.structure_id AS struct, r.statut = 'absent' AS numerateur,
               CASE WHEN r.est_accompagnement THEN 'accompagnement' ELSE 'convocation' END AS categorie
        FROM carnet_rendezvous r
        JOIN carnet_carnet c ON c.id = r.carnet_id
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE r.departement_id = %(dep)s AND r.statut IN ('present', 'excuse', 'absent')
          AND r.date_heure >= %(mois_debut)s AND r.date_heure < %(mois_fin)s
    """,
    historique=PREMIERE_VERSION,
)

ORIENTATIONS_DECIDEES = Indicateur(
    code="orientations_decidees",
    version=1,
    titre="Orientations décidées, par type et par organisme référent",
    nature=Nature.REPARTITION,
    unite="orientations",
    description=(
        "Le nombre de décisions d'orientation du mois, réorientations comprises, réparties par type d'orientation ; "
        "la vue par structure donne la répartition par organisme référent."
    ),
    cohorte="Les orientations validées dont la décision est datée du mois.",
    evenement_debut="La décision.",
    evenement_fin="La décision.",
    fenetre="Le mois civil.",
    numerateur="Sans objet (volume).",
    denominateur="Sans objet (volume).",
    attribution_structure="L'organisme référent désigné par la décision.",
    categories={
        "pro": "Professionnelle",
        "socio_pro": "Socio-professionnelle",
        "social": "Sociale",
        "autre": "Autre (dispositif local)",
    },
    sommes=("reorientation",),
    sql="""
        SELECT tm.territoire_id AS terr, o.structure_id AS struct, o.type_orientation AS categorie,
               o.est_reorientation AS reorientation
        FROM orientation_dossierorientation d
        JOIN orientation_orientation o ON o.dossier_id = d.id AND o.statut = 'validee'
        JOIN carnet_carnet c ON c.id = d.carnet_id
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE d.departement_id = %(dep)s AND d.date_decision BETWEEN %(debut)s AND %(fin)s
    """,
    historique=PREMIERE_VERSION,
)

PRESCRIPTIONS = Indicateur(
    code="prescriptions",
    version=1,
    titre="Prescriptions vers l'offre d'insertion, par issue",
    nature=Nature.REPARTITION,
    unite="prescriptions",
    description=(
        "Le nombre de prescriptions envoyées dans le mois vers un service du catalogue, réparties selon leur issue "
        "à ce jour (acceptée, refusée, expirée sans réponse, annulée, en attente)."
    ),
    cohorte="Les prescriptions envoyées dans le mois.",
    evenement_debut="L'envoi de la prescription.",
    evenement_fin="La réponse de la structure (ou l'expiration à 30 jours).",
    fenetre="Le mois civil pour l'envoi ; l'issue est celle connue au jour du calcul.",
    numerateur="Sans objet (volume).",
    denominateur="Sans objet (volume).",
    attribution_structure="La structure qui reçoit la prescription (celle qui y répond).",
    categories={
        "acceptee": "Acceptée",
        "refusee": "Refusée",
        "expiree": "Expirée sans réponse",
        "annulee": "Annulée par le prescripteur",
        "en_attente": "En attente de réponse",
    },
    sql="""
        SELECT tm.territoire_id AS terr, p.structure_destinataire_id AS struct, p.statut AS categorie
        FROM offre_prescription p
        JOIN carnet_carnet c ON c.id = p.carnet_id
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE p.departement_id = %(dep)s AND p.created_at >= %(mois_debut)s AND p.created_at < %(mois_fin)s
    """,
    historique=PREMIERE_VERSION,
)

SORTIES = Indicateur(
    code="sorties",
    version=1,
    titre="Sorties du parcours, dont vers l'emploi ou la formation",
    nature=Nature.REPARTITION,
    unite="sorties",
    description=(
        "Le nombre de sorties du parcours enregistrées dans le mois, par motif ; dont les sorties positives (emploi, "
        "création d'entreprise, formation qualifiante) et les personnes qui restent suivies dans leurs premiers "
        "mois d'emploi."
    ),
    cohorte="Les sorties dont la date tombe dans le mois.",
    evenement_debut="La date de sortie.",
    evenement_fin="La date de sortie.",
    fenetre="Le mois civil.",
    numerateur="Sorties positives : motif emploi, création d'entreprise ou formation qualifiante.",
    denominateur="Toutes les sorties du mois.",
    attribution_structure="La structure du professionnel qui a enregistré la sortie.",
    categories={
        "emploi": "Accès à l'emploi",
        "creation": "Création d'entreprise",
        "formation": "Entrée en formation qualifiante",
        "fin_droits": "Fin des droits au RSA",
        "demenagement": "Départ du département",
        "autre": "Autre motif",
    },
    sommes=("positive", "suivi_emploi"),
    sql="""
        SELECT tm.territoire_id AS terr, s.structure_id AS struct, s.motif AS categorie,
               s.motif IN ('emploi', 'creation', 'formation') AS positive, s.suivi_dans_emploi AS suivi_emploi
        FROM carnet_sortie s
        JOIN carnet_carnet c ON c.id = s.carnet_id
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE s.departement_id = %(dep)s AND s.date_sortie BETWEEN %(debut)s AND %(fin)s
    """,
    historique=PREMIERE_VERSION,
)

NOUVEAUX_ENTRANTS = Indicateur(
    code="nouveaux_entrants",
    version=1,
    titre="Nouveaux entrants au RSA",
    nature=Nature.VOLUME,
    unite="personnes",
    description="Le nombre de personnes entrées au RSA dans le mois, quel que soit le canal qui les a fait connaître "
    "(flux CAF/MSA, import, API, saisie).",
    cohorte="Les personnes dont la date d'entrée au RSA tombe dans le mois.",
    evenement_debut="La date d'entrée au RSA.",
    evenement_fin="La date d'entrée au RSA.",
    fenetre="Le mois civil.",
    numerateur="Sans objet (volume).",
    denominateur="Sans objet (volume).",
    par_structure=False,
    sql="""
        SELECT tm.territoire_id AS terr, NULL::integer AS struct
        FROM carnet_beneficiaire b
        LEFT JOIN territoires tm ON tm.commune_id = b.commune_id
        WHERE b.departement_id = %(dep)s AND b.date_entree_rsa BETWEEN %(debut)s AND %(fin)s
    """,
    historique=PREMIERE_VERSION,
)

INDICATEURS = [
    NOUVEAUX_ENTRANTS,
    DELAI_ORIENTATION,
    DELAI_PREMIER_RDV,
    ORIENTATIONS_DECIDEES,
    PART_AVEC_REFERENT,
    PART_AVEC_CONTRAT,
    PART_VUS_90J,
    TAUX_ABSENCE,
    PRESCRIPTIONS,
    SORTIES,
]
PAR_CODE = {indicateur.code: indicateur for indicateur in INDICATEURS}
