"""Demo data: two départements, their structures and one user per role (development only).

Idempotent: every row is found by its natural key before being created, so the run command can
call it at every start. Later issues extend `spie.demo` with carnets, offers and indicators.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from spie.dev import demo

FLAG = "--je-sais-ce-que-je-fais"


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (idempotent) et affiche les identifiants de démonstration. "
        "Les comptes créés ont un mot de passe, un secret TOTP et un jeton d'API (tous les droits) publiés : "
        "la commande refuse de tourner avec les réglages de production (spie.settings.base ou tout module qui ne "
        "pose pas SPIE_DEMO_DATA_ALLOWED = True, comme le font seuls spie.settings.dev et spie.settings.test), "
        f"même avec {FLAG} ; ailleurs, elle tourne si DEBUG est activé, ou avec {FLAG}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="N'affiche pas le tableau des identifiants.")
        parser.add_argument(
            FLAG,
            dest="je_sais_ce_que_je_fais",
            action="store_true",
            help="Charge la démonstration même si DEBUG est désactivé (jamais avec les réglages de production).",
        )

    def check_allowed(self, options):
        """Refuse before touching the database: production settings never, elsewhere DEBUG or the flag."""
        from django.conf import settings

        if not getattr(settings, "SPIE_DEMO_DATA_ALLOWED", False):
            raise CommandError(
                f"Refusé : les réglages « {settings.SETTINGS_MODULE} » sont ceux de la production. Les comptes de "
                "démonstration ont un mot de passe, un secret TOTP et un jeton d'API publiés : ils ne sont jamais "
                f"créés avec ces réglages, même avec {FLAG}. Utilisez spie.settings.dev "
                "(python3 tasks.py run). Rien n'a été écrit."
            )
        if not settings.DEBUG and not options["je_sais_ce_que_je_fais"]:
            raise CommandError(
                "Refusé : DEBUG est désactivé. Les comptes de démonstration ont un mot de passe, un secret TOTP "
                f"et un jeton d'API publiés ; si cette base n'est accessible qu'à vous, relancez avec {FLAG}. "
                "Rien n'a été écrit."
            )

    def handle(self, *args, **options):
        self.check_allowed(options)
        from spie.models import Commune

        if not Commune.objects.exists():
            raise CommandError(
                "Le référentiel géographique est vide : lancez d'abord « manage.py charger_referentiels »."
            )
        from carnet.dev import demo as carnet_demo
        from offre.dev import demo as offre_demo
        from orientation.dev import demo as orientation_demo
        from partenaires.dev import demo as partenaires_demo
        from sanctions.dev import demo as sanctions_demo
        from sanctions.dev import demo_ep as sanctions_demo_ep
        from spie.models import Departement
        from spie.tenancy import departement_scope
        from suivi.dev import demo as suivi_demo
        from usager.dev import demo as usager_demo

        tokens = {}
        with transaction.atomic():
            summary = demo.load()
            for departement in Departement.objects.filter(code__in=[d["code"] for d in demo.DEPARTEMENTS]):
                with departement_scope(departement):
                    carnets = carnet_demo.load(departement)
                    summary += "\n" + orientation_demo.load(departement)
                    tokens[departement.code] = partenaires_demo.load(departement)
                    summary += "\n" + suivi_demo.load(departement)
                    offres = offre_demo.load(departement)
                    summary += "\n" + suivi_demo.load_indicateurs(departement)
                    espaces = usager_demo.load(departement)
                    summary += f"\n{espaces}" if espaces else ""
                    manquements = sanctions_demo.load(departement)
                    summary += f"\n{manquements}" if manquements else ""
                    equipes_ep = sanctions_demo_ep.load(departement)
                    summary += f"\n{equipes_ep}" if equipes_ep else ""
                summary += f"\n{departement.nom} : {carnets} carnet(s) de démonstration créé(s)."
                summary += f"\n{departement.nom} : {offres} service(s) du catalogue de démonstration créé(s)."
        self.stdout.write(self.style.SUCCESS(summary))
        if not options["quiet_logins"]:
            self.stdout.write(demo.logins_table())
            self.stdout.write(usager_demo.acces_table())
            self.stdout.write("  Jetons d'API de démonstration (France Travail, tous les droits) :")
            for code, token in sorted(tokens.items()):
                self.stdout.write(f"    {code} : {token}")
