"""Measure the carnet pages against hand-written SQL fetching the same rows.

    # production settings (DEBUG off, cached templates, collected static files, https)
    export DJANGO_SETTINGS_MODULE=spie.settings.base SECRET_KEY=mesure ALLOWED_HOSTS=testserver STATIC_ROOT=/tmp/st
    python manage.py collectstatic --noinput -v0
    python manage.py bench_carnet --departement 76 [--iterations 100]

Pages go through the whole stack (middleware, session, tenant scope, access log, template) with the
Django test `Client`, logged in (`force_login`) as a référent following about `--portefeuille` carnets;
the baselines run the SQL a careful hand would write (`sql_*` below, also used by the tests) through
`connection.cursor()`. Pages and their SQL run in a round robin, so that a change of the machine's load
weighs on every figure alike. The home page gives the fixed cost every authenticated page pays; the name
search is measured both ways (pg_trgm when the database has its index, and the trigram array). Prints
p50/p95 in ms, the number of SQL queries per page, the ratio page/SQL, the volume, the machine and its
load at the start and at the end.

Writes a little on its first run: a référent of its own (`referent.bench.<code>@generation.spie.invalid`)
who takes over `--portefeuille` carnets through `groupe_add_member`, and one access-log row per page
view. Run it on a benchmark database (see `generer_carnets`), never on real data.
"""

import math
import os
import platform
import time
from datetime import timedelta
from random import Random

import django
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.dev.generation import GENERATED_EMAIL_DOMAIN, SURNAMES, fr
from carnet.models import Carnet, MembreGroupe
from carnet.search import MIN_SIMILARITY, WORD_SIMILARITY_STEPS, pg_trgm_index, trigrams, uses_pg_trgm
from carnet.views.portefeuille import PAGE_SIZE
from carnet.views.recherche import MAX_RESULTS
from orientation.lecture import requete_orientation_du_carnet
from spie.dev.demo import client_connecte
from spie.models import Departement, Membership, Role, Structure, User
from spie.tenancy import all_departements, departement_scope
from spie.text import normalise

TARGET_PAGE_MS, TARGET_RATIO, TARGET_SEARCH_MS = 100, 3, 50

# --- Hand-written SQL: the same rows as the pages ------------------------------------------------

PORTEFEUILLE_FROM = """
    FROM carnet_membregroupe m
    JOIN carnet_carnet c ON c.id = m.carnet_id
    JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
    WHERE m.departement_id = %(dep)s AND m.user_id = %(user)s AND m.structure_id = %(structure)s AND m.fin IS NULL
      AND c.cloture_le IS NULL
"""
FILTRES = {
    "": "",
    "sans_rdv": " AND c.prochain_rendez_vous IS NULL"
    " AND (c.dernier_rendez_vous IS NULL OR c.dernier_rendez_vous < %(limite)s)",
    "fin_contrat": " AND c.fin_contrat_en_cours BETWEEN %(today)s AND %(today_30)s",
    "sans_contrat": " AND c.fin_contrat_en_cours IS NULL",
    "nouveaux": " AND c.created_at >= %(month)s",
}


def sql_portefeuille(*, departement_id, user_id, structure_id, filtre="", jours=60, page=1):
    """The portfolio page (filters of `Carnet.objects.portefeuille`): the count and one page of rows."""
    now, today = timezone.now(), timezone.localdate()
    params = {
        "dep": departement_id,
        "user": user_id,
        "structure": structure_id,
        "limite": now - timedelta(days=jours),
        "today": today,
        "today_30": today + timedelta(days=30),
        "month": now.replace(day=1, hour=0, minute=0, second=0),
        "offset": (page - 1) * PAGE_SIZE,
        "size": PAGE_SIZE,
    }
    where = PORTEFEUILLE_FROM + FILTRES[filtre]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*)" + where, params)
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT c.uid, m.est_referent, b.prenoms, b.nom_usage, b.date_naissance, c.dernier_rendez_vous,"
            " c.prochain_rendez_vous, c.fin_contrat_en_cours"
            + where
            + " ORDER BY b.nom_usage, b.prenoms, m.id LIMIT %(size)s OFFSET %(offset)s",
            params,
        )
        return count, cursor.fetchall()


