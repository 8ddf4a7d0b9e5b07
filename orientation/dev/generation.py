"""The orientation history of generated carnets (benchmarks, demo volume), written in SQL.

`carnet.dev.generation` writes people with a référent from the start; a real path went through an orientation
decision first, and some people have left. For every carnet of the département that has an RSA entry date,
a référent and no dossier yet, this writes a decided dossier (entry → first contact → interview → decision →
first accompaniment appointment), its validated orientation towards the référent's structure, and for about
one person in eleven an exit. Delays are drawn deterministically from the carnet id (same data for the same
carnets), skewed as in the field: most people are oriented in one to two months, some wait much longer.

One INSERT … SELECT per table: 100,000 carnets take a few seconds.
"""

from django.db import connection, transaction
from django.utils import timezone

from orientation.models import DISPOSITIFS_PAR_DEFAUT, Dispositif
from spie.tenancy import departement_scope

# A pseudo-random integer in [0, n) from the carnet id and a salt: stable, no extension needed.
_TIRAGE = "(abs(hashtext(c.id::text || '{sel}')) %% {n})"

_DOSSIERS = f"""
    WITH candidats AS (
        SELECT c.id AS carnet_id, b.date_entree_rsa AS entree, m.user_id, m.structure_id,
               {_TIRAGE.format(sel="contact", n=20)} AS d_contact,
               {_TIRAGE.format(sel="entretien", n=25)} AS d_entretien,
               -- Decision: six in ten within 30 days of the interview, the rest spread up to four months.
               CASE WHEN {_TIRAGE.format(sel="rapide", n=100)} < 60 THEN {_TIRAGE.format(sel="d1", n=12)}
                    ELSE 12 + {_TIRAGE.format(sel="d2", n=110)} END AS d_decision,
               CASE WHEN {_TIRAGE.format(sel="rdv", n=100)} < 85 THEN 3 + {_TIRAGE.format(sel="r", n=55)} END
                   AS d_rdv
        FROM carnet_carnet c
        JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
        JOIN carnet_membregroupe m ON m.carnet_id = c.id AND m.est_referent AND m.fin IS NULL
        WHERE c.departement_id = %(dep)s AND b.date_entree_rsa IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM orientation_dossierorientation d WHERE d.carnet_id = c.id)
    ), dates AS (
        SELECT *, entree + d_contact AS contact, entree + d_contact + d_entretien AS entretien,
               entree + d_contact + d_entretien + d_decision AS decision
        FROM candidats
    )
    INSERT INTO orientation_dossierorientation (
        uid, departement_id, carnet_id, charge_orientation_id, statut, date_entree_rsa, date_premier_contact,
        date_entretien, date_decision, date_premier_rdv_accompagnement, version, created_at, updated_at
    )
    SELECT gen_random_uuid(), %(dep)s, carnet_id, %(charge)s, 'oriente', entree, contact, entretien, decision,
           CASE WHEN decision + d_rdv <= %(aujourdhui)s THEN decision + d_rdv END, 1,
           contact::timestamp AT TIME ZONE %(tz)s, decision::timestamp AT TIME ZONE %(tz)s
    FROM dates WHERE decision <= %(aujourdhui)s
"""

_ORIENTATIONS = """
    INSERT INTO orientation_orientation (
        uid, departement_id, dossier_id, carnet_id, type_orientation, dispositif_id, structure_id, referent_id,
        motif, statut, est_reorientation, proposee_par_id, proposee_le, decidee_par_id, decidee_le, commentaire
    )
    SELECT gen_random_uuid(), %(dep)s, d.id, d.carnet_id, disp.type_orientation, disp.id, m.structure_id,
           m.user_id, 'Orientation générée pour les mesures de performance.', 'validee', FALSE, %(charge)s,
           (d.date_decision::timestamp + interval '10 hours') AT TIME ZONE %(tz)s, %(charge)s,
           (d.date_decision::timestamp + interval '15 hours') AT TIME ZONE %(tz)s, ''
    FROM orientation_dossierorientation d
    JOIN carnet_membregroupe m ON m.carnet_id = d.carnet_id AND m.est_referent AND m.fin IS NULL
    JOIN spie_structure s ON s.id = m.structure_id
    JOIN orientation_dispositif disp ON disp.id = CASE
        WHEN s.type IN ('france_travail', 'mission_locale', 'cap_emploi') THEN %(dispositif_pro)s
        WHEN s.type IN ('departement', 'ccas') THEN %(dispositif_social)s
        ELSE %(dispositif_socio_pro)s END
    WHERE d.departement_id = %(dep)s AND d.date_decision IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM orientation_orientation o WHERE o.dossier_id = d.id)
"""

_SORTIES = """
    WITH tirage AS (
        SELECT d.carnet_id, d.date_decision, m.user_id, m.structure_id,
               abs(hashtext(d.carnet_id::text || 'sortie')) %% 1000 AS t,
               abs(hashtext(d.carnet_id::text || 'quand')) %% 300 AS apres
        FROM orientation_dossierorientation d
        JOIN carnet_membregroupe m ON m.carnet_id = d.carnet_id AND m.est_referent AND m.fin IS NULL
        WHERE d.departement_id = %(dep)s AND d.date_decision IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM carnet_sortie s WHERE s.carnet_id = d.carnet_id)
    )
    INSERT INTO carnet_sortie (
        uid, departement_id, carnet_id, date_sortie, motif, suivi_dans_emploi, precision, auteur_id, structure_id,
        created_at
    )
    SELECT gen_random_uuid(), %(dep)s, carnet_id, date_decision + 30 + apres,
           CASE WHEN t < 35 THEN 'emploi' WHEN t < 45 THEN 'formation' WHEN t < 50 THEN 'creation'
                WHEN t < 75 THEN 'fin_droits' WHEN t < 85 THEN 'demenagement' ELSE 'autre' END,
           t < 20, '', user_id, structure_id, (date_decision + 30 + apres)::timestamp AT TIME ZONE %(tz)s
    FROM tirage WHERE t < 90 AND date_decision + 30 + apres <= %(aujourdhui)s
"""


def _dispositifs(departement):
    existants = {d.type_orientation: d.pk for d in Dispositif.objects.filter(actif=True).order_by("-pk")}
    for nom, type_orientation, description in DISPOSITIFS_PAR_DEFAUT:
        if type_orientation not in existants:
            dispositif = Dispositif.objects.create(
                departement_id=departement.pk, nom=nom, type_orientation=type_orientation, description=description
            )
            existants[type_orientation] = dispositif.pk
    return existants


def generer_orientations(departement, *, charge_orientation) -> dict:
    """Write the orientation history of the département's carnets that have none; returns rows per table."""
    with departement_scope(departement), transaction.atomic():
        dispositifs = _dispositifs(departement)
        params = {
            "dep": departement.pk,
            "charge": charge_orientation.pk,
            "aujourdhui": timezone.localdate(),
            "tz": timezone.get_current_timezone_name(),
            "dispositif_pro": dispositifs["pro"],
            "dispositif_social": dispositifs["social"],
            "dispositif_socio_pro": dispositifs["socio_pro"],
        }
        ecrites = {}
        with connection.cursor() as cursor:
            for nom, sql in (("dossiers", _DOSSIERS), ("orientations", _ORIENTATIONS), ("sorties", _SORTIES)):
                cursor.execute(sql, params)
                ecrites[nom] = cursor.rowcount
            for table in ("orientation_dossierorientation", "orientation_orientation", "carnet_sortie"):
                cursor.execute(f"ANALYZE {table}")
    return ecrites
