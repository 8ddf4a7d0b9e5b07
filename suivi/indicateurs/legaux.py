"""The statutory reports of the 2025 regime, as exact versioned definitions.

Three reports the Département owes outside the platform:

- `LISTE_COMITES`: the orientation data every body sends to the national, regional and departmental employment
  committees (arrêté du 21/11/2024): one row per person oriented in a period, pseudonymous, without restricted
  data;
- `STOCK_DREES`: the DREES annual table of the "droits et devoirs" stock at 31 December, oriented or not, by
  organisme référent and by the survey's bands;
- `DELAIS_LEGAUX`: the delays to orientation and to the signed contrat d'engagement against the legal delays
  (6 weeks, D.262-65-2 CASF; one month, D.5411-14-1 code du travail), per month and per organisme type.

Like `definitions`, each report says in plain French who is counted and how, and carries the SQL that says the
same thing exactly; changing what a report counts means a new `version` and a line in `historique`. Unlike the
monthly indicators these reports are computed when asked (`suivi.indicateurs.rapports_legaux`): they are
produced a few times a year, on a date the committee or the survey chooses, and one query each is enough.

SQL parameters: `dep` (département id), `debut` / `fin` (first and last day of the period), `releve` (the
snapshot day of the DREES table), `aujourdhui`, `tz` (the platform's time zone).
"""

from dataclasses import dataclass

from orientation.criteres import REGLES_PAR_DEFAUT

DELAI_ORIENTATION_JOURS = 42  # six weeks (D.262-65-2 CASF, décret 2024-1244)
DELAI_CONTRAT_MOIS = 1  # one month after the orientation (D.5411-14-1 code du travail)


@dataclass(frozen=True)
class RapportLegal:
    code: str
    version: int
    titre: str
    texte: str  # the legal source
    description: str
    cohorte: str
    mesures: str
    sql: str
    historique: tuple = ()


PREMIERE_VERSION = ((1, "07/12/2026", "Première définition."),)

# --- Shared SQL -----------------------------------------------------------------------------


# The orientations of the département, one row per dossier: a decision with its validated orientation, or the
# orientation by France Travail once the legal delay passed (no orientation row then), dated as `borne` says
# (an SQL condition on a date, e.g. "BETWEEN %(debut)s AND %(fin)s"). The condition is written on the table's own
# columns so that the planner estimates the rows it keeps (and joins them by hash, not one by one). The clock
# starts as in `orientation.horloge`: the recorded reception day, else the day the platform learned of the right
# (the carnet's creation day, never before the RSA entry).
def orientations_sql(borne: str) -> str:
    return f"""
    SELECT d.id AS dossier_id, d.carnet_id, c.uid AS carnet_uid,
           d.demande_reorientation_id IS NOT NULL AS reorientation,
           d.statut = 'oriente_france_travail' AS par_france_travail,
           COALESCE(d.date_reception_information,
                    GREATEST(b.date_entree_rsa, (c.created_at AT TIME ZONE %(tz)s)::date)) AS reception,
           CASE WHEN d.statut = 'oriente_france_travail' THEN d.date_orientation_france_travail
                ELSE d.date_decision END AS orientation,
           o.type_orientation, o.parcours_propose, o.organisme_propose, o.regle_proposition, s.type AS type_structure,
           CASE WHEN d.statut = 'oriente_france_travail' THEN 'france_travail'
                WHEN s.type IN ('france_travail', 'mission_locale', 'cap_emploi') THEN s.type
                ELSE 'departement' END AS organisme
    FROM orientation_dossierorientation d
    JOIN carnet_carnet c ON c.id = d.carnet_id
    JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
    LEFT JOIN orientation_orientation o ON o.dossier_id = d.id AND o.statut = 'validee'
    LEFT JOIN spie_structure s ON s.id = o.structure_id
    WHERE d.departement_id = %(dep)s
      AND ((d.statut = 'oriente' AND d.date_decision {borne} AND o.id IS NOT NULL)
           OR (d.statut = 'oriente_france_travail' AND d.date_orientation_france_travail {borne}))
"""  # nosec B608: only this module's constants are interpolated; values are parameters


DANS_LA_PERIODE = "BETWEEN %(debut)s AND %(fin)s"
AU_RELEVE = "<= %(releve)s"


