"""Demo équipe pluridisciplinaire (development only): in Seine-Maritime, one EP on the territory of a person with an
open sanction file (else the first territory), with its members (the demo décideur, a France Travail professional
when the demo has one, a representative of the people on the RSA), and one session next week, convened, with two
people of the territory on its agenda. Driven through `sanctions.equipes` as the pages do. Idempotent: nothing is
added once the département has a team."""

import datetime

from django.utils import timezone

from carnet.models import MembreGroupe
from sanctions import equipes
from sanctions.models import DossierManquement, EquipePluridisciplinaire
from spie.models import Membership, Role, Territoire


def load(departement) -> str:
    if departement.code != "76" or EquipePluridisciplinaire.objects.exists():
        return ""
    decideur = Membership.objects.actifs().filter(role=Role.DECIDEUR_SANCTIONS).select_related("user").first()
    # The territory of a person with an open sanction file, so that the team has people to examine.
    ouverts = DossierManquement.objects.ouverts().select_related("carnet__beneficiaire").order_by("created_at")
    communes = [d.carnet.beneficiaire.commune_id for d in ouverts if d.carnet.beneficiaire.commune_id]
    territoire = (
        Territoire.objects.filter(communes__in=communes).order_by("nom").first()
        or Territoire.objects.order_by("nom").first()
    )
    if decideur is None or territoire is None:
        return ""
    equipe = equipes.equipe_enregistrer(
        departement_id=departement.pk,
        data={"nom": f"EP {territoire.nom}", "territoire": territoire, "quorum": 2, "lieu": "Hôtel du Département"},
    )
    equipes.membre_ajouter(
        equipe=equipe,
        data={"user": decideur.user, "structure": decideur.structure.nom, "qualite": "departement"},
    )
    france_travail = (
        Membership.objects.actifs()
        .filter(structure__type="france_travail", role=Role.PROFESSIONNEL)
        .select_related("user", "structure")
        .first()
    )
    if france_travail is not None:
        equipes.membre_ajouter(
            equipe=equipe,
            data={"user": france_travail.user, "structure": france_travail.structure.nom, "qualite": "france_travail"},
        )
    equipes.membre_ajouter(
        equipe=equipe,
        data={
            "nom": "Mme Claire Martin",
            "structure": "Comité des personnes accompagnées",
            "qualite": "beneficiaires",
        },
    )
    debut = timezone.localtime() + datetime.timedelta(days=7)
    seance = equipes.seance_creer(
        equipe=equipe,
        date_heure=debut.replace(hour=14, minute=0, second=0, microsecond=0),
        lieu="Hôtel du Département, salle 2",
        auteur=decideur.user,
    )
    communes = list(territoire.communes.values_list("pk", flat=True))
    membres = MembreGroupe.objects.referents().select_related("carnet__beneficiaire").order_by("carnet__created_at")
    if communes:
        membres = membres.filter(carnet__beneficiaire__commune__in=communes)
    inscrits = 0
    for membre, (theme, question) in zip(
        membres[:2],
        [
            ("reorientation_pro", "Le référent propose un accompagnement par France Travail : quel est l'avis ?"),
            ("cas_complexe", "Plusieurs freins se cumulent : quel accompagnement proposer ?"),
        ],
        strict=False,
    ):
        seance, _ = equipes.seance_franchir(
            seance=seance,
            code="inscrire",
            data={"theme": theme, "carnet": membre.carnet, "dossier": None, "question": question},
            auteur=decideur.user,
            structure=decideur.structure,
            est_decideur=True,
            organise=True,
        )
        inscrits += 1
    if inscrits:
        equipes.seance_franchir(
            seance=seance,
            code="convoquer",
            data={},
            auteur=decideur.user,
            structure=decideur.structure,
            est_decideur=True,
            organise=True,
        )
    return f"{departement.nom} : une équipe pluridisciplinaire et une séance ({inscrits} dossier(s)) de démonstration."
