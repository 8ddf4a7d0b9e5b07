"""Time of one suggestion (offre.suggestions.suggerer) on a large generated catalogue: wall and process CPU.

    DJANGO_SETTINGS_MODULE=spie.settings.dev python manage.py bench_suggestions [--services 50000]
        [--iterations 200] [--textes 1000]

Works in its own database (`<database>_bench_suggestions`, created and migrated on the first run, kept for the
next ones), with the generator of `bench_offre` (`--services` services in the département 76). The generated
services have no coordinates: the benchmark gives each a position in the département drawn from its id (in that
database only), so that the distances are computed as for a real catalogue.

Embeddings (when the `semantique` extra is installed): `--textes` distinct service texts are embedded for real;
every other service stores the vector of one of them. Embedding 50,000 texts takes hours of CPU on a small
shared machine, and the time of a suggestion does not depend on the values of the vectors, only on how many
are read (the preselection: at most `PRESELECTION`).

Profiles are drawn at random (seeded): one to three open axes, zero to two situations, one of the département's
communes, a mobility radius, a project text. Each profile is measured structured only, then with the semantic
ranking; the person's text is embedded once per profile (a first call, measured apart, then cached).
Wall time is the loaded machine's; process CPU time (`time.process_time`) is what the suggestion itself costs.
"""

import math
import os
import time
from random import Random

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from offre.management.commands.bench_offre import Command as BenchOffre