def sql_carnet(*, departement_id, uid, user_id):
    """The carnet's summary: identity, active group, current signed contract, next 3 planned appointments,
    pending join requests (for the référent), orientation (decision, open dossier, pending request: the page's
    own hand-written statement, `orientation.lecture`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.id, c.version, b.civilite, b.prenoms, b.nom_usage, b.date_naissance, b.etat_droit_rsa,
                      b.date_entree_rsa, b.soumis_droits_devoirs, b.organisme_payeur, b.numero_allocataire,
                      b.identifiant_france_travail, b.nir_hash <> '', b.telephone, b.courriel, b.adresse,
                      b.code_postal, co.nom
               FROM carnet_carnet c JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
               LEFT JOIN spie_commune co ON co.code_insee = b.commune_id
               WHERE c.departement_id = %s AND c.uid = %s""",
            [departement_id, uid],
        )
        carnet = cursor.fetchone()
        if carnet is None:
            return None
        carnet_id = carnet[0]
        cursor.execute(
            """SELECT m.est_referent, m.user_id, u.first_name, u.last_name, u.email, u.telephone, s.nom, s.telephone
               FROM carnet_membregroupe m JOIN spie_user u ON u.id = m.user_id
               JOIN spie_structure s ON s.id = m.structure_id
               WHERE m.carnet_id = %s AND m.fin IS NULL ORDER BY m.est_referent DESC, m.debut""",
            [carnet_id],
        )
        membres = cursor.fetchall()
        cursor.execute(
            """SELECT type, numero_version, date_debut, date_fin, heures_hebdomadaires FROM carnet_contrat
               WHERE carnet_id = %s AND statut = 'signe' ORDER BY date_fin DESC LIMIT 1""",
            [carnet_id],
        )
        contrat = cursor.fetchone()
        cursor.execute(
            """SELECT r.date_heure, r.mode, u.first_name, u.last_name, s.nom FROM carnet_rendezvous r
               JOIN spie_user u ON u.id = r.professionnel_id JOIN spie_structure s ON s.id = r.structure_id
               WHERE r.carnet_id = %s AND r.statut = 'prevu' ORDER BY r.date_heure LIMIT 3""",
            [carnet_id],
        )
        rendez_vous = cursor.fetchall()
        demandes = []
        if any(m[0] and m[1] == user_id for m in membres):
            cursor.execute(
                "SELECT id FROM carnet_demandeadhesion WHERE carnet_id = %s AND statut = 'en_attente'", [carnet_id]
            )
            demandes = cursor.fetchall()
        cursor.execute(*requete_orientation_du_carnet(departement_id=departement_id, carnet_id=carnet_id))
        orientation = cursor.fetchone()
    return {
        "carnet": carnet,
        "membres": membres,
        "contrat": contrat,
        "rendez_vous": rendez_vous,
        "demandes": demandes,
        "orientation": orientation,
    }


def search_grams(nom):
    """The query's trigrams and the score a row needs, as `carnet.search.name_filter` computes them."""
    grams = sorted(trigrams(nom))
    return grams, max(1, int(len(grams) * MIN_SIMILARITY))


def gram_frequencies():
    """Element frequencies of `trigrammes` from the planner statistics (pg_stats); absent grams are rarer."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
               WHERE tablename = 'carnet_beneficiaire' AND attname = 'trigrammes'"""
        )
        row = cursor.fetchone()
    return dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}