# The national organisme référent types (arrêté du 21/11/2024): a structure of another type is the Département's
# delegate.
ORGANISMES = {
    "france_travail": "France Travail",
    "mission_locale": "Mission locale",
    "cap_emploi": "Cap emploi",
    "departement": "Département ou son délégataire",
}
PARCOURS = {"pro": "emploi", "socio_pro": "socio_professionnel", "social": "social"}
PARCOURS_LIBELLES = {
    "emploi": "Parcours emploi",
    "socio_professionnel": "Parcours socio-professionnel",
    "social": "Parcours social",
}

# A rule whose conditions read the RQTH/OETH status tells that status: restricted (health), never exported.
REGLES_RESTREINTES = frozenset(regle["code"] for regle in REGLES_PAR_DEFAUT if "rqth" in regle["si"])
REGLE_MASQUEE = "critere_restreint"

# --- 1. The committees' list ----------------------------------------------------------------

LISTE_COMITES = RapportLegal(
    code="liste_comites",
    version=1,
    titre="Données d'orientation pour les comités pour l'emploi",
    texte="Arrêté du 21 novembre 2024 (critères d'orientation et informations transmises aux comités pour l'emploi).",
    description=(
        "La liste des personnes orientées dans la période, une ligne par personne, telle que le Département la "
        "transmet aux comités national, régional et départemental pour l'emploi. Les personnes y sont désignées "
        "par un identifiant pseudonyme : ni nom, ni date de naissance, ni numéro. Aucune donnée restreinte n'y "
        "figure (ni les informations de santé, ni les motifs de réduction des heures) : quand la règle "
        "appliquée repose sur un critère restreint, elle est notée « critère restreint »."
    ),
    cohorte=(
        "Les personnes dont une orientation (décision du Département ou orientation par France Travail une fois "
        "le délai légal dépassé) est datée de la période. Une personne orientée deux fois dans la période "
        "(réorientation) figure une fois, avec sa dernière orientation."
    ),
    mesures=(
        "Dates : information reçue par le Département (début du délai légal), orientation, notification (la "
        "décision est notifiée le jour où elle est prise). Parcours, type d'organisme référent, règle des critères "
        "nationaux qui a proposé l'orientation, décision conforme ou non à la proposition, délai en jours entre "
        "l'information reçue et l'orientation (pas de délai pour une réorientation : le délai légal ne "
        "s'applique qu'à la première)."
    ),
    sql=f"""
        SELECT DISTINCT ON (carnet_id) carnet_uid, reorientation, par_france_travail,
               CASE WHEN NOT reorientation THEN reception END AS reception, orientation, type_orientation,
               parcours_propose, organisme_propose, regle_proposition, organisme,
               CASE WHEN NOT reorientation THEN orientation - reception END AS delai
        FROM ({orientations_sql(DANS_LA_PERIODE)}) o
        ORDER BY carnet_id, orientation DESC, dossier_id DESC
    """,  # nosec B608: only this module's constants are interpolated; values are parameters
    historique=PREMIERE_VERSION,
)

COLONNES_COMITES = [
    "identifiant_pseudonyme", "date_information_recue", "date_orientation", "date_notification", "reorientation",
    "parcours", "type_organisme_referent", "regle_appliquee", "decision", "delai_jours",
]  # fmt: skip

# --- 2. The DREES table ---------------------------------------------------------------------

# DREES's organisme référent categories (annual survey on the orientation and accompaniment of RSA beneficiaries),
# from the organisme référent's structure type. The platform has no structure type for business-creation support:
# such a structure is recorded as "autre" and counted there.
ORGANISMES_DREES = {
    "france_travail": "France Travail",
    "mission_locale": "Mission locale",
    "cap_emploi_plie": "Cap emploi, PLIE, maison de l'emploi",
    "iae": "Structure d'insertion par l'activité économique",
    "departement": "Service du Département",
    "caf": "CAF",
    "msa": "MSA",
    "ccas": "CCAS / CIAS",
    "autre": "Autre organisme",
}
ORGANISME_DREES_SQL = """
    CASE WHEN par_france_travail THEN 'france_travail'
         WHEN type_structure IN ('france_travail', 'mission_locale', 'departement', 'caf', 'msa', 'ccas')
              THEN type_structure
         WHEN type_structure IN ('cap_emploi', 'plie') THEN 'cap_emploi_plie'
         WHEN type_structure = 'siae' THEN 'iae'
         ELSE 'autre' END
"""

