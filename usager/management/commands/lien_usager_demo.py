"""Print a fresh one-time link to the space of a demo person (development only, as the demo itself)."""

from django.core.management.base import BaseCommand, CommandError

from carnet.models import MembreGroupe
from spie.models import Departement
from spie.tenancy import departement_scope
from usager import services


class Command(BaseCommand):
    help = (
        "Affiche un lien à usage unique vers l'espace personnel d'une personne de démonstration "
        "(nom de famille : lefèvre ou martin). "
        "Le code de confirmation part ensuite à l'adresse de son carnet (la console en développement)."
    )

    def add_arguments(self, parser):
        parser.add_argument("nom", help="Nom de famille de la personne de démonstration.")

    def handle(self, *args, nom, **options):
        from django.conf import settings

        from usager.dev import demo

        if not getattr(settings, "SPIE_DEMO_DATA_ALLOWED", False):
            raise CommandError("Refusé : cette commande ne sert qu'avec les données de démonstration.")
        departement = Departement.objects.filter(code="76").first()
        if departement is None:
            raise CommandError("Les données de démonstration manquent : lancez « manage.py charger_demo ».")
        with departement_scope(departement):
            personnes = [b for b in demo.beneficiaires(departement) if b.nom_usage.lower() == nom.lower()]
            if not personnes:
                raise CommandError(f"Aucune personne de démonstration ne s'appelle « {nom} ».")
            carnet = personnes[0].carnet
            referent = MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user").first()
            lien = services.lien_emettre(beneficiaire=personnes[0], canal=None, emis_par=referent.user)
        self.stdout.write(
            f"Lien à usage unique pour {personnes[0].nom_complet} (valable {settings.USAGER_LIEN_HEURES} heures) :\n"
            f"{lien.url}\nLe code de confirmation part à l'adresse de son carnet (la console en développement)."
        )