SEARCH_TAIL = """
    SELECT bm.id, bm.prenoms, bm.nom_usage, bm.date_naissance, c.uid, co.nom, ref.first_name, ref.last_name,
           ref.structure,
           EXISTS (SELECT 1 FROM carnet_membregroupe g WHERE g.carnet_id = c.id AND g.fin IS NULL
                   AND g.user_id = %(user)s AND g.structure_id = %(structure)s)
    FROM meilleurs bm
    JOIN carnet_carnet c ON c.beneficiaire_id = bm.id
    LEFT JOIN spie_commune co ON co.code_insee = bm.commune_id
    LEFT JOIN LATERAL (
        SELECT u.first_name, u.last_name, s.nom AS structure FROM carnet_membregroupe r
        JOIN spie_user u ON u.id = r.user_id JOIN spie_structure s ON s.id = r.structure_id
        WHERE r.carnet_id = c.id AND r.fin IS NULL AND r.est_referent LIMIT 1
    ) ref ON true
    ORDER BY bm.score DESC, bm.nom_usage, bm.prenoms, bm.id
"""
SEARCH_SQL = (
    """
    WITH candidats AS (
        SELECT b.id, b.prenoms, b.nom_usage, b.date_naissance, b.commune_id,
               (SELECT count(*) FROM unnest(b.trigrammes) AS t(x) WHERE t.x = ANY(%(grams)s)) AS score
        FROM carnet_beneficiaire b
        WHERE b.departement_id = %(dep)s AND b.trigrammes && %(prefilter)s::varchar[]
    ), meilleurs AS (
        SELECT * FROM candidats WHERE score >= %(needed)s ORDER BY score DESC, nom_usage, prenoms, id LIMIT %(limit)s
    )"""
    + SEARCH_TAIL
)
SEARCH_PG_TRGM_SQL = (
    """
    WITH meilleurs AS (
        SELECT b.id, b.prenoms, b.nom_usage, b.date_naissance, b.commune_id,
               word_similarity(%(nom)s, b.nom_recherche) AS score
        FROM carnet_beneficiaire b
        WHERE b.departement_id = %(dep)s::bigint AND b.nom_recherche %%> %(nom)s
        ORDER BY score DESC, b.nom_usage, b.prenoms, b.id LIMIT %(limit)s
    )"""
    + SEARCH_TAIL
)


def sql_recherche(*, departement_id, nom, user_id, structure_id, selective=False, frequencies=None):
    """The search page without pg_trgm (trigram array): the 50 best matches with their commune, référent and
    whether the user follows them.

    The plain form is the naive query (`&&` on every gram of the query, then the score). `selective` is the
    page's, with the same result: it asks for the best scores first. A row sharing `t` of the query's
    `n` grams shares at least one of any `n - t + 1` of them (pigeonhole), so the `&&` prefilter at threshold
    `t` needs only the `n - t + 1` rarest grams, which the GIN index reads quickly. Thresholds go down from
    `n` and stop as soon as 50 rows reach the threshold: rows below it could only rank after them.
    """
    grams, needed = search_grams(nom)
    if not grams:
        return []
    params = {"grams": grams, "dep": departement_id, "user": user_id, "structure": structure_id, "limit": MAX_RESULTS}
    frequencies = frequencies or {}
    rarest = sorted(grams, key=lambda gram: (frequencies.get(gram, 0), gram))
    thresholds = range(len(grams), needed - 1, -1) if selective else [needed]
    with connection.cursor() as cursor:
        for threshold in thresholds:
            prefilter = rarest[: len(grams) - threshold + 1] if selective else grams
            cursor.execute(SEARCH_SQL, {**params, "prefilter": prefilter, "needed": threshold})
            rows = cursor.fetchall()
            if len(rows) >= MAX_RESULTS:
                break
    return rows


def sql_recherche_pg_trgm(*, departement_id, nom, user_id, structure_id):
    """The search page with pg_trgm: the same columns, the thresholds of `carnet.search.WORD_SIMILARITY_STEPS`
    (the word-similarity threshold is a setting of the transaction, hence the `set_config` before each try)."""
    text = normalise(nom)
    if not text:
        return []
    params = {"nom": text, "dep": departement_id, "user": user_id, "structure": structure_id, "limit": MAX_RESULTS}
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for threshold in WORD_SIMILARITY_STEPS:
            cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [str(threshold)])
            cursor.execute(SEARCH_PG_TRGM_SQL, params)
            rows = cursor.fetchall()
            if len(rows) >= MAX_RESULTS:
                break
    return rows


# --- Measuring ---------------------------------------------------------------------------------


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def p50_p95(samples):
    return percentile(samples, 0.5), percentile(samples, 0.95)


def timed(function, argument):
    start = time.perf_counter()
    function(argument)
    return (time.perf_counter() - start) * 1000