# Bands: (code, label). Ages and seniority are counted in whole years / months at 31 December.
TRANCHES_AGE = [
    ("moins_25", "Moins de 25 ans"),
    ("25_29", "25 à 29 ans"),
    ("30_39", "30 à 39 ans"),
    ("40_49", "40 à 49 ans"),
    ("50_59", "50 à 59 ans"),
    ("60_plus", "60 ans ou plus"),
]
SEXES = [("femme", "Femme"), ("homme", "Homme"), ("non_renseigne", "Non renseigné")]
SITUATIONS_FAMILIALES = [
    ("seul", "Personne seule"),
    ("couple", "En couple"),
    ("non_renseigne", "Non renseignée"),
]
TRANCHES_ANCIENNETE = [
    ("moins_6_mois", "Moins de 6 mois"),
    ("6_12_mois", "6 mois à moins d'un an"),
    ("1_2_ans", "1 an à moins de 2 ans"),
    ("2_5_ans", "2 ans à moins de 5 ans"),
    ("5_10_ans", "5 ans à moins de 10 ans"),
    ("10_ans_plus", "10 ans ou plus"),
]
NIVEAUX = [
    ("infra_3", "Sans diplôme ou inférieur au CAP (niveaux 1 et 2)"),
    ("3", "CAP, BEP (niveau 3)"),
    ("4", "Baccalauréat (niveau 4)"),
    ("5_plus", "Bac + 2 et au-delà (niveaux 5 à 8)"),
    ("non_renseigne", "Non renseigné"),
]
DIMENSIONS = [
    ("age", "Âge au 31 décembre", TRANCHES_AGE),
    ("sexe", "Sexe", SEXES),
    ("famille", "Situation familiale", SITUATIONS_FAMILIALES),
    ("anciennete", "Ancienneté dans le RSA", TRANCHES_ANCIENNETE),
    ("niveau", "Niveau de formation", NIVEAUX),
]

