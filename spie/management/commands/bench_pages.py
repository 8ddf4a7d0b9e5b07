"""Measure every route of the project on generated data (p50/p95, SQL queries), and fail over 100 ms at p95.

    # production settings (DEBUG off, cached templates, collected static files, https)
    export DJANGO_SETTINGS_MODULE=spie.settings.base SECRET_KEY=mesure ALLOWED_HOSTS=testserver STATIC_ROOT=/tmp/st
    python manage.py collectstatic --noinput -v0
    python manage.py bench_pages --departement 76 [--iterations 20] [--routes 'carnet:*' 'orientation:file']

The routes, their URL kwargs and their personas are generated (see spie/dev/bench_pages.py): a route added to
the registry of the security tests is measured by the next run. Each route is requested with GET through the
whole stack (middleware, session, tenant scope, access log, template) by the Django test `Client`, in a round
robin over the routes (iteration i of every route, then i + 1) so that a change of the machine's load weighs on
every figure alike.

The issue's two ratios are printed where a hand-written SQL of the page exists (portfolio, carnet, search:
`bench_carnet`): the whole request against the SQL of everything it does (the fixed cost of an authenticated
request — session read and save, user, memberships, second factor, access-log insert — plus the page's own
reads), and the page minus the fixed cost of an authenticated page (`SOCLE_ROUTE`) against the page's own SQL.
Every other route shows the page minus that fixed cost.

Exit code 1 when a measured route's p95 passes `--seuil` (100 ms) or a route answers 5xx; routes that could not
be measured (no object of their kind in the data, nobody gets a 200) are listed with the reason.
Writes a little: a partner token and a notification for the measuring référent, one access-log row per view.
"""

import math
import os
import platform
import sys
import time
from datetime import timedelta

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from carnet.dev.generation import fr
from carnet.management.commands.bench_carnet import sql_carnet, sql_portefeuille, sql_recherche_pg_trgm
from carnet.models import Carnet
from spie.dev.bench_pages import (
    BenchWorld,
    MissingObject,
    RouteRun,
    biggest_portfolio,
    choose_persona,
    count_queries,
    longest_history,
    plan,
    roles_for,
    timed_get,
    url_for,
)
from spie.dev.demo import client_connecte
from spie.models import AccessLog, Departement, Membership, Role, User
from spie.tenancy import all_departements, departement_scope

