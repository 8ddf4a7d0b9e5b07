"""Measure "Ma journée" (the home page with its action lists) at scale.

    # production settings (DEBUG off, cached templates, collected static files)
    export DJANGO_SETTINGS_MODULE=spie.settings.base SECRET_KEY=mesure ALLOWED_HOSTS=testserver STATIC_ROOT=/tmp/st
    python manage.py collectstatic --noinput -v0
    python manage.py bench_journee --departement 76 [--iterations 50] [--portefeuille 100]

The lists are computed at every view (nothing stored): the page goes through the whole stack (middleware,
session, tenant scope, access log, template) with the Django test `Client`, logged in as the référent of
`bench_carnet` (who takes over `--portefeuille` carnets on the first run) and as a structure manager of the
structure that follows the most people (`?vue=structure`). Prints p50/p95 in ms and the SQL queries per page,
the list sizes, the volume, and the machine's load at the start and at the end.

Writes a little: the bench référent's carnets on the first run (through the carnet service), a manager's
membership of its own (`responsable.bench.<code>@...`), one access-log row per page view. Run it on a
benchmark database (see `generer_carnets`), never on real data.
"""

import os
import platform
import time
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from carnet.dev.generation import GENERATED_EMAIL_DOMAIN
from carnet.management.commands.bench_carnet import Command as BenchCarnet
from carnet.management.commands.bench_carnet import p50_p95
from carnet.models import Carnet, MembreGroupe
from spie.dev.demo import client_connecte
from spie.models import Departement, Membership, Role, Structure, User
from spie.tenancy import departement_scope
from suivi.services.base import regles_en_lecture
from suivi.services.listes import listes_professionnel, listes_structure

TARGET_MS = 100


class Command(BaseCommand):
    help = "Mesure p50/p95 et requêtes SQL de « Ma journée » (référent et responsable de structure)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", default="76")
        parser.add_argument("--iterations", type=int, default=50)
        parser.add_argument("--portefeuille", type=int, default=100, help="Carnets suivis par le référent mesuré.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, departement, iterations, portefeuille, seed, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département introuvable.")
        with departement_scope(departement):
            if not Carnet.objects.exists():
                raise CommandError("Aucun carnet dans ce département : lancez d'abord « generer_carnets ».")
            bench = BenchCarnet(stdout=self.stdout, stderr=self.stderr)
            referent, _ = bench.bench_referent(departement, portefeuille, Random(seed))
            manager, structure = self.bench_manager(departement)
            jours = regles_en_lecture(departement).digest_sans_rdv_jours
            tailles = {
                "référent": listes_professionnel(user=referent, jours=jours),
                "structure": listes_structure(structure=structure, jours=jours),
            }
            tailles = {label: {liste.code: liste.nombre for liste in lists} for label, lists in tailles.items()}
            suivis = {
                "référent": Carnet.objects.suivis_par(referent).count(),
                "structure": Carnet.objects.avec_membre_de(structure).count(),
            }
            carnets = Carnet.objects.count()
        cases = []
        for label, user, url in (
            ("référent", referent, reverse("spie:accueil")),
            ("structure", manager, reverse("spie:accueil") + "?vue=structure"),
            ("portefeuille de la structure", manager, reverse("carnet:portefeuille_structure")),
        ):
            cases.append((label, client_connecte(user), url))
        load_before = os.getloadavg()[0]
        results = {}
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
            for label, client, url in cases:  # warm-up (templates, connections)
                client.get(url, secure=True)  # production settings redirect plain http to https
            samples = {label: [] for label, _, _ in cases}
            cpu = {label: [] for label, _, _ in cases}
            queries = {}
            for _ in range(iterations):
                for label, client, url in cases:
                    with CaptureQueriesContext(connection) as captured:
                        start, start_cpu = time.perf_counter(), time.process_time()
                        response = client.get(url, secure=True)
                        samples[label].append((time.perf_counter() - start) * 1000)
                        cpu[label].append((time.process_time() - start_cpu) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"{url} : {response.status_code}")
                    queries[label] = len(captured.captured_queries)
            for label in samples:
                results[label] = (*p50_p95(samples[label]), p50_p95(cpu[label])[1], queries[label])
        load_after = os.getloadavg()[0]

        self.stdout.write(
            f"Ma journée — département {departement.code}, {carnets} carnets ; {iterations} itérations ; "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} cœurs ; "
            f"charge {load_before:.1f} → {load_after:.1f}"
        )
        suivis["portefeuille de la structure"] = suivis["structure"]
        self.stdout.write(
            "| Vue | personnes suivies | p50 / p95 (ms) | CPU du processus p95 (ms) | requêtes | cible p95 |"
        )
        self.stdout.write("| --- | --- | --- | --- | --- | --- |")
        for label, (p50, p95, cpu_p95, n) in results.items():
            ok = "atteinte" if p95 <= TARGET_MS else "**manquée**"
            self.stdout.write(
                f"| {label} | {suivis[label]} | {p50:.1f} / {p95:.1f} | {cpu_p95:.1f} | {n} | ≤ {TARGET_MS} : {ok} |"
            )
        for label, sizes in tailles.items():
            self.stdout.write(f"Listes ({label}) : " + ", ".join(f"{code} {n}" for code, n in sizes.items()))

    def bench_manager(self, departement):
        """A structure manager of the structure whose professionals follow the most people."""
        biggest = (
            MembreGroupe.objects.actifs()
            .values("structure_id")
            .annotate(n=Count("carnet_id", distinct=True))
            .order_by("-n", "structure_id")
            .first()
        )
        structure = Structure.objects.get(pk=biggest["structure_id"])
        email = f"responsable.bench.{departement.code.lower()}@{GENERATED_EMAIL_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create(
                email=email, first_name="Romain", last_name="Responsable", password=make_password(None)
            )
        if not Membership.objects.filter(user=user, structure=structure, is_active=True).exists():
            Membership.objects.filter(user=user).update(is_active=False)
            Membership.objects.create(
                departement=departement, user=user, structure=structure, role=Role.RESPONSABLE_STRUCTURE
            )
        return user, structure
