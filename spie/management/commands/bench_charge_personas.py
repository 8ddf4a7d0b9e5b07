"""Prepare the personas of the load test (loadtest/locustfile.py) on a benchmark database.

    python manage.py bench_charge_personas --departement 76 --referents 100 --charges 20 --jetons 10 \
        --sortie /tmp/charge.json

Writes a JSON file the load test reads: for each référent of the biggest generated portfolios a session (opened
as `force_login` does, after the account got the demo second factor) with the uids of the carnets they follow;
the same for the chargés d'orientation with the dossiers of the queue; partner tokens made for the run (their
value is only known when made) with carnet uids to read and write. Sessions and tokens are real rows of the
benchmark database: run it there only, never on real data.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.test import Client

from carnet.models import Carnet, MembreGroupe
from partenaires.models import JetonApi, Scope
from spie.dev.demo import client_connecte
from spie.models import Departement, Membership, Role
from spie.tenancy import departement_scope


def session_of(user):
    client: Client = client_connecte(user)
    return client.cookies["sessionid"].value


class Command(BaseCommand):
    help = "Prépare les sessions et jetons du test de charge (base de mesure uniquement)."

    def add_arguments(self, parser):
        parser.add_argument("--departement", default="76")
        parser.add_argument("--referents", type=int, default=100)
        parser.add_argument("--charges", type=int, default=20)
        parser.add_argument("--jetons", type=int, default=10)
        parser.add_argument("--carnets", type=int, default=50, help="Carnets retenus par persona.")
        parser.add_argument("--sortie", required=True)

    def handle(self, *args, departement, referents, charges, jetons, carnets, sortie, **options):
        departement = Departement.objects.filter(code=departement).first()
        if departement is None:
            raise CommandError("Département introuvable.")
        data = {"departement": departement.code, "referents": [], "charges": [], "partenaires": []}
        with departement_scope(departement):
            portfolios = (
                MembreGroupe.objects.actifs()
                .filter(est_referent=True, carnet__cloture_le=None)
                .values("user_id", "structure_id")
                .annotate(n=Count("id"))
                .order_by("-n", "user_id")[:referents]
            )
            for row in portfolios:
                membership = (
                    Membership.objects.select_related("user")
                    .filter(user_id=row["user_id"], structure_id=row["structure_id"], is_active=True)
                    .first()
                )
                if membership is None:
                    continue
                uids = (
                    Carnet.objects.filter(
                        membres__user_id=row["user_id"], membres__structure_id=row["structure_id"], membres__fin=None
                    )
                    .order_by("id")
                    .values_list("uid", flat=True)[:carnets]
                )
                data["referents"].append(
                    {
                        "session": session_of(membership.user),
                        "user": membership.user_id,
                        "structure": membership.structure_id,
                        "carnets": [str(uid) for uid in uids],
                    }
                )
            roles = (Role.CHARGE_ORIENTATION, Role.ADMIN_DEPARTEMENT)
            for membership in Membership.objects.select_related("user").filter(role__in=roles, is_active=True)[
                :charges
            ]:
                data["charges"].append({"session": session_of(membership.user), "role": membership.role})
            from orientation.models import DossierOrientation

            data["dossiers"] = [
                str(uid) for uid in DossierOrientation.objects.order_by("-id").values_list("uid", flat=True)[:200]
            ]
            admin = Membership.objects.filter(role=Role.ADMIN_DEPARTEMENT, is_active=True).first()
            structures = list(
                MembreGroupe.objects.actifs()
                .values("structure_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .values_list("structure_id", flat=True)[:jetons]
            )
            for structure_id in structures:
                value, prefix, digest = JetonApi.generate()
                JetonApi.objects.create(
                    departement=departement,
                    structure_id=structure_id,
                    nom="Jeton du test de charge",
                    prefixe=prefix,
                    hash=digest,
                    scopes=[scope.value for scope in Scope],
                    created_by=admin.user if admin else None,
                )
                uids = (
                    Carnet.objects.filter(membres__structure_id=structure_id, membres__fin=None)
                    .order_by("id")
                    .values_list("uid", flat=True)[:carnets]
                )
                data["partenaires"].append({"jeton": value, "carnets": [str(uid) for uid in uids]})
        with open(sortie, "w") as out:
            json.dump(data, out)
        self.stdout.write(
            f"{len(data['referents'])} référents, {len(data['charges'])} chargés d'orientation ou admins, "
            f"{len(data['partenaires'])} jetons partenaires écrits dans {sortie}."
        )
