"""Measure the carnet pages against hand-written SQL fetching the same rows.

    DJANGO_SETTINGS_MODULE=spie.settings.dev python manage.py bench_carnet --departement 76 [--iterations 200]

Pages go through the whole stack (middleware, session, tenant scope, access log, template) with the
Django test `Client`, logged in (`force_login`) as a référent following about `--portefeuille` carnets;
the baselines run the SQL a careful hand would write (`sql_*` below, also used by the tests) through
`connection.cursor()`. Prints p50/p95 in ms, the number of SQL queries per page, the ratio page/SQL,
the volume and the machine.

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
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.generation import GENERATED_EMAIL_DOMAIN, SURNAMES, fr
from carnet.models import Carnet, MembreGroupe
from carnet.search import (
    MIN_SIMILARITY,  # noqa: E402
    trigrams,
)
from carnet.views.portefeuille import PAGE_SIZE
from carnet.views.recherche import MAX_RESULTS
from spie.models import Departement, Membership, Role, Structure, User
from spie.tenancy import all_departements, departement_scope

TARGET_PAGE_MS, TARGET_RATIO, TARGET_SEARCH_MS = 100, 3, 50

# --- Hand-written SQL: the same rows as the pages ------------------------------------------------

PORTEFEUILLE_FROM = """
    FROM carnet_membregroupe m
    JOIN carnet_carnet c ON c.id = m.carnet_id
    JOIN carnet_beneficiaire b ON b.id = c.beneficiaire_id
    WHERE m.departement_id = %(dep)s AND m.user_id = %(user)s AND m.structure_id = %(structure)s AND m.fin IS NULL
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
    """The portfolio page (filters of `carnet.views.portefeuille.apply_filter`): the count and one page of rows."""
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
    pending join requests (for the référent)."""
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
    return {"carnet": carnet, "membres": membres, "contrat": contrat, "rendez_vous": rendez_vous, "demandes": demandes}


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


SEARCH_SQL = """
    WITH candidats AS (
        SELECT b.id, b.prenoms, b.nom_usage, b.date_naissance, b.commune_id,
               (SELECT count(*) FROM unnest(b.trigrammes) AS t(x) WHERE t.x = ANY(%(grams)s)) AS score
        FROM carnet_beneficiaire b
        WHERE b.departement_id = %(dep)s AND b.trigrammes && %(prefilter)s::varchar[]
    ), meilleurs AS (
        SELECT * FROM candidats WHERE score >= %(needed)s ORDER BY score DESC, nom_usage, prenoms LIMIT %(limit)s
    )
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
    ORDER BY bm.score DESC, bm.nom_usage, bm.prenoms
"""


def sql_recherche(*, departement_id, nom, user_id, structure_id, selective=False, frequencies=None):
    """The search page: the 50 best matches with their commune, référent and whether the user follows them.

    The plain form is the page's query (`&&` on every gram of the query, then the score). `selective` is the
    proposed one, with the same result: it asks for the best scores first. A row sharing `t` of the query's
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