def typo(name, rng):
    """A plausible typing error: a letter doubled, dropped, swapped with the next one or replaced."""
    letters = list(name.replace(" ", ""))
    position = rng.randrange(1, len(letters) - 1)
    kind = rng.choice(("double", "drop", "swap", "replace"))
    if kind == "double":
        letters.insert(position, letters[position])
    elif kind == "drop":
        del letters[position]
    elif kind == "swap":
        letters[position], letters[position + 1] = letters[position + 1], letters[position]
    else:
        letters[position] = rng.choice("aeiourstnl")
    return "".join(letters)


class Command(BaseCommand):
    help = (
        "Mesure p50/p95 et requêtes SQL du portefeuille, de la fiche carnet et de la recherche, face au SQL écrit à "
        "la main (base de mesure uniquement)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", default="76")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--portefeuille", type=int, default=100, help="Carnets suivis par le référent mesuré.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE de la requête la plus lente.")
        parser.add_argument("--cas", default="", help="Ne mesurer que les lignes dont l'intitulé contient ce texte.")

    def handle(self, *args, departement, iterations, portefeuille, seed, explain, cas, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département introuvable.")
        rng = Random(seed)
        with departement_scope(departement):
            if not Carnet.objects.exists():
                raise CommandError("Aucun carnet dans ce département : lancez d'abord « generer_carnets ».")
            referent, structure = self.bench_referent(departement, portefeuille, rng)
            uids = [
                str(u)
                for u in Carnet.objects.filter(membres__user=referent, membres__fin=None).values_list("uid", flat=True)
            ]
            biggest = (
                MembreGroupe.objects.actifs()
                .filter(user__email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")
                .exclude(user=referent)
                .values("user_id", "structure_id")
                .annotate(n=Count("id"))
                .order_by("-n", "user_id")
                .first()
            )
            carnets_departement = Carnet.objects.count()
        with all_departements():
            carnets_total = Carnet.objects.count()
        # Their own generator: the same terms whether or not the référent had to take over carnets first.
        terms_rng = Random(f"{seed}-recherche")
        search_terms = [typo(name, terms_rng) for name in terms_rng.sample(SURNAMES, 20)]

        cases = self.cases(departement, referent, structure, uids, biggest, search_terms)
        cases = [case for case in cases if cas in case["label"]]
        load_before = os.getloadavg()[0]
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
            results = self.measure(cases, iterations, explain)
        loads = (load_before, os.getloadavg()[0])

        self.report(results, departement, carnets_departement, carnets_total, uids, biggest, search_terms, loads)

    # Persona

    def bench_referent(self, departement, wanted, rng):
        """A professional of its own following `wanted` carnets as référent (taken over with the service)."""
        email = f"referent.bench.{departement.code.lower()}@{GENERATED_EMAIL_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(
                email=email, first_name="Bérénice", last_name="Banc-d'Essai", password=make_password(None)
            )
        membership = Membership.objects.filter(user=user, is_active=True).select_related("structure").first()
        if membership is None:
            structure = Structure.objects.filter(actif=True).order_by("pk").first()
            membership = Membership.objects.create(
                departement=departement, user=user, structure=structure, role=Role.PROFESSIONNEL
            )
        structure = membership.structure
        followed = MembreGroupe.objects.actifs().filter(user=user, structure=structure).count()
        if followed < wanted:
            ids = list(Carnet.objects.exclude(membres__user=user).values_list("id", flat=True).order_by("id"))
            chosen = Carnet.objects.filter(id__in=rng.sample(ids, min(wanted - followed, len(ids))))
            with transaction.atomic():
                for carnet in chosen:
                    services.groupe_add_member(
                        carnet=carnet,
                        user=user,
                        structure=structure,
                        referent=True,
                        auteur=user,
                        auteur_structure=structure,
                    )
            self.stdout.write(
                f"Référent de mesure {email} : {wanted - followed} carnet(s) repris avec groupe_add_member."
            )
        return user, structure

    def cases(self, departement, referent, structure, uids, biggest, search_terms):
        dep_id = self.departement_id = departement.pk
        try:
            portefeuille_url = reverse("carnet:portefeuille")
            detail_urls = [reverse("carnet:detail", kwargs={"uid": uid}) for uid in uids]
            recherche_url = reverse("carnet:recherche")
        except Exception as error:  # URLs not wired yet, or a broken urlconf: the SQL is still measured
            portefeuille_url = detail_urls = recherche_url = None
            self.stderr.write(f"URL carnet:* indisponibles ({error!r}) : seules les requêtes SQL sont mesurées.")
        client = client_connecte(referent)
        cases = [
            {
                # The fixed cost of any authenticated page (session, user, memberships, notifications, menu,
                # transaction): the home page reads nothing else.
                "label": "accueil (socle de toute page)",
                "client": client,
                "urls": [reverse("spie:accueil")],
                "sql": None,
                "target": None,
            }
        ]
        personas = [(client, referent.pk, structure.pk, f"{len(uids)} carnets")]
        if biggest:
            big_client = client_connecte(User.objects.get(pk=biggest["user_id"]))
            personas.append((big_client, biggest["user_id"], biggest["structure_id"], f"{biggest['n']}, le plus gros"))
        for persona_client, user_id, structure_id, size in personas:
            for filtre in ("", "sans_rdv"):
                suffix = f"?filtre={filtre}" if filtre else ""
                cases.append(
                    {
                        "label": f"portefeuille {suffix} ({size})".replace("  ", " "),
                        "client": persona_client,
                        "urls": [portefeuille_url + suffix] if portefeuille_url else None,
                        "sql": lambda _, f=filtre, u=user_id, s=structure_id: sql_portefeuille(
                            departement_id=dep_id, user_id=u, structure_id=s, filtre=f
                        ),
                        "sql_args": [None],
                        "target": TARGET_PAGE_MS,
                        "ratio": True,
                    }
                )
        cases += self.cases_file(departement)
        cases.append(
            {
                "label": "fiche carnet (synthèse)",
                "client": client,
                "urls": detail_urls,
                "sql": lambda uid: sql_carnet(departement_id=dep_id, uid=uid, user_id=referent.pk),
                "sql_args": uids,
                "target": TARGET_PAGE_MS,
                "ratio": True,
            }
        )
        recherche_urls = [f"{recherche_url}?nom={term}" for term in search_terms] if recherche_url else None
        pg_trgm = uses_pg_trgm()
        if pg_trgm:
            cases.append(
                {
                    "label": "recherche ?nom=<nom avec faute> (pg_trgm)",
                    "client": client,
                    "urls": recherche_urls,
                    "sql": lambda term: sql_recherche_pg_trgm(
                        departement_id=dep_id, nom=term, user_id=referent.pk, structure_id=structure.pk
                    ),
                    "sql_args": search_terms,
                    "target": TARGET_SEARCH_MS,
                }
            )
        frequencies = gram_frequencies()
        cases.append(
            {
                # Without pg_trgm (the embedded PostgreSQL), or forced with SPIE_SEARCH_PG_TRGM=False.
                "label": "recherche ?nom=<nom avec faute> (tableau)",
                "client": client,
                "urls": recherche_urls,
                "settings": {"SPIE_SEARCH_PG_TRGM": False},
                "sql": lambda term: sql_recherche(
                    departement_id=dep_id, nom=term, user_id=referent.pk, structure_id=structure.pk,
                    selective=True, frequencies=frequencies,
                ),
                "sql_args": search_terms,
                "target": TARGET_SEARCH_MS,
            }
        )  # fmt: skip
        cases += self.cases_recherche_courante(client, recherche_url)
        cases.append(
            {
                "label": "recherche (tableau) : SQL naïf",
                "client": None,
                "urls": None,
                "sql": lambda term: sql_recherche(
                    departement_id=dep_id, nom=term, user_id=referent.pk, structure_id=structure.pk
                ),
                "sql_args": search_terms,
                "target": TARGET_SEARCH_MS,
            }
        )
        return cases

    def cases_recherche_courante(self, client, url):
        """What people type most: the most common surnames and first names of the département (thousands of
        perfect matches each), birth dates, the first seven characters of CAF numbers."""
        if url is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nom_usage FROM carnet_beneficiaire WHERE departement_id = %s "
                "GROUP BY nom_usage ORDER BY count(*) DESC, nom_usage LIMIT 10",
                [self.departement_id],
            )
            noms = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT split_part(prenoms, ' ', 1) AS p FROM carnet_beneficiaire WHERE departement_id = %s "
                "GROUP BY p ORDER BY count(*) DESC, p LIMIT 10",
                [self.departement_id],
            )
            prenoms = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT date_naissance, left(numero_allocataire, 7) FROM carnet_beneficiaire "
                "WHERE departement_id = %s AND numero_allocataire <> '' ORDER BY md5(id::text) LIMIT 20",
                [self.departement_id],
            )
            sample = cursor.fetchall()
        criteres = [
            ("recherche ?nom=<nom courant>", [f"nom={nom}" for nom in noms]),
            ("recherche ?nom=<prénom courant>", [f"nom={prenom}" for prenom in prenoms]),
            ("recherche ?date_naissance=", [f"date_naissance={date:%Y-%m-%d}" for date, _ in sample]),
            ("recherche ?numero_allocataire=<7 premiers>", [f"numero_allocataire={debut}" for _, debut in sample]),
        ]
        self.stdout.write(
            "Recherches courantes : " + " ; ".join(f"{label} : {', '.join(q[:5])}…" for label, q in criteres)
        )
        return [
            {
                "label": label,
                "client": client,
                "urls": [f"{url}?{q}" for q in queries],
                "sql": None,
                "target": TARGET_SEARCH_MS,
            }
            for label, queries in criteres
            if queries
        ]

    def cases_file(self, departement):
        """The orientation queue, for the département's admin (every territory) and for a chargé d'orientation,
        whole and "late only": the page sorts its people by urgency, so it reads every candidate."""
        cases = []
        url = reverse("orientation:file")
        for role, qui in ((Role.ADMIN_DEPARTEMENT, "admin"), (Role.CHARGE_ORIENTATION, "chargé d'orientation")):
            with departement_scope(departement):
                membership = (
                    Membership.objects.filter(role=role, is_active=True).select_related("user").order_by("pk").first()
                )
            if membership is None:
                self.stderr.write(f"Pas de compte « {qui} » dans le département : file non mesurée pour ce rôle.")
                continue
            file_client = client_connecte(membership.user)
            for suffix in ("", "?en_retard=on"):
                cases.append(
                    {
                        "label": f"file d'orientation {suffix} ({qui})".replace("  ", " "),
                        "client": file_client,
                        "urls": [url + suffix],
                        "sql": None,
                        "target": TARGET_PAGE_MS,
                    }
                )
        return cases

    def measure(self, cases, iterations, explain):
        """Round robin: iteration i of every page (and its SQL), then iteration i + 1... A change of the
        machine's load then weighs on all the figures alike, and the ratios page/SQL compare what ran side by
        side. Each page also runs after other work, as in production, rather than in a warm loop of its own."""
        runs = [self.prepare(case, explain) for case in cases]
        pages, references = [run for run in runs if run["page"]], [run for run in runs if not run["page"]]
        for index in range(iterations):
            for run in pages:
                self.iterate(run, index)
        # SQL without a page (slow references) afterwards: in the loop they would evict the pages from the caches.
        for run in references:
            for index in range(iterations):
                self.iterate(run, index)
        results = []
        for run in runs:
            result = {key: run[key] for key in ("label", "target", "ratio", "queries")}
            result["page"] = p50_p95(run["page_ms"]) if run["page"] else None
            result["sql"] = p50_p95(run["sql_ms"]) if run["sql"] else None
            # Time spent in the database during the page (queries sent and rows received), median.
            result["in_sql"] = percentile(run["in_sql"], 0.5) if run["page"] else None
            results.append(result)
        return results

    def iterate(self, run, index):
        with override_settings(**run["settings"]):
            if run["page"]:
                run["in_sql"].append(0.0)
                with connection.execute_wrapper(run["sql_timer"]):
                    run["page_ms"].append(timed(run["page"], run["urls"][index % len(run["urls"])]))
            if run["sql"]:
                run["sql_ms"].append(timed(run["sql"], run["sql_args"][index % len(run["sql_args"])]))

    def prepare(self, case, explain):
        """The callables of a case, warmed up (3 calls each), and the queries of its page counted."""
        run = {
            "label": case["label"],
            "target": case["target"],
            "ratio": case.get("ratio", False),
            "settings": case.get("settings", {}),
            "urls": case["urls"],
            "sql": case["sql"],
            "sql_args": case.get("sql_args"),
            "page": None,
            "queries": None,
            "page_ms": [],
            "sql_ms": [],
            "in_sql": [],
        }
        client = case["client"]

        def get(url):
            # secure: production settings redirect plain http to https.
            response = client.get(url, secure=True)
            if response.status_code != 200:
                raise CommandError(f"{url} : HTTP {response.status_code}")

        def sql_timer(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                run["in_sql"][-1] += (time.perf_counter() - start) * 1000

        with override_settings(**run["settings"]):
            if case["urls"]:
                run["page"], run["sql_timer"] = get, sql_timer
                for url in case["urls"][:3]:
                    get(url)
                with CaptureQueriesContext(connection) as captured:
                    get(case["urls"][0])
                run["queries"] = len(captured)
                if explain:
                    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
                    self.explain(case["label"], slowest["sql"])
            if case["sql"]:
                for argument in case["sql_args"][:3]:
                    case["sql"](argument)
        return run

    def explain(self, label, statement):
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        self.stdout.write(f"\n-- {label} : requête la plus lente\n    {statement[:600]}\n{plan}\n")

    # Report

    def report(self, results, departement, carnets_departement, carnets_total, uids, biggest, terms, loads):
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        cpu = platform.processor()
        if os.path.exists("/proc/cpuinfo"):
            with open("/proc/cpuinfo") as cpuinfo:
                cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
        w = self.stdout.write
        w("")
        w(
            f"Machine : {cores} cœur(s), {cpu}, charge {loads[0]:.1f} au début, {loads[1]:.1f} à la fin ; "
            f"PostgreSQL {pg_version} ; Python {platform.python_version()}, Django {django.get_version()} ; "
            f"{settings.SETTINGS_MODULE}, DEBUG=False."
        )
        w(
            f"Volume : {fr(carnets_departement)} carnets dans le département {departement.code}, {fr(carnets_total)} "
            f"au total ; référent mesuré : {len(uids)} carnets"
            + (f" ; plus gros portefeuille : {biggest['n']} carnets." if biggest else ".")
        )
        way = f"pg_trgm (index {pg_trgm_index()})" if uses_pg_trgm() else "tableau de trigrammes (sans pg_trgm)"
        w(f"Recherche par nom : {way} ; termes : {', '.join(terms)}")
        w("")
        header = (
            f"{'Mesure (ms)':<50} {'page p50':>8} {'p95':>6} {'req.':>4} {'dont SQL':>8} | "
            f"{'SQL p50':>7} {'p95':>6} | {'ratio p50':>9} {'p95':>5}  cible"
        )
        w(header)
        w("-" * len(header))
        for r in results:
            page = (
                f"{r['page'][0]:>8.1f} {r['page'][1]:>6.1f} {r['queries']:>4} {r['in_sql']:>8.1f}"
                if r["page"]
                else f"{'—':>8} {'—':>6} {'—':>4} {'—':>8}"
            )
            sql = f"{r['sql'][0]:>7.1f} {r['sql'][1]:>6.1f}" if r["sql"] else f"{'—':>7} {'—':>6}"
            ratio = (
                f"{r['page'][0] / r['sql'][0]:>9.1f} {r['page'][1] / r['sql'][1]:>5.1f}"
                if r["page"] and r["sql"]
                else f"{'—':>9} {'—':>5}"
            )
            if r["target"] is None:
                verdict = "référence"
            elif r["page"]:
                ok = r["page"][1] <= r["target"] and (not r["ratio"] or r["page"][1] <= TARGET_RATIO * r["sql"][1])
                verdict = "OK" if ok else "manquée"
            else:
                verdict = ("OK" if r["sql"][1] <= r["target"] else "manquée") + " (SQL seul)"
            w(f"{r['label']:<50} {page} | {sql} | {ratio}  {verdict}")
        w("")
        w(
            f"Cibles : p95 ≤ {TARGET_PAGE_MS} ms et ≤ {TARGET_RATIO}× le p95 du SQL (portefeuille, fiche) ; "
            f"p95 ≤ {TARGET_SEARCH_MS} ms (recherche). « req. » : requêtes d'une page (session, rattachements, "
            "journal des accès compris) ; « dont SQL » : médiane du temps passé dans la base pendant la page ; "
            "« accueil » : le socle que toute page authentifiée paie avant de lire ses propres données."
        )