STOCK_DREES = RapportLegal(
    code="stock_drees",
    version=1,
    titre="Tableau annuel de la DREES : personnes soumises aux droits et devoirs au 31 décembre",
    texte=(
        "Enquête annuelle de la DREES sur l'orientation et l'accompagnement des bénéficiaires du RSA (articles "
        "L.262-28 et L.262-29 du CASF)."
    ),
    description=(
        "Le nombre de personnes soumises aux droits et devoirs au 31 décembre de l'année choisie, orientées ou non, "
        "par organisme référent, puis par tranche d'âge, sexe, situation familiale, ancienneté dans le RSA et "
        "niveau de formation, avec les délais de l'année (orientation, contrat d'engagement)."
    ),
    cohorte=(
        "Les personnes soumises aux droits et devoirs (selon la dernière information de la CAF ou de la MSA : la "
        "plateforme ne garde pas l'historique de cet indicateur), entrées au RSA au plus tard le 31 décembre, dont "
        "le droit n'était pas clos ce jour-là (pas de date de clôture antérieure ou égale), toujours rattachées au "
        "foyer, et dont le droit n'a pas été refusé."
    ),
    mesures=(
        "Orientée : une orientation datée au plus tard du 31 décembre (la dernière donne l'organisme référent) ; "
        "une orientation postérieure ne compte pas. Âge et ancienneté en années et mois révolus au 31 décembre. "
        "Sexe : la civilité. Situation familiale : en couple quand la personne est conjointe dans son foyer "
        "CAF/MSA ou que son foyer compte un conjoint rattaché ; le flux CAF/MSA n'enregistre pas les enfants : la "
        "distinction avec ou sans enfant de la DREES ne peut pas encore être donnée. Niveau de formation : le "
        "critère « qualification » du dernier diagnostic terminé au plus tard le 31 décembre."
    ),
    sql=f"""
        WITH foyers AS (
            SELECT organisme_payeur, numero_allocataire
            FROM carnet_beneficiaire
            WHERE departement_id = %(dep)s AND role_foyer = 'cjt' AND numero_allocataire <> ''
              AND (date_fin_rattachement IS NULL OR date_fin_rattachement > %(releve)s)
            GROUP BY organisme_payeur, numero_allocataire
        ), derniere AS (
            SELECT DISTINCT ON (carnet_id) carnet_id, {ORGANISME_DREES_SQL} AS organisme
            FROM ({orientations_sql(AU_RELEVE)}) o
            ORDER BY carnet_id, orientation DESC, dossier_id DESC
        ), niveaux AS (
            SELECT DISTINCT ON (carnet_id) carnet_id, data -> 'criteres' ->> 'qualification' AS niveau
            FROM orientation_diagnostic
            WHERE departement_id = %(dep)s AND statut = 'termine'
              AND termine_le < (%(releve)s::date + 1)::timestamp AT TIME ZONE %(tz)s
            ORDER BY carnet_id, termine_le DESC, id DESC
        ), stock AS (
            SELECT COALESCE(dn.organisme, 'non_oriente') AS organisme,
                   date_part('year', age(%(releve)s, b.date_naissance)) AS ans,
                   (date_part('year', age(%(releve)s, b.date_entree_rsa)) * 12
                    + date_part('month', age(%(releve)s, b.date_entree_rsa))) AS mois_rsa,
                   CASE b.civilite WHEN 'mme' THEN 'femme' WHEN 'm' THEN 'homme' ELSE 'non_renseigne' END AS sexe,
                   CASE WHEN b.role_foyer = 'cjt' THEN 'couple'
                        WHEN b.role_foyer = 'dem' AND f.numero_allocataire IS NOT NULL THEN 'couple'
                        WHEN b.role_foyer = 'dem' THEN 'seul'
                        ELSE 'non_renseigne' END AS famille,
                   CASE WHEN n.niveau IN ('infra_3', '3', '4', '5_plus') THEN n.niveau
                        ELSE 'non_renseigne' END AS niveau
            FROM carnet_beneficiaire b
            JOIN carnet_carnet c ON c.beneficiaire_id = b.id
            LEFT JOIN derniere dn ON dn.carnet_id = c.id
            LEFT JOIN niveaux n ON n.carnet_id = c.id
            LEFT JOIN foyers f ON b.role_foyer = 'dem' AND b.numero_allocataire <> ''
                 AND f.numero_allocataire = b.numero_allocataire AND f.organisme_payeur = b.organisme_payeur
            WHERE b.departement_id = %(dep)s AND b.soumis_droits_devoirs
              AND b.date_entree_rsa <= %(releve)s AND b.etat_droit_rsa <> '1'
              AND (b.date_cloture IS NULL OR b.date_cloture > %(releve)s)
              AND (b.date_fin_rattachement IS NULL OR b.date_fin_rattachement > %(releve)s)
        ), bandes AS (
            SELECT organisme, sexe, famille, niveau,
                   CASE WHEN ans < 25 THEN 'moins_25' WHEN ans < 30 THEN '25_29' WHEN ans < 40 THEN '30_39'
                        WHEN ans < 50 THEN '40_49' WHEN ans < 60 THEN '50_59' ELSE '60_plus' END AS age,
                   CASE WHEN mois_rsa < 6 THEN 'moins_6_mois' WHEN mois_rsa < 12 THEN '6_12_mois'
                        WHEN mois_rsa < 24 THEN '1_2_ans' WHEN mois_rsa < 60 THEN '2_5_ans'
                        WHEN mois_rsa < 120 THEN '5_10_ans' ELSE '10_ans_plus' END AS anciennete
            FROM stock
        )
        SELECT GROUPING(age) AS g_age, GROUPING(sexe) AS g_sexe, GROUPING(famille) AS g_famille,
               GROUPING(anciennete) AS g_anciennete, GROUPING(niveau) AS g_niveau,
               age, sexe, famille, anciennete, niveau, organisme, count(*) AS nombre
        FROM bandes
        GROUP BY GROUPING SETS ((organisme), (age, organisme), (sexe, organisme), (famille, organisme),
                                (anciennete, organisme), (niveau, organisme))
    """,  # nosec B608: only this module's constants are interpolated; values are parameters
    historique=PREMIERE_VERSION,
)

COLONNES_DREES = [
    "annee", "dimension", "modalite", "ensemble", "non_orientes", "orientes", *ORGANISMES_DREES,
]  # fmt: skip

# --- 3. Legal delays ------------------------------------------------------------------------

