"""Measure the spreadsheet import of bénéficiaires: preview and run of a generated file, then the same file again.

    DATABASE_URL=postgresql://…/bench_flux python manage.py bench_import_tableur --lignes 10000 [--departement 76]

Generates a CSV file (windows-1252, semicolons, accents) of `--lignes` new people: NIR for most of them, e-mail or
phone for some, a few without any identifier (found again by name and birth date), communes of the département.
Then, as the admin's journey does (without Celery: the run is called directly): reading and upload, preview
(analysis of every line), run; then the same file again (must create nothing). Prints the time of each step,
lines per second and the process's CPU time and peak RSS. Writes people and carnets that cannot be removed: use a
benchmark database.
"""

import datetime
import os
import resource
import time
from random import Random

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from carnet.dev.generation import FEMALE_FIRST_NAMES, MALE_FIRST_NAMES, SURNAMES
from carnet.models import Beneficiaire
from partenaires.dev.generation_flux import nir_pour
from partenaires.imports.lecture import lire
from partenaires.imports.services import tableur_apercu, tableur_deposer, tableur_run
from partenaires.models import EtapeTableur, ImportTableur, StatutTraitement
from spie.models import Commune, Departement, Structure, User
from spie.spreadsheet import csv_text
from spie.tenancy import departement_scope
from spie.text import normalise

TARGET_SECONDS = 30
HEADER = ["Nom", "Prénom", "Date de naissance", "NIR", "Courriel", "Téléphone", "Code INSEE", "Date d'entrée RSA"]
MAPPING = {
    "nom_usage": "Nom",
    "prenoms": "Prénom",
    "date_naissance": "Date de naissance",
    "nir": "NIR",
    "courriel": "Courriel",
    "telephone": "Téléphone",
    "code_commune": "Code INSEE",
    "date_entree_rsa": "Date d'entrée RSA",
}


def generate_csv(count, *, departement, communes, premier, seed=2026):
    rng = Random(f"tableur-{seed}-{premier}")
    today = datetime.date.today()
    rows = [HEADER]
    for index in range(premier, premier + count):
        sexe = rng.choice("12")
        prenom = rng.choice(FEMALE_FIRST_NAMES if sexe == "2" else MALE_FIRST_NAMES)
        nom = rng.choice(SURNAMES)
        naissance = today - datetime.timedelta(days=rng.randint(19 * 365, 64 * 365))
        kind = rng.random()
        # NIRs far from those of the generated flux files (bench_flux), so that the two never meet.
        nir = nir_pour(sexe, naissance, departement, 700_000 + index) if kind < 0.8 else ""
        courriel = (
            f"{normalise(prenom)}.{normalise(nom)}.{index}@exemple.fr".replace(" ", "-") if 0.6 < kind < 0.9 else ""
        )
        telephone = f"06{index % 100_000_000:08d}" if 0.85 < kind < 0.95 else ""
        rows.append(
            [
                nom,
                prenom,
                naissance.strftime("%d/%m/%Y"),
                nir,
                courriel,
                telephone,
                rng.choice(communes),
                (today - datetime.timedelta(days=rng.randint(0, 400))).strftime("%d/%m/%Y"),
            ]
        )
    return csv_text(rows).encode("cp1252", errors="replace")


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Mesure l'import de tableur de bénéficiaires (aperçu et import de --lignes lignes, puis réimport)."

    def add_arguments(self, parser):
        parser.add_argument("--lignes", type=int, default=10_000)
        parser.add_argument("--departement", default="76", help="Code du département (déjà créé).")

    @override_settings(DEBUG=False)
    def handle(self, *args, lignes, departement, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département inconnu : créez-le d'abord.")
        with departement_scope(departement):
            communes = list(
                Commune.objects.filter(departement_id=departement.code).values_list("code_insee", flat=True)
            )
            structure = Structure.objects.filter(actif=True).order_by("pk").first()
            if not communes or structure is None:
                raise CommandError(
                    "Il faut les communes (charger_referentiels) et une structure active du département."
                )
            user, _ = User.objects.get_or_create(
                email=f"bench.imports.{departement.code}@generation.spie.invalid",
                defaults={"first_name": "Mesure", "last_name": "Imports", "password": make_password(None)},
            )
            started = time.perf_counter()
            content = generate_csv(
                lignes, departement=departement.code, communes=communes, premier=Beneficiaire.objects.count() + 1
            )
            self.stdout.write(
                f"Fichier généré : {lignes} lignes, {len(content) / 1024 / 1024:.1f} Mio (CSV windows-1252, « ; ») "
                f"en {time.perf_counter() - started:.1f} s ; {os.cpu_count()} cœurs, charge {os.getloadavg()[0]:.1f}"
            )
            first = self._journey(departement, structure, user, content, lignes, "1er import (tout est nouveau)")
            second = self._journey(departement, structure, user, content, lignes, "2e import (même fichier)")
        verdict = "OK" if first <= TARGET_SECONDS and second.crees == 0 else "OBJECTIF NON ATTEINT"
        self.stdout.write(
            f"Résultat : {lignes} lignes en {first:.1f} s (aperçu + import ; objectif ≤ {TARGET_SECONDS} s), "
            f"{second.crees} création(s) au réimport : {verdict}"
        )

    def _journey(self, departement, structure, user, content, lignes, label):
        cpu, steps = time.process_time(), {}
        started = time.perf_counter()
        tableau = lire(content, "beneficiaires.csv")
        row = tableur_deposer(
            departement=departement,
            structure=structure,
            type_="beneficiaires",
            fichier=ContentFile(content, name="beneficiaires.csv"),
            tableau=tableau,
            user=user,
        )
        steps["lecture et dépôt"] = time.perf_counter() - started
        mark = time.perf_counter()
        tableur_apercu(row=row, colonnes=MAPPING, user=user)
        steps["aperçu"] = time.perf_counter() - mark
        # What tableur_valider does, without enqueuing a Celery task: the run is called here.
        ImportTableur.objects.filter(pk=row.pk).update(etape=EtapeTableur.VALIDE, statut=StatutTraitement.EN_ATTENTE)
        mark = time.perf_counter()
        tableur_run(import_id=row.pk)
        steps["import"] = time.perf_counter() - mark
        total = time.perf_counter() - started
        row.refresh_from_db()
        row.fichier.delete(save=False)
        detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
        self.stdout.write(
            f"{label} : {total:.1f} s ({detail}), {lignes / total:.0f} lignes/s, CPU {time.process_time() - cpu:.1f} "
            f"s — créées {row.crees}, mises à jour {row.mis_a_jour}, inchangées {row.inchanges}, en erreur "
            f"{row.rejetes} ; statut {row.get_statut_display()} ; RSS max {rss_mib():.0f} Mio"
        )
        if row.statut != StatutTraitement.TERMINE:
            raise CommandError(f"Import en échec : {row.rapport.get('message')}")
        return total if label.startswith("1er") else row
