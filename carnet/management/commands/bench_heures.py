"""Measure the hours page of a contrat d'engagement ("target / planned / done") on a volume database.

    # production settings, as for bench_carnet (see README, "Mesures")
    python manage.py bench_heures --departement 76 [--contrats 50] [--semaines 26] [--iterations 200]

The référent of `bench_carnet` (`referent.bench.<code>@generation.spie.invalid`, created and given carnets on
first use) gets, on `--contrats` of its carnets, a contrat d'engagement signed `--semaines` weeks ago with three
activities a week (created once; later runs reuse them). Then the page goes through the whole stack (middleware,
session, tenant scope, access log, template) with the Django test `Client`, in a round robin over the contracts,
and the week-by-week computation alone (`releve_hebdomadaire`) is timed too. Prints p50/p95 in ms, SQL queries
per page, the volume of the département, the machine and its load. Run it on a benchmark database, never on real
data: it writes contracts, activities and access-log rows.
"""

import datetime
import os
import platform
import time
from random import Random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from carnet.management.commands.bench_carnet import Command as BenchCarnet
from carnet.management.commands.bench_carnet import p50_p95
from carnet.models import ActiviteEngagement, Carnet, Contrat, MembreGroupe, StatutContrat, TypeContrat
from carnet.services.activites import releve_hebdomadaire
from spie.dev.demo import client_connecte
from spie.models import Departement
from spie.tenancy import departement_scope

TARGET_PAGE_MS = 100
TYPES = ["atelier", "formation", "recherche_emploi"]


class Command(BaseCommand):
    help = "Mesure p50/p95 de la page des heures d'un contrat d'engagement (objectif / prévues / réalisées)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", default="76")
        parser.add_argument("--contrats", type=int, default=50, help="Contrats d'engagement mesurés.")
        parser.add_argument("--semaines", type=int, default=26, help="Ancienneté des contrats, en semaines.")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, departement, contrats, semaines, iterations, seed, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département introuvable.")
        with departement_scope(departement):
            if not Carnet.objects.exists():
                raise CommandError("Aucun carnet dans ce département : lancez d'abord « generer_carnets ».")
            bench = BenchCarnet(stdout=self.stdout, stderr=self.stderr)
            referent, structure = bench.bench_referent(departement, contrats, Random(seed))
            ces = self.contrats(departement, referent, structure, contrats, semaines)
            carnets = Carnet.objects.count()
            activites = ActiviteEngagement.objects.count()
            client = client_connecte(referent)
            urls = [
                reverse("carnet:contrat_heures", kwargs={"uid": ce.carnet.uid, "contrat_uid": ce.uid}) for ce in ces
            ]
            load_before = os.getloadavg()[0]
            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], DEBUG=False):
                page_ms, releve_ms, queries = self.measure(client, urls, ces, iterations)
            load_after = os.getloadavg()[0]
        page, releve = p50_p95(page_ms), p50_p95(releve_ms)
        self.stdout.write(
            f"Département {departement.code} : {carnets} carnets, {activites} activités de contrats d'engagement ; "
            f"{len(ces)} contrats de {semaines} semaines mesurés, {iterations} itérations."
        )
        self.stdout.write(f"{'Mesure (ms)':<52} {'p50':>6} {'p95':>6} {'req.':>5}  cible")
        verdict = "OK" if page[1] <= TARGET_PAGE_MS else "AU-DELÀ"
        self.stdout.write(
            f"{'page des heures (pile complète)':<52} {page[0]:>6.1f} {page[1]:>6.1f} {queries:>5}  "
            f"p95 ≤ {TARGET_PAGE_MS} : {verdict}"
        )
        self.stdout.write(
            f"{'calcul semaine par semaine (releve_hebdomadaire)':<52} {releve[0]:>6.1f} {releve[1]:>6.1f}"
        )
        self.stdout.write(
            f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
            f"charge {load_before:.2f} → {load_after:.2f}"
        )

    def contrats(self, departement, referent, structure, wanted, semaines):
        """A signed contrat d'engagement on `wanted` carnets of the référent, with three activities a week."""
        today = timezone.localdate()
        debut = today - datetime.timedelta(days=today.weekday(), weeks=semaines)
        carnet_ids = list(
            MembreGroupe.objects.actifs()
            .filter(user=referent, structure=structure)
            .order_by("carnet_id")
            .values_list("carnet_id", flat=True)[:wanted]
        )
        existing = {
            c.carnet_id: c
            for c in Contrat.objects.filter(
                carnet_id__in=carnet_ids, type=TypeContrat.CONTRAT_ENGAGEMENT, statut=StatutContrat.SIGNE
            ).select_related("carnet")
        }
        missing = [pk for pk in carnet_ids if pk not in existing]
        if missing:
            with transaction.atomic():
                for carnet_id in missing:
                    # Written directly (as the volume generator does): the service's rules are not what is measured.
                    ce = Contrat.objects.create(
                        departement=departement,
                        carnet_id=carnet_id,
                        type=TypeContrat.CONTRAT_ENGAGEMENT,
                        statut=StatutContrat.SIGNE,
                        date_signature=debut,
                        date_debut=debut,
                        date_fin=debut + datetime.timedelta(weeks=52),
                        heures_hebdomadaires=15,
                        structure=structure,
                        created_by=referent,
                    )
                    ActiviteEngagement.objects.bulk_create(
                        ActiviteEngagement(
                            departement=departement,
                            contrat=ce,
                            carnet_id=carnet_id,
                            type=TYPES[jour % 3],
                            date=debut + datetime.timedelta(weeks=semaine, days=jour),
                            duree_minutes=240 + 60 * ((semaine + jour) % 3),
                            etat="realisee",
                            auteur=referent,
                            structure=structure,
                        )
                        for semaine in range(semaines)
                        for jour in range(3)
                    )
            self.stdout.write(f"{len(missing)} contrat(s) d'engagement créés avec {3 * semaines} activités chacun.")
        return list(
            Contrat.objects.filter(
                carnet_id__in=carnet_ids, type=TypeContrat.CONTRAT_ENGAGEMENT, statut=StatutContrat.SIGNE
            ).select_related("carnet")
        )

    def measure(self, client, urls, ces, iterations):
        page_ms, releve_ms = [], []
        with CaptureQueriesContext(connection) as captured:
            response = client.get(urls[0])
        if response.status_code != 200:
            raise CommandError(f"La page répond {response.status_code}.")
        queries = len(captured.captured_queries)
        for index in range(iterations):
            url, ce = urls[index % len(urls)], ces[index % len(ces)]
            start = time.perf_counter()
            client.get(url)
            page_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            releve_hebdomadaire(ce)
            releve_ms.append((time.perf_counter() - start) * 1000)
        return page_ms, releve_ms, queries
