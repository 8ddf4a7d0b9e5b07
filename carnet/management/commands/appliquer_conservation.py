"""Apply the retention of the carnets now (the daily beat task does the same): dry run unless --wet-run."""

from django.core.management.base import BaseCommand

from carnet.tasks import conservation_par_departement


class Command(BaseCommand):
    help = (
        "Conservation des carnets : prévient les référents, anonymise les carnets échus, supprime les personnes "
        "jamais accompagnées. Sans --wet-run, compte seulement ce qui serait fait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wet-run", action="store_true", help="applique réellement (sinon : simulation)")

    def handle(self, *args, wet_run, **options):
        bilans = conservation_par_departement(wet_run=wet_run)
        mode = "appliqué" if wet_run else "simulation, rien n'est modifié"
        self.stdout.write(f"Conservation des carnets ({mode}) :")
        for code, b in bilans.items():
            if wet_run:
                self.stdout.write(
                    f"  {code} : {b.prevenus} alerte(s) envoyée(s), {b.anonymises} carnet(s) anonymisé(s), "
                    f"{b.supprimes} personne(s) jamais accompagnée(s) supprimée(s)"
                    + (f", {len(b.erreurs)} échec(s) (voir le journal)" if b.erreurs else "")
                )
            else:
                self.stdout.write(
                    f"  {code} : {b.prevenus} alerte(s) à envoyer, {b.a_anonymiser} carnet(s) à anonymiser, "
                    f"{b.a_supprimer} personne(s) jamais accompagnée(s) à supprimer"
                )
