"""Benchmark of the statutory reports: the DREES table, the employment committees' export and the legal delays.

    python manage.py generer_carnets --beneficiaires 100000 --departement 76   # carnets + orientation history
    python manage.py bench_rapports_legaux --departement 76 [--annee 2025] [--debut 2025-01-01 --fin 2025-12-31]

Each report is built as its CSV export builds it (query, rows, the CSV bytes), `--repetitions` times; prints
the wall time and the process CPU time of each run (the rest of the wall time is the database's, or waiting
on a loaded machine) and the load average. Reads only: any database holding the generated carnets will do.
"""

import datetime
import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from carnet.models import Carnet
from orientation.models import DossierOrientation
from spie.models import Departement
from spie.spreadsheet import csv_bytes
from spie.tenancy import departement_scope
from suivi.indicateurs import legaux
from suivi.indicateurs import rapports_legaux as calcul

CIBLE_SECONDES = 10


def fr(nombre, decimales=2):
    return f"{nombre:,.{decimales}f}".replace(",", " ").replace(".", ",")


class Command(BaseCommand):
    help = "Mesure le tableau de la DREES, l'export pour les comités pour l'emploi et les délais légaux."

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True, help="Code du département.")
        parser.add_argument("--annee", type=int, help="Année du tableau de la DREES (par défaut : l'an dernier).")
        parser.add_argument(
            "--debut", help="Premier jour de l'export des comités, AAAA-MM-JJ (par défaut : 1er janvier)."
        )
        parser.add_argument("--fin", help="Dernier jour de l'export des comités (par défaut : 31 décembre).")
        parser.add_argument("--repetitions", type=int, default=3)

    def handle(self, *args, departement, annee, debut, fin, repetitions, **options):
        dep = Departement.objects.filter(code=departement).first()
        if dep is None:
            raise CommandError(f"Département {departement} introuvable.")
        annee = annee or timezone.localdate().year - 1
        try:
            debut = datetime.date.fromisoformat(debut) if debut else datetime.date(annee, 1, 1)
            fin = datetime.date.fromisoformat(fin) if fin else datetime.date(annee, 12, 31)
        except ValueError as erreur:
            raise CommandError("Dates attendues au format AAAA-MM-JJ.") from erreur
        with departement_scope(dep):
            carnets, dossiers = Carnet.objects.count(), DossierOrientation.objects.count()
        self.stdout.write(
            f"Base « {connection.settings_dict['NAME']} », {dep.nom} : {fr(carnets, 0)} carnets, {fr(dossiers, 0)} "
            f"dossiers d'orientation ; charge de la machine : {' / '.join(fr(c) for c in os.getloadavg())} "
            f"(1, 5, 15 min, {os.cpu_count()} cœurs)."
        )

        def drees():
            lignes = calcul.tableau_drees(dep, annee)
            contenu = csv_bytes([legaux.COLONNES_DREES, *(ligne.csv(annee) for ligne in lignes)])
            return f"{fr(lignes[0].ensemble, 0)} personnes au 31/12/{annee}, {len(lignes)} lignes", len(contenu)

        def comites():
            lignes = calcul.liste_comites(dep, debut, fin)
            contenu = csv_bytes([legaux.COLONNES_COMITES, *(ligne.csv() for ligne in lignes)])
            return f"{fr(len(lignes), 0)} personnes orientées du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}", len(contenu)

        def delais():
            resultat = calcul.delais(dep, datetime.date(annee, 1, 1), datetime.date(annee, 12, 1))
            contenu = csv_bytes([legaux.COLONNES_DELAIS, *(ligne.csv() for ligne in resultat.lignes())])
            return f"{fr(resultat.periode.orientations, 0)} orientations sur 12 mois", len(contenu)

        with departement_scope(dep):
            for titre, mesure in (
                ("Tableau de la DREES (CSV)", drees),
                ("Export pour les comités (CSV)", comites),
                ("Délais légaux sur 12 mois (CSV)", delais),
            ):
                murs, cpus = [], []
                for _ in range(repetitions):
                    mur, cpu = time.perf_counter(), time.process_time()
                    description, taille = mesure()
                    murs.append(time.perf_counter() - mur)
                    cpus.append(time.process_time() - cpu)
                style = self.style.SUCCESS if statistics.median(murs) <= CIBLE_SECONDES else self.style.WARNING
                self.stdout.write(
                    style(
                        f"{titre} : {description}, {fr(taille / 1024, 0)} Kio ; médiane "
                        f"{fr(statistics.median(murs))} s (pire {fr(max(murs))} s), temps processeur du processus "
                        f"médian {fr(statistics.median(cpus))} s,"
                        f" sur {repetitions} passages (cible : {CIBLE_SECONDES} s)."
                    )
                )
