"""Generate realistic carnets at scale (load tests, benchmarks, demos with volume).

    python manage.py generer_carnets --beneficiaires 100000 --departement 76 [--seed 1] [--batch 5000]

What it writes cannot be removed cleanly (the timeline is append-only, by a trigger): benchmark in a
database of its own, e.g.

    createdb -h 127.0.0.1 -U postgres spie_bench
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/spie_bench REDIS_URL=redis://127.0.0.1:6379/5
    python manage.py migrate && python manage.py charger_referentiels && python manage.py charger_demo
    python manage.py generer_carnets --beneficiaires 100000 --departement 76
    python manage.py bench_carnet --departement 76
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from carnet.dev.generation import GENERATED_EMAIL_DOMAIN, POOL_SIZE, charge_orientation_de, fr, generate
from orientation.dev.generation import generer_orientations
from spie.models import Commune, Departement


class Command(BaseCommand):
    help = (
        "Génère des bénéficiaires et leurs carnets de bord réalistes (groupe, plan, rendez-vous, contrats, notes, "
        "historique, orientation décidée, sorties) par COPY, pour les tests de charge. À lancer dans une base "
        "dédiée : rien ne peut être retiré."
    )

    def add_arguments(self, parser):
        parser.add_argument("--beneficiaires", type=int, required=True, help="Nombre de personnes (et de carnets).")
        parser.add_argument(
            "--departement", help="Code du département (par défaut : répartis sur tous les départements actifs)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Graine du générateur (contenu reproductible).")
        parser.add_argument("--batch", type=int, default=5000, help="Carnets par lot (une transaction par lot).")

    def handle(self, *args, beneficiaires, departement, seed, batch, **options):
        if beneficiaires < 1 or batch < 1:
            raise CommandError("--beneficiaires et --batch doivent être positifs.")
        departements = Departement.objects.actifs().order_by("code")
        if departement:
            departements = departements.filter(code=departement)
        departements = list(departements)
        if not departements:
            raise CommandError(
                f"Département {departement} introuvable ou inactif." if departement else "Aucun département actif."
            )
        sans_communes = [d.code for d in departements if not Commune.objects.filter(departement_id=d.code).exists()]
        if sans_communes:
            raise CommandError(
                f"Aucune commune pour {', '.join(sans_communes)} : lancez d'abord « manage.py charger_referentiels »."
            )
        self.stdout.write(
            f"Base « {connection.settings_dict['NAME']} » : {fr(beneficiaires)} carnets à générer sur "
            f"{', '.join(d.code for d in departements)} (graine {seed}, lots de {fr(batch)}). Professionnels générés "
            f"si besoin jusqu'à {POOL_SIZE} par département (@{GENERATED_EMAIL_DOMAIN})."
        )
        stats = generate(
            departements=departements,
            total=beneficiaires,
            seed=seed,
            batch_size=batch,
            log=lambda line: self.stdout.write(line),
        )
        for departement in departements:
            ecrites = generer_orientations(departement, charge_orientation=charge_orientation_de(departement))
            for name, count in ecrites.items():
                stats.rows[name] = stats.rows.get(name, 0) + count
            self.stdout.write(
                f"[{departement.code}] historique d'orientation : {fr(ecrites['dossiers'])} dossiers décidés, "
                f"{fr(ecrites['sorties'])} sorties."
            )
        self.stdout.write("")
        self.stdout.write(f"{'Table':<18} {'lignes':>12} {'par carnet':>11}")
        for name, count in stats.rows.items():
            self.stdout.write(f"{name:<18} {fr(count):>12} {count / stats.carnets:>11.2f}")
        self.stdout.write(f"{'total':<18} {fr(stats.total_rows):>12} {stats.total_rows / stats.carnets:>11.2f}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{fr(stats.carnets)} carnets, {fr(stats.total_rows)} lignes en {stats.seconds:.1f} s "
                f"({fr(stats.total_rows / stats.seconds)} lignes/s, {fr(stats.carnets / stats.seconds)} carnets/s)."
            )
        )
