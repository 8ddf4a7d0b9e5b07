"""Benchmark of the indicators: the month's computation and its PDF report for one département.

    python manage.py generer_carnets --beneficiaires 100000 --departement 76   # carnets + orientation history
    python manage.py bench_indicateurs --departement 76 [--mois 2026-10] [--repetitions 3]

Prints the time of each indicator (one SQL query per indicator for every perimeter, plus one for the
breakdowns), of the whole month, and of the PDF (département + each territory). Run it in the benchmark
database: it writes the month's series (as the nightly task would).
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from carnet.models import Carnet
from orientation.models import DossierOrientation
from spie.models import Departement, Territoire
from spie.tenancy import departement_scope
from suivi.indicateurs import calcul, rapport
from suivi.indicateurs.definitions import INDICATEURS


def fr(nombre, decimales=2):
    return f"{nombre:,.{decimales}f}".replace(",", " ").replace(".", ",")


class Command(BaseCommand):
    help = "Mesure le calcul des indicateurs d'un mois et la production du rapport PDF pour un département."

    def add_arguments(self, parser):
        parser.add_argument("--departement", required=True, help="Code du département.")
        parser.add_argument("--mois", help="Mois mesuré, AAAA-MM (par défaut : le dernier mois complet).")
        parser.add_argument("--repetitions", type=int, default=3)

    def handle(self, *args, departement, mois, repetitions, **options):
        dep = Departement.objects.filter(code=departement).first()
        if dep is None:
            raise CommandError(f"Département {departement} introuvable.")
        import datetime

        from django.utils import timezone

        mois = (
            datetime.datetime.strptime(mois, "%Y-%m").date()
            if mois
            else calcul.mois_precedent(timezone.localdate().replace(day=1))
        )
        with departement_scope(dep):
            carnets, dossiers = Carnet.objects.count(), DossierOrientation.objects.count()
            territoires = Territoire.objects.count()
        self.stdout.write(
            f"Base « {connection.settings_dict['NAME']} », {dep.nom} : {fr(carnets, 0)} carnets, {fr(dossiers, 0)} "
            f"dossiers d'orientation, {territoires} territoires ; mois mesuré : {mois:%m/%Y}."
        )
        if not dossiers:
            self.stdout.write(self.style.WARNING("Aucun dossier d'orientation : lancez generer_carnets (historique)."))
        debut = time.perf_counter()
        manquants = calcul.mois_manquants(dep, mois.replace(year=mois.year - 1), mois)
        for manquant in manquants:
            calcul.calculer_mois(dep, manquant)
        self.stdout.write(
            f"Mise en place : {len(manquants)} mois d'historique manquants calculés en "
            f"{fr(time.perf_counter() - debut)} s (hors mesure)."
        )

        params = calcul.parametres(dep, mois, fenetre=calcul.fenetre_du_departement(dep))
        self.stdout.write("\nPar indicateur (une requête pour tous les périmètres, + une pour les répartitions) :")
        with departement_scope(dep):
            for indicateur in INDICATEURS:
                durees = []
                for _ in range(repetitions):
                    t = time.perf_counter()
                    calcul.calculer_indicateur(indicateur, params)
                    durees.append(time.perf_counter() - t)
                self.stdout.write(f"  {indicateur.code:<24} {fr(min(durees) * 1000, 0):>7} ms")

        totaux, calculs, pdfs, taille = [], [], [], 0
        for _ in range(repetitions):
            t0 = time.perf_counter()
            resultat = calcul.calculer_mois(dep, mois)
            t1 = time.perf_counter()
            with departement_scope(dep):
                sections = rapport.sections(dep, mois)
            contenu = rapport.pdf(dep, mois, sections)
            t2 = time.perf_counter()
            calculs.append(t1 - t0)
            pdfs.append(t2 - t1)
            totaux.append(t2 - t0)
            taille = len(contenu)
        self.stdout.write(
            f"\nMois complet ({resultat.lignes} valeurs stockées) : médiane {fr(statistics.median(calculs))} s ; "
            f"rapport PDF ({len(sections)} sections, {fr(taille / 1024, 0)} Kio) : médiane "
            f"{fr(statistics.median(pdfs))} s."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Indicateurs du mois + PDF : médiane {fr(statistics.median(totaux))} s, pire "
                f"{fr(max(totaux))} s sur {repetitions} passages (cible : 10 s)."
            )
        )