TARGET_MS = 100
PROJETS = [
    "Devenir aide-soignante",
    "Passer le permis de conduire",
    "Travailler dans la logistique",
    "Trouver un logement",
    "Reprendre confiance en moi",
    "Apprendre le français",
    "Créer mon entreprise",
    "Faire garder mes enfants",
    "Utiliser un ordinateur",
    "Cuisinier en restauration",
]


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Command(BaseCommand):
    help = "Mesure le temps d'une suggestion d'offres (mur et CPU du processus) sur un grand catalogue généré."

    def add_arguments(self, parser):
        parser.add_argument("--services", type=int, default=50_000)
        parser.add_argument("--departement", default="76")
        parser.add_argument("--iterations", type=int, default=200)
        parser.add_argument("--textes", type=int, default=1000, help="Textes de service plongés pour de vrai.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--base", default="", help="Base de mesure (défaut : <base courante>_bench_suggestions).")

    def handle(self, *args, services, departement, iterations, textes, seed, base, **options):
        from django.conf import settings

        name = base or f"{settings.DATABASES['default']['NAME']}_bench_suggestions"
        BenchOffre.use_database(self, name)
        call_command("migrate", verbosity=0)
        from offre import semantique
        from offre.dev.generation import generate
        from spie.models import Commune, Departement, RefDepartement
        from spie.tenancy import departement_scope

        if not Commune.objects.filter(departement_id=departement).exists():
            self.stdout.write("Chargement du référentiel géographique…")
            call_command("charger_referentiels", verbosity=0, stdout=open(os.devnull, "w"))
        ref = RefDepartement.objects.get(code=departement)
        tenant, _ = Departement.objects.get_or_create(code=departement, defaults={"nom": ref.nom})
        with departement_scope(tenant):
            created = generate(departement=tenant, total=services, seed=seed, log=self.stdout.write)
            self.positions(tenant)
            if semantique.disponible():
                self.embeddings(tenant, textes)
            if created:
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
            results = self.measure(tenant, iterations, Random(seed))
        self.report(name, tenant, results)

    def positions(self, tenant):
        """A position for every generated service without one, drawn from its id (benchmark database only)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE offre_service SET latitude = 49.3 + (abs(hashtext(di_id)) %% 1000) / 1000.0 * 0.8, "
                "longitude = 0.5 + (abs(hashtext(di_id || '.')) %% 1000) / 1000.0 * 1.3 "
                "WHERE departement_id = %s AND latitude IS NULL",
                [tenant.pk],
            )

    def embeddings(self, tenant, textes):
        from offre import semantique
        from offre.models import EmbeddingService, Service

        missing = Service.objects.filter(embedding__isnull=True)
        if not missing.exists():
            return
        pool = list(Service.objects.order_by("pk").only("nom", "thematiques", "description", "publics_precisions"))
        pool = pool[:textes]
        self.stdout.write(f"Plongement de {len(pool)} textes de services…")
        started = time.perf_counter()
        vectors = semantique.encoder([semantique.service_text(s) for s in pool])
        self.stdout.write(f"  {len(pool)} textes en {time.perf_counter() - started:.0f} s.")
        batch = []
        for index, pk in enumerate(missing.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)):
            batch.append(
                EmbeddingService(
                    departement=tenant,
                    service_id=pk,
                    modele=semantique.MODELE,
                    empreinte="bench",
                    vecteur=semantique.to_bytes(vectors[index % len(pool)]),
                )
            )
            if len(batch) == 5000:
                EmbeddingService.objects.bulk_create(batch)
                batch = []
        EmbeddingService.objects.bulk_create(batch)

    def profiles(self, rng, iterations, departement):
        from carnet.models import Situation, Theme
        from offre import suggestions
        from spie.models import Commune

        themes = list(Theme.objects.all())
        situations = list(Situation.objects.filter(departement=None))
        communes = list(
            Commune.objects.filter(departement_id=departement.code)
            .select_related("epci")
            .order_by("-population")[:300]
        )
        mapping = suggestions.correspondances()
        result = []
        for index in range(iterations):
            result.append(
                suggestions.profil(
                    axes=rng.sample(themes, rng.randint(1, 3)),
                    situations=rng.sample(situations, rng.randint(0, 2)),
                    commune=rng.choice(communes),
                    rayon_km=rng.choice([10, 20, 30, None]),
                    publics={rng.choice(["jeunes", "beneficiaires-des-minimas-sociaux", "demandeurs-emploi"])},
                    texte=f"{rng.choice(PROJETS)} ({index})",
                    mapping=mapping,
                )
            )
        return result

    def measure(self, departement, iterations, rng):
        from offre import semantique
        from offre.suggestions import suggerer

        profiles = self.profiles(rng, iterations, departement)
        for profile in profiles[:3]:
            suggerer(profile, avec_semantique=False)
        results = {"structurée seule": ([], []), "avec sémantique": ([], []), "texte de la personne": ([], [])}
        candidats = []
        for profile in profiles:
            wall, cpu = time.perf_counter(), time.process_time()
            resultat = suggerer(profile, avec_semantique=False)
            results["structurée seule"][0].append((time.perf_counter() - wall) * 1000)
            results["structurée seule"][1].append((time.process_time() - cpu) * 1000)
            candidats.append(resultat.candidats)
            if semantique.disponible():
                wall, cpu = time.perf_counter(), time.process_time()
                semantique.person_vector(profile.texte)
                results["texte de la personne"][0].append((time.perf_counter() - wall) * 1000)
                results["texte de la personne"][1].append((time.process_time() - cpu) * 1000)
                wall, cpu = time.perf_counter(), time.process_time()
                resultat = suggerer(profile, avec_semantique=True)
                results["avec sémantique"][0].append((time.perf_counter() - wall) * 1000)
                results["avec sémantique"][1].append((time.process_time() - cpu) * 1000)
                if not resultat.semantique:
                    raise RuntimeError("Le classement sémantique n'a pas tourné.")
        return {"mesures": {k: v for k, v in results.items() if v[0]}, "candidats": candidats}

    def report(self, name, departement, results):
        from offre.models import EmbeddingService, Service
        from spie.tenancy import departement_scope

        with departement_scope(departement):
            volume = Service.objects.count()
            vectors = EmbeddingService.objects.count()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        w = self.stdout.write
        w("")
        w(
            f"Machine : {cores} cœur(s), charge {'/'.join(f'{x:.1f}' for x in os.getloadavg())} ; "
            f"PostgreSQL {pg_version} ; base {name}."
        )
        w(f"Volume : {volume} services dans le département {departement.code}, {vectors} plongements.")
        candidats = results["candidats"]
        w(
            f"Candidats de la correspondance structurée par personne : p50 {percentile(candidats, 0.5)}, "
            f"p95 {percentile(candidats, 0.95)}."
        )
        w("")
        header = f"{'Mesure (ms)':<24} {'mur p50':>8} {'p95':>7} | {'CPU p50':>8} {'p95':>7}"
        w(header)
        w("-" * len(header))
        worst = 0.0
        for label, (wall, cpu) in results["mesures"].items():
            if label != "texte de la personne":
                worst = max(worst, percentile(wall, 0.95))
            w(
                f"{label:<24} {percentile(wall, 0.5):>8.1f} {percentile(wall, 0.95):>7.1f} | "
                f"{percentile(cpu, 0.5):>8.1f} {percentile(cpu, 0.95):>7.1f}"
            )
        w("")
        verdict = "OK" if worst <= TARGET_MS else "manquée"
        w(f"Cible : p95 ≤ {TARGET_MS} ms par suggestion ; pire p95 (mur) : {worst:.1f} ms ({verdict}).")
        w(
            "« texte de la personne » : premier plongement du texte d'une personne (ensuite gardé en mémoire du "
            "processus) ; « CPU » : temps processeur du processus Python (hors PostgreSQL)."
        )