# --- Measuring ---------------------------------------------------------------------------------


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(function, arguments, iterations):
    """Milliseconds of `iterations` calls, cycling through `arguments`, after 3 warm-up calls."""
    for argument in arguments[:3]:
        function(argument)
    samples = []
    for index in range(iterations):
        start = time.perf_counter()
        function(arguments[index % len(arguments)])
        samples.append((time.perf_counter() - start) * 1000)
    return percentile(samples, 0.5), percentile(samples, 0.95)


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

    def handle(self, *args, departement, iterations, portefeuille, seed, explain, **options):
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
                MembreGroupe.objects.filter(fin=None, user__email__endswith=f"@{GENERATED_EMAIL_DOMAIN}")
                .exclude(user=referent)
                .values("user_id", "structure_id")
                .annotate(n=Count("id"))
                .order_by("-n", "user_id")
                .first()
            )
            carnets_departement = Carnet.objects.count()
        with all_departements():
            carnets_total = Carnet.objects.count()
        names = rng.sample(SURNAMES, 20)
        search_terms = [typo(name, rng) for name in names]

        cases = self.cases(departement, referent, structure, uids, biggest, search_terms)
        results = []
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
            for case in cases:
                results.append(self.measure(case, iterations, explain))

        self.report(results, departement, carnets_departement, carnets_total, uids, biggest, search_terms)

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
        followed = MembreGroupe.objects.filter(user=user, structure=structure, fin=None).count()
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
        dep_id = departement.pk
        try:
            portefeuille_url = reverse("carnet:portefeuille")
            detail_urls = [reverse("carnet:detail", kwargs={"uid": uid}) for uid in uids]
            recherche_url = reverse("carnet:recherche")
        except Exception as error:  # URLs not wired yet, or a broken urlconf: the SQL is still measured
            portefeuille_url = detail_urls = recherche_url = None
            self.stderr.write(f"URL carnet:* indisponibles ({error!r}) : seules les requêtes SQL sont mesurées.")
        client = Client()
        client.force_login(referent)
        personas = [(client, referent.pk, structure.pk, f"{len(uids)} carnets")]
        if biggest:
            big_client = Client()
            big_client.force_login(User.objects.get(pk=biggest["user_id"]))
            personas.append((big_client, biggest["user_id"], biggest["structure_id"], f"{biggest['n']}, le plus gros"))
        cases = []
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
                    }
                )
        cases.append(
            {
                "label": "fiche carnet (synthèse)",
                "client": client,
                "urls": detail_urls,
                "sql": lambda uid: sql_carnet(departement_id=dep_id, uid=uid, user_id=referent.pk),
                "sql_args": uids,
                "target": TARGET_PAGE_MS,
            }
        )
        cases.append(
            {
                "label": "recherche ?nom=<nom avec faute>",
                "client": client,
                "urls": [f"{recherche_url}?nom={term}" for term in search_terms] if recherche_url else None,
                "sql": lambda term: sql_recherche(
                    departement_id=dep_id, nom=term, user_id=referent.pk, structure_id=structure.pk
                ),
                "sql_args": search_terms,
                "target": TARGET_SEARCH_MS,
            }
        )
        frequencies = gram_frequencies()
        cases.append(
            {
                "label": "recherche : SQL proposé (seuil décroissant)",
                "client": None,
                "urls": None,
                "sql": lambda term: sql_recherche(
                    departement_id=dep_id, nom=term, user_id=referent.pk, structure_id=structure.pk,
                    selective=True, frequencies=frequencies,
                ),
                "sql_args": search_terms,
                "target": TARGET_SEARCH_MS,
            }
        )  # fmt: skip
        return cases

    def measure(self, case, iterations, explain):
        result = {"label": case["label"], "target": case["target"], "page": None}
        if case["urls"]:
            client, urls, in_sql = case["client"], case["urls"], []

            def get(url):
                in_sql.append(0.0)
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url} : HTTP {response.status_code}")

            def sql_timer(execute, sql, params, many, context):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    in_sql[-1] += (time.perf_counter() - start) * 1000

            get(urls[0])
            with CaptureQueriesContext(connection) as captured:
                get(urls[0])
            result["queries"] = len(captured)
            with connection.execute_wrapper(sql_timer):
                result["page"] = timed(get, urls, iterations)
            # Time spent in the database during the page (queries sent and rows received), median.
            result["in_sql"] = percentile(in_sql[-iterations:], 0.5)
            if explain:
                slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
                self.explain(case["label"], slowest["sql"])
        result["sql"] = timed(case["sql"], case["sql_args"], iterations)
        return result

    def explain(self, label, statement):
        if not statement.lstrip().upper().startswith("SELECT"):
            return
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        self.stdout.write(f"\n-- {label} : requête la plus lente\n    {statement[:600]}\n{plan}\n")

    # Report

    def report(self, results, departement, carnets_departement, carnets_total, uids, biggest, terms):
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
            f"Machine : {cores} cœur(s), {cpu}, charge {os.getloadavg()[0]:.1f} ; PostgreSQL {pg_version} ; "
            f"Python {platform.python_version()}, Django {django.get_version()} ; "
            f"{settings.SETTINGS_MODULE}, DEBUG=False."
        )
        w(
            f"Volume : {fr(carnets_departement)} carnets dans le département {departement.code}, {fr(carnets_total)} "
            f"au total ; référent mesuré : {len(uids)} carnets"
            + (f" ; plus gros portefeuille : {biggest['n']} carnets." if biggest else ".")
        )
        w(f"Recherches : {', '.join(terms)}")
        w("")
        header = (
            f"{'Mesure (ms)':<50} {'page p50':>8} {'p95':>6} {'req.':>4} {'dont SQL':>8} | "
            f"{'SQL p50':>7} {'p95':>6} | {'ratio p50':>9} {'p95':>5}  cible"
        )
        w(header)
        w("-" * len(header))
        for r in results:
            sql50, sql95 = r["sql"]
            if r["page"]:
                p50, p95 = r["page"]
                ok = p95 <= r["target"] and p95 <= TARGET_RATIO * sql95
                w(
                    f"{r['label']:<50} {p50:>8.1f} {p95:>6.1f} {r['queries']:>4} {r['in_sql']:>8.1f} | "
                    f"{sql50:>7.1f} {sql95:>6.1f} | {p50 / sql50:>9.1f} {p95 / sql95:>5.1f}  "
                    f"{'OK' if ok else 'manquée'}"
                )
            else:
                ok = sql95 <= r["target"]
                w(
                    f"{r['label']:<50} {'—':>8} {'—':>6} {'—':>4} {'—':>8} | {sql50:>7.1f} {sql95:>6.1f} | "
                    f"{'—':>9} {'—':>5}  {'OK' if ok else 'manquée'} (SQL seul)"
                )
        w("")
        w(
            f"Cibles : p95 ≤ {TARGET_PAGE_MS} ms (recherche : {TARGET_SEARCH_MS} ms) "
            f"et ≤ {TARGET_RATIO}× le p95 du SQL. "
            "« req. » : requêtes d'une page (session, rattachements, journal des accès compris) ; « dont SQL » : "
            "médiane du temps passé dans la base pendant la page."
        )