DELAIS_LEGAUX = RapportLegal(
    code="delais_legaux",
    version=1,
    titre="Délais légaux : orientation et contrat d'engagement",
    texte=(
        "Article D.262-65-2 du CASF (six semaines pour orienter) ; article D.5411-14-1 du code du travail (un mois "
        "après l'orientation pour signer le contrat d'engagement)."
    ),
    description=(
        "Pour les orientations de chaque mois, par type d'organisme référent : le délai entre l'information reçue "
        "par le Département et l'orientation, puis le délai entre l'orientation et la signature du contrat "
        "d'engagement ; moyenne, médiane et part dans le délai légal."
    ),
    cohorte=(
        "Les orientations datées du mois (décision du Département, ou orientation par France Travail une fois le "
        "délai dépassé). Délai d'orientation : les premières orientations seulement (le délai légal ne s'applique "
        "pas à une réorientation). Contrat d'engagement : toutes les décisions du Département, réorientations "
        "comprises (une nouvelle orientation ouvre un nouveau mois) ; pas les orientations par France Travail, "
        "dont le contrat est signé hors de la plateforme."
    ),
    mesures=(
        "Orientation : jours entre l'information reçue et l'orientation ; dans le délai légal quand il est au plus "
        f"de {DELAI_ORIENTATION_JOURS} jours (six semaines). Un délai négatif (dates incohérentes) est exclu et "
        "compté à part. Contrat d'engagement : jours entre l'orientation et la signature du premier contrat "
        "d'engagement signé à partir de ce jour ; dans le délai quand la signature a lieu au plus tard un mois "
        "après. La part se calcule sur les contrats signés et sur les orientations dont le mois est écoulé sans "
        "signature (les autres ne peuvent pas encore être classées)."
    ),
    sql=f"""
        WITH evenements AS (
            SELECT o.*, to_char(o.orientation, 'YYYY-MM') AS mois,
                   (SELECT min(k.date_signature) FROM carnet_contrat k
                    WHERE k.carnet_id = o.carnet_id AND k.type = 'contrat_engagement'
                      AND k.statut IN ('signe', 'termine') AND k.date_signature >= o.orientation) AS signature
            FROM ({orientations_sql(DANS_LA_PERIODE)}) o
        ), lignes AS (
            SELECT mois, organisme,
                   NOT reorientation AND orientation < reception AS exclu_o,
                   CASE WHEN NOT reorientation AND orientation >= reception
                        THEN orientation - reception END AS delai_o,
                   NOT par_france_travail AS cohorte_ce,
                   CASE WHEN NOT par_france_travail THEN signature - orientation END AS delai_ce,
                   CASE WHEN par_france_travail THEN NULL
                        WHEN signature IS NOT NULL THEN signature <= (orientation + interval '1 month')::date
                        WHEN (orientation + interval '1 month')::date < %(aujourdhui)s THEN FALSE END AS dans_ce
            FROM evenements
        )
        SELECT GROUPING(mois) AS g_mois, GROUPING(organisme) AS g_organisme, mois, organisme,
               count(*) AS orientations,
               count(*) FILTER (WHERE exclu_o) AS exclus_o,
               count(delai_o) AS mesures_o,
               avg(delai_o)::float AS moyenne_o,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_o) AS mediane_o,
               count(*) FILTER (WHERE delai_o <= {DELAI_ORIENTATION_JOURS}) AS dans_o,
               count(*) FILTER (WHERE cohorte_ce) AS cohorte_ce,
               count(delai_ce) AS mesures_ce,
               avg(delai_ce)::float AS moyenne_ce,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY delai_ce) AS mediane_ce,
               count(dans_ce) AS evaluables_ce,
               count(*) FILTER (WHERE dans_ce) AS dans_ce
        FROM lignes
        GROUP BY GROUPING SETS ((mois), (mois, organisme), (organisme), ())
    """,  # nosec B608: only this module's constants are interpolated; values are parameters
    historique=PREMIERE_VERSION,
)

COLONNES_DELAIS = [
    "mois", "type_organisme_referent", "orientations", "delai_orientation_mesures", "delai_orientation_moyen_jours",
    "delai_orientation_median_jours", "orientations_en_6_semaines", "part_orientations_en_6_semaines_pct",
    "delai_orientation_exclus", "contrats_cohorte", "contrats_signes", "delai_contrat_moyen_jours",
    "delai_contrat_median_jours", "contrats_evaluables", "contrats_en_1_mois", "part_contrats_en_1_mois_pct",
]  # fmt: skip

RAPPORTS_LEGAUX = [LISTE_COMITES, STOCK_DREES, DELAIS_LEGAUX]
PAR_CODE = {rapport.code: rapport for rapport in RAPPORTS_LEGAUX}