TARGET_MS = 100
# The fixed cost of an authenticated page: a page that reads nothing of its own (the empty creation form).
SOCLE_ROUTE = "carnet:beneficiaire_creer"
# Query strings of the routes whose interesting request has one: a very common surname for the search.
QUERY = {"carnet:recherche": "nom=martin"}
SLOW_MS, VERY_SLOW_MS = 1000, 10_000


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def sql_socle(*, session_key, user_id, departement_id, structure_id):
    """The hand-written SQL of what every authenticated request does before its page: the session read, the user,
    the active memberships with their structure and département, the second factor, the access-log insert and
    the session save (SESSION_SAVE_EVERY_REQUEST)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > now()", [session_key]
        )
        data = cursor.fetchone()
        cursor.execute(
            "SELECT id, email, first_name, last_name, is_active, is_superuser FROM spie_user WHERE id = %s", [user_id]
        )
        cursor.fetchone()
        cursor.execute(
            """SELECT m.id, m.role, s.id, s.nom, d.code, d.nom FROM spie_membership m
               JOIN spie_structure s ON s.id = m.structure_id JOIN spie_departement d ON d.id = m.departement_id
               WHERE m.user_id = %s AND m.is_active ORDER BY m.id""",
            [user_id],
        )
        cursor.fetchall()
        cursor.execute("SELECT 1 FROM mfa_authenticator WHERE user_id = %s AND type = 'totp' LIMIT 1", [user_id])
        cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {AccessLog._meta.db_table} (user_id, departement_id, structure_id, action, canal, "  # nosec B608: the model's own table name
            "object_type, details) VALUES (%s, %s, %s, 'consultation', 'web', 'carnet.carnet', '{}')",
            [user_id, departement_id, structure_id],
        )
        cursor.execute(
            "UPDATE django_session SET session_data = %s, expire_date = %s WHERE session_key = %s",
            [data[0] if data else "", timezone.now() + timedelta(hours=2), session_key],
        )


class Command(BaseCommand):
    help = (
        "Mesure p50/p95 et requêtes SQL de chaque route du registre sur les données générées (base de mesure "
        "uniquement) ; échoue si une route dépasse 100 ms au p95."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departement", default="76")
        parser.add_argument("--iterations", type=int, default=20)
        parser.add_argument("--routes", nargs="*", default=[], help="Motifs de noms (ex. 'carnet:*').")
        parser.add_argument("--seuil", type=float, default=TARGET_MS, help="p95 maximal en ms.")

    def handle(self, *args, departement, iterations, routes, seuil, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département introuvable.")
        todo, excluded = plan(routes)
        if SOCLE_ROUTE not in {name for name, _kind in todo}:
            todo.append((SOCLE_ROUTE, "professionnel"))  # the fixed cost every other figure is compared with
        with departement_scope(departement):
            big = biggest_portfolio(departement)
            if big is None:
                raise CommandError("Aucun référent dans ce département : lancez d'abord « generer_carnets ».")
            referent = User.objects.get(pk=big["user_id"])
            membership = Membership.objects.get(user=referent, structure_id=big["structure_id"], is_active=True)
            carnet, events = longest_history(big["user_id"], big["structure_id"])
            world = BenchWorld(
                departement=departement, referent=referent, referent_membership=membership, carnet=carnet
            )
            personas = self.personas(departement, referent, membership)
            carnets_departement = Carnet.objects.count()
        with all_departements():
            carnets_total = Carnet.objects.count()
        self.stdout.write(
            f"Référent mesuré : {big['n']} carnets (le plus gros portefeuille) ; carnet mesuré : {events} événements "
            f"d'historique (le plus long de ce portefeuille) ; {len(todo)} routes, {len(excluded)} exclues."
        )
        loads = [os.getloadavg()[0]]
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
            runs = self.prepare(todo, world, personas, departement, carnet)
            self.measure(runs, iterations)
            baselines = self.baselines(runs, personas, world, departement, membership, iterations)
        loads.append(os.getloadavg()[0])
        failed = self.report(runs, excluded, baselines, departement, carnets_departement, carnets_total, loads, seuil)
        if failed:
            sys.exit(1)

    # Personas

    def personas(self, departement, referent, membership):
        """role → (label, logged-in client) for every role of the département: the measured référent for the
        professionals, else the first active account of the role (in the référent's structure if there is one)."""
        personas = {Role.PROFESSIONNEL: ("référent", client_connecte(referent), referent)}
        for role in Role:
            if role == Role.PROFESSIONNEL:
                continue
            accounts = Membership.objects.filter(role=role, is_active=True).select_related("user")
            found = accounts.filter(structure=membership.structure).order_by("pk").first()
            found = found or accounts.order_by("pk").first()
            if found is not None:
                personas[role] = (role.label.lower(), client_connecte(found.user), found.user)
        return personas

    def clients_for(self, name, kind, world, personas, carnet):
        if kind == "anonyme":
            return [("anonyme", Client(), None)]
        if kind == "jeton":
            return [("jeton partenaire", Client(), {"Authorization": f"Bearer {world.jeton_valeur}"})]
        if kind == "usager":
            return [("personne", self.client_usager(carnet), None)]
        return [(personas[r][0], personas[r][1], None) for r in roles_for(name) if r in personas]

    _usager = None

    def client_usager(self, carnet):
        if self._usager is None:
            from usager.models import CompteUsager
            from usager.session import SESSION_KEY

            compte, _ = CompteUsager.objects.get_or_create(
                beneficiaire=carnet.beneficiaire, defaults={"departement_id": carnet.departement_id}
            )
            client = Client()
            session = client.session
            session[SESSION_KEY] = {"compte": str(compte.uid), "departement": compte.departement_id}
            self._usager = (client, session, SESSION_KEY, compte)
        client, session, key, compte = self._usager
        # The person's session ends after inactivity: kept active for the whole run.
        session[key] = {**session[key], "activite": time.time()}
        session.save()
        return client

    # Measuring

    def prepare(self, todo, world, personas, departement, carnet):
        runs = []
        for name, kind in todo:
            run = RouteRun(name=name, kind=kind)
            runs.append(run)
            try:
                with departement_scope(departement):
                    run.url = url_for(name, world)
                    clients = self.clients_for(name, kind, world, personas, carnet)
            except MissingObject as missing:
                run.skipped = f"aucun objet « {missing} » dans les données générées"
                continue
            if name in QUERY:
                run.url += "?" + QUERY[name]
            chosen = choose_persona(run, clients, run.url)
            if chosen is None:
                statuses = set(run.tried.values())
                if 405 in statuses:
                    run.skipped = "action (POST seulement) : pas une page"
                else:
                    run.skipped = "aucun persona n'obtient de page : " + ", ".join(
                        f"{label} {status}" for label, status in run.tried.items()
                    )
                if any(status >= 500 for status in statuses):
                    run.status = max(statuses)
                continue
            run.persona, run.client, run.headers, run.status = chosen
            if kind == "usager":
                self.client_usager(carnet)
            start = time.perf_counter()
            run.queries = count_queries(run.client, run.url, run.headers)
            warm = (time.perf_counter() - start) * 1000
            run.slow = warm > SLOW_MS
            if warm > VERY_SLOW_MS:
                # Its verdict is clear: more requests would only make the run last (one sample: this one).
                run.samples.append(warm)
            self.stdout.write(f"  {name} : {run.persona}, HTTP {run.status}, {run.queries} requêtes, {warm:.0f} ms")
        return runs

    def measure(self, runs, iterations):
        measured = [run for run in runs if not run.skipped]
        for index in range(iterations):
            for run in measured:
                # A page over a second is measured on a quarter of the iterations (at least 3): its verdict is
                # clear, and the whole run stays within minutes.
                if run.slow and (index >= max(3, iterations // 4) or run.samples and run.samples[0] > VERY_SLOW_MS):
                    continue
                ms, status = timed_get(run.client, run.url, run.headers)
                if status != run.status:
                    run.status = status
                run.samples.append(ms)

    def baselines(self, runs, personas, world, departement, membership, iterations):
        """The hand-written SQL of the pages that have one, with the fixed cost of any authenticated request."""
        by_name = {run.name: run for run in runs if not run.skipped}
        referent = personas[Role.PROFESSIONNEL][2]
        session_key = personas[Role.PROFESSIONNEL][1].session.session_key
        dep_id, structure_id = departement.pk, membership.structure_id
        with departement_scope(departement):
            carnet_uid = world.carnet.uid
        functions = {
            "socle": lambda: sql_socle(
                session_key=session_key, user_id=referent.pk, departement_id=dep_id, structure_id=structure_id
            ),
            "carnet:portefeuille": lambda: sql_portefeuille(
                departement_id=dep_id, user_id=referent.pk, structure_id=structure_id
            ),
            "carnet:detail": lambda: sql_carnet(departement_id=dep_id, uid=carnet_uid, user_id=referent.pk),
            "carnet:recherche": lambda: sql_recherche_pg_trgm(
                departement_id=dep_id, nom="martin", user_id=referent.pk, structure_id=structure_id
            ),
        }
        functions = {key: f for key, f in functions.items() if key == "socle" or key in by_name}
        samples = {key: [] for key in functions}
        for _ in range(iterations):
            for key, function in functions.items():
                start = time.perf_counter()
                function()
                samples[key].append((time.perf_counter() - start) * 1000)
        return {key: percentile(values, 0.95) for key, values in samples.items()}

    # Report

    def report(self, runs, excluded, baselines, departement, carnets_departement, carnets_total, loads, seuil):
        w = self.stdout.write
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        cpu = platform.processor()
        if os.path.exists("/proc/cpuinfo"):
            with open("/proc/cpuinfo") as cpuinfo:
                cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
        w("")
        w(
            f"Machine : {os.cpu_count()} cœur(s), {cpu}, charge {loads[0]:.1f} au début, {loads[1]:.1f} à la fin ; "
            f"PostgreSQL {pg_version} ; Python {platform.python_version()}, Django {django.get_version()} ; "
            f"{settings.SETTINGS_MODULE}, DEBUG=False."
        )
        w(
            f"Volume : {fr(carnets_departement)} carnets dans le département {departement.code}, "
            f"{fr(carnets_total)} au total."
        )
        measured = [run for run in runs if not run.skipped and run.samples]
        socle_run = next((run for run in measured if run.name == SOCLE_ROUTE), None)
        socle = percentile(socle_run.samples, 0.95) if socle_run else None
        w(
            f"Socle d'une page authentifiée ({SOCLE_ROUTE}) : p95 "
            + (f"{socle:.1f} ms" if socle is not None else "non mesuré")
            + f" ; son SQL écrit à la main (session, utilisateur, rattachements, second facteur, journal) : p95 "
            f"{baselines['socle']:.1f} ms."
        )
        w("")
        header = (
            f"{'Route':<44} {'persona':<22} {'HTTP':>4} {'req.':>4} {'p50':>7} {'p95':>7} {'hors socle':>10} "
            f"{'SQL p95':>7} {'ratio':>5} {'r. hors s.':>10}"
        )
        w(header)
        w("-" * len(header))
        over, errors = [], []
        for run in sorted(measured, key=lambda r: r.name):
            p50, p95 = percentile(run.samples, 0.5), percentile(run.samples, 0.95)
            own = p95 - socle if socle is not None and run.kind == "professionnel" else None
            sql = baselines.get(run.name)
            ratio = p95 / (sql + baselines["socle"]) if sql else None
            ratio_own = own / sql if sql and own is not None else None
            w(
                f"{run.name:<44} {run.persona[:22]:<22} {run.status:>4} {run.queries:>4} {p50:>7.1f} {p95:>7.1f} "
                + (f"{own:>10.1f}" if own is not None else f"{'—':>10}")
                + (f" {sql:>7.1f} {ratio:>5.1f}" if sql else f" {'—':>7} {'—':>5}")
                + (f" {ratio_own:>10.1f}" if ratio_own is not None else f" {'—':>10}")
            )
            if p95 > seuil:
                over.append((run, p95))
            if run.status >= 500:
                errors.append(run)
        skipped = [run for run in runs if run.skipped]
        errors += [run for run in skipped if run.status and run.status >= 500]
        w("")
        w(
            f"{len(measured)} routes mesurées, {len(skipped)} non mesurées, {len(excluded)} exclues ; "
            "« hors socle » : p95 de la page moins celui du socle ; « ratio » : p95 de la requête entière / SQL "
            "écrit à la main de tout ce qu'elle fait (socle compris) ; « r. hors s. » : page hors socle / SQL de la "
            "page."
        )
        if skipped:
            w("")
            w("Non mesurées :")
            for run in skipped:
                w(f"  {run.name} : {run.skipped}")
        if excluded:
            w("")
            w("Exclues :")
            for name, reason in excluded:
                w(f"  {name} : {reason}")
        w("")
        if over or errors:
            w(
                self.style.ERROR(
                    f"ÉCHEC : {len(over)} route(s) au-dessus de {seuil:g} ms au p95, {len(errors)} en erreur."
                )
            )
            for run, p95 in sorted(over, key=lambda item: -item[1]):
                w(self.style.ERROR(f"  {run.name} ({run.persona}) : p95 {p95:.1f} ms, {run.queries} requêtes"))
            for run in errors:
                w(self.style.ERROR(f"  {run.name} : HTTP {run.status}"))
            return True
        w(self.style.SUCCESS(f"Toutes les routes mesurées sont sous {seuil:g} ms au p95."))
        return False
