"""Relevance of the suggested offers on the hand-written set of offre/dev/pertinence.py: precision at 5.

    DJANGO_SETTINGS_MODULE=spie.settings.dev python manage.py bench_pertinence [--detail]

Works in the benchmark database of `bench_suggestions` (`<database>_bench_suggestions`, created and migrated on
the first run), inside a transaction rolled back at the end: the set is written, measured and removed. Prints the
mean precision@5 of the structured match alone and with the semantic ranking (when the `semantique` extra is
installed; the catalogue's embeddings are computed first, on this server).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from offre.management.commands.bench_offre import Command as BenchOffre


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Précision à 5 des offres suggérées sur le jeu de 30 personnes écrit à la main."

    def add_arguments(self, parser):
        parser.add_argument("--detail", action="store_true", help="La précision de chaque personne.")
        parser.add_argument("--base", default="", help="Base de mesure (défaut : <base courante>_bench_suggestions).")

    def handle(self, *args, detail, base, **options):
        from django.conf import settings

        name = base or f"{settings.DATABASES['default']['NAME']}_bench_suggestions"
        BenchOffre.use_database(self, name)
        call_command("migrate", verbosity=0)
        try:
            with transaction.atomic():
                self.measure(detail)
                raise Rollback
        except Rollback:
            pass

    def measure(self, detail):
        from offre import semantique, services
        from offre.dev import pertinence
        from spie.models import Departement
        from spie.tenancy import departement_scope

        today = timezone.localdate()
        tenant, _ = Departement.objects.get_or_create(code=pertinence.DEP, defaults={"nom": "Ardennes"})
        with departement_scope(tenant):
            catalogue, communes = pertinence.charger(tenant, today=today)
            rows = [("structurée seule", pertinence.evaluer(catalogue, communes, avec_semantique=False, today=today))]
            if semantique.disponible():
                self.stdout.write("Calcul des plongements du catalogue…")
                services.embeddings_refresh()
                mesure = pertinence.evaluer(catalogue, communes, avec_semantique=True, today=today)
                rows.append(("avec classement sémantique", mesure))
                if not mesure.semantique_partout:
                    self.stdout.write("Attention : le classement sémantique n'a pas tourné pour chaque personne.")
            else:
                self.stdout.write(
                    "Le paquet du modèle (extra « semantique ») n'est pas installé : correspondance seule."
                )
        self.stdout.write(
            f"\n{len(pertinence.PERSONNES)} personnes, {len(pertinence.CATALOGUE)} offres (jeu écrit à la main)."
        )
        for label, mesure in rows:
            self.stdout.write(
                f"{label} : précision à 5 {mesure.precision_5:.2f} ; première suggestion attendue pour "
                f"{mesure.premier_attendu:.0%} des personnes"
            )
            if detail:
                self.stdout.write("  " + " ".join(f"{p:.2f}" for p in mesure.precisions))
