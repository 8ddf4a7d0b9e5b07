"""Demo sanction files (development only): in Seine-Maritime, one file at each stage of the state machine, on
carnets followed by the demo référent, driven through the services as the pages do. The notified one is on the demo
person who has a personal space (the notice waits there for her acknowledgement). Idempotent: nothing is added once
the département has files."""

import datetime

from django.utils import timezone

from carnet.models import Carnet, MembreGroupe
from sanctions import services
from sanctions.models import DossierManquement
from spie.models import Membership, Role
from usager.dev.demo import beneficiaires as beneficiaires_avec_espace

ETAPES = ["ouvert", "a_notifier", "notifie", "decide", "remobilise", "sans_suite"]


def _franchir(dossier, code, auteur, structure, *, decideur=False, **data):
    return services.dossier_franchir(
        dossier=dossier,
        code=code,
        data=data,
        auteur=auteur,
        structure=structure,
        est_decideur=decideur,
        peut_instruire=not decideur,
    )


def load(departement) -> str:
    if departement.code != "76" or DossierManquement.objects.exists():
        return ""
    decideur = Membership.objects.actifs().filter(role=Role.DECIDEUR_SANCTIONS).select_related("user").first()
    if decideur is None:
        return ""
    today = timezone.localdate()
    avec_espace = {b.pk for b in beneficiaires_avec_espace(departement)}
    referents = (
        MembreGroupe.objects.referents()
        .filter(carnet__beneficiaire__soumis_droits_devoirs=True)
        .select_related("user", "structure", "carnet__beneficiaire")
        .order_by("carnet__created_at")
    )
    choisis = {}
    for membre in referents:
        choisis.setdefault(membre.carnet_id, membre)
    ordre = sorted(choisis.values(), key=lambda m: m.carnet.beneficiaire_id not in avec_espace)
    if not ordre:
        return ""
    # The person with a personal space gets the notified file; the others follow.
    par_etape = dict(zip(["notifie"] + [e for e in ETAPES if e != "notifie"], ordre, strict=False))
    crees = 0
    for etape, membre in par_etape.items():
        carnet = Carnet.objects.select_related("beneficiaire").get(pk=membre.carnet_id)
        referent, structure = membre.user, membre.structure
        dossier = services.dossier_ouvrir(
            carnet=carnet,
            data={
                "motif": "refus_contrat",
                "faits": "N'est pas venue aux deux rendez-vous fixés pour établir le contrat d'engagement.",
                "faits_du": today - datetime.timedelta(days=60),
                "faits_au": today - datetime.timedelta(days=45),
            },
            auteur=referent,
            structure=structure,
        )
        crees += 1
        if etape == "ouvert":
            continue
        dossier = _franchir(dossier, "sans_motif_legitime", referent, structure, raison="Aucun justificatif reçu.")
        if etape == "a_notifier":
            continue
        recente = etape == "notifie"
        dossier = _franchir(
            dossier,
            "notifier",
            referent,
            structure,
            nature="suspension",
            taux=30,
            duree=2,
            canal="espace" if recente else "recommande",
            envoyee_le=today - datetime.timedelta(days=2 if recente else 30),
            reference="" if recente else "1A 000 000 0000 0",
            date_certaine=None if recente else today - datetime.timedelta(days=28),
        )
        if etape == "notifie":
            continue
        if etape == "sans_suite":
            _franchir(
                dossier, "sans_suite", decideur.user, decideur.structure, decideur=True, raison="Justificatif reçu."
            )
            continue
        dossier = _franchir(
            dossier,
            "decider",
            decideur.user,
            decideur.structure,
            decideur=True,
            nature="suspension",
            taux=30,
            duree=2,
            effet=today.replace(day=1),
            montant_mensuel=None,
            motifs="Aucune réponse dans le délai de dix jours.",
            avis_ep_le=None,
            avis_ep="",
        )
        if etape == "remobilise":
            _franchir(
                dossier,
                "remobiliser",
                decideur.user,
                decideur.structure,
                decideur=True,
                date=today,
                remobilisation="A signé son contrat d'engagement et repris les ateliers.",
            )
    return f"{departement.nom} : {crees} dossier(s) de manquement de démonstration créé(s)."
