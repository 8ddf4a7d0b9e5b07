"""A person with a row in every table linked to them, and unique values to look for after an anonymisation.

`personne_complete(world)` adds to the security world's carnet (tests/security/world.py, which has one object of
each kind of the path) what it lacks: notes, the person's observations, an exit, their space (account, links,
answers, requests), the flux fingerprint, an exceptional access, a retention justification, a refused transfer, and
the rows linked by text or identifier only (an SMS to the person, a notification naming them, a webhook delivery, a
stored API answer).
"""

import datetime

from django.utils import timezone

SENTINELLES = {
    "nom_usage": "Zorglubienne",
    "nom_naissance": "Kwaxolotte",
    "prenoms": "Philomène Ysolde",
    "telephone": "0611223344",
    "courriel": "philomene.zorglubienne@example.org",
    "numero_allocataire": "9876543",
    "adresse": "17 impasse des Glycines",
    "identifiant_france_travail": "FT99887766",
}


def personne_complete(world):
    from carnet.models import (
        AccesExceptionnel,
        Beneficiaire,
        Evenement,
        InformationPersonne,
        JustificationConservation,
        ObservationPersonne,
        OppositionPartage,
        PointDeSuivi,
        Sortie,
        TransfertCarnet,
    )
    from offre.models import EtapePrescription, Prescription
    from partenaires.models import CleIdempotence, EmpreinteFlux, LivraisonWebhook
    from sanctions.models import EtapeDossier, ObservationDossier
    from spie.models import Notification, Role
    from suivi.models import Alerte, Message
    from tests.carnet.factories import NoteFactory
    from tests.spie.factories import DepartementFactory
    from usager.models import (
        AccuseReception,
        CompteUsager,
        DemandeDroits,
        DemandeLiaison,
        LienAcces,
        ReponseAuRendezVous,
    )

    carnet, dep = world.carnet, world.departement
    referent = world.users_by_role[Role.PROFESSIONNEL]
    admin = world.users_by_role[Role.ADMIN_DEPARTEMENT]
    b = carnet.beneficiaire
    Beneficiaire.unscoped_objects.filter(pk=b.pk).update(
        **SENTINELLES,
        lieu_naissance="Rouen",
        code_postal="76000",
        identifiant_departement="D-42",
        motif_suspension="Contrôle",
    )
    b.refresh_from_db()
    b.set_nir("295109912611193")
    b.save()
    common = {"departement": dep, "carnet": carnet}
    NoteFactory(carnet=carnet, auteur=referent, structure=world.structure, texte="Mme Zorglubienne va mieux")
    ObservationPersonne.unscoped_objects.create(**common, texte="Je ne suis pas d'accord, Zorglubienne")
    sortie = Sortie.unscoped_objects.create(
        **common, date_sortie=timezone.localdate(), motif="emploi", precision="CDI chez Kwaxolotte", auteur=referent
    )
    PointDeSuivi.unscoped_objects.create(
        **common,
        sortie=sortie,
        mois=1,
        echeance=timezone.localdate(),
        realise_le=timezone.localdate(),
        toujours_en_emploi=True,
        note="Zorglubienne toujours chez Kwaxolotte",
        auteur=referent,
    )
    # The world's sanction file gets a step and the person's observations.
    EtapeDossier.unscoped_objects.create(
        departement=dep,
        dossier=world.dossier_manquement,
        transition="notifier",
        etat_apres="notifie",
        article="R.262-68 CASF",
        resume="Notification à Mme Zorglubienne",
        auteur=referent,
    )
    ObservationDossier.unscoped_objects.create(
        departement=dep,
        dossier=world.dossier_manquement,
        source="espace",
        texte="Zorglubienne : j'étais malade",
        accompagnant="Kwaxolotte Senior",
        recue_le=timezone.now(),
    )
    AccesExceptionnel.unscoped_objects.create(
        **common,
        user=admin,
        structure=world.structure,
        motif="urgence",
        justification="Vérifier le dossier de Mme Zorglubienne",
        expire_le=timezone.now() + datetime.timedelta(hours=24),
    )
    JustificationConservation.unscoped_objects.create(
        **common,
        motif="Accompagnement de Mme Zorglubienne repris",
        auteur=referent,
        structure=world.structure,
        jusqu_au=timezone.localdate() + datetime.timedelta(days=700),
    )
    TransfertCarnet.unscoped_objects.create(
        **common,
        departement_origine=dep,
        departement_destination=DepartementFactory(code="27", nom="Eure"),
        origine="admin",
        motif="Mme Zorglubienne s'installe à Évreux",
        statut="refuse",
        motif_refus="Mme Zorglubienne est restée à Rouen",
        propose_par=admin,
        decide_le=timezone.now(),
    )
    InformationPersonne.unscoped_objects.create(
        **common,
        informee_le=timezone.localdate(),
        canal="entretien",
        version_notice="2026-11",
        auteur=referent,
        structure=world.structure,
    )
    OppositionPartage.unscoped_objects.create(
        **common,
        opposee_le=timezone.localdate(),
        motif="Mme Zorglubienne ne veut pas que la SIAE lise son carnet",
        auteur=referent,
        structure=world.structure,
    )
    Prescription.unscoped_objects.filter(carnet=carnet).update(
        personne_nom="Zorglubienne", personne_telephone="0611223344", message="Pour Philomène Ysolde"
    )
    EtapePrescription.unscoped_objects.create(
        departement=dep,
        prescription=world.prescription,
        etape="presente",
        date=timezone.localdate(),
        precision="Mme Zorglubienne est venue",
        structure=world.structure,
    )
    beneficiaire = {"departement": dep, "beneficiaire": b}
    CompteUsager.unscoped_objects.create(**beneficiaire, franceconnect_sub="fc-sub-zorglub")
    DemandeLiaison.unscoped_objects.create(
        **beneficiaire, mode="lien", canal="sms", code_hash="x" * 64, expires_at=timezone.now()
    )
    LienAcces.unscoped_objects.create(
        **beneficiaire, token_hash="y" * 64, canal="sms", emis_par=referent, expires_at=timezone.now()
    )
    AccuseReception.unscoped_objects.create(
        **beneficiaire, type_courrier="convocation", courrier_uid=world.convocation.uid
    )
    DemandeDroits.unscoped_objects.create(**beneficiaire, type="rectification", texte="Mon nom est Kwaxolotte")
    ReponseAuRendezVous.unscoped_objects.create(
        departement=dep, rendez_vous=world.rdv, reponse="empeche", motif="Malade, Zorglubienne"
    )
    Evenement.unscoped_objects.create(
        **common, type="beneficiaire_modifie", resume="Nom d'usage : « Kwaxolotte » → « Zorglubienne »"
    )
    Alerte.unscoped_objects.create(departement=dep, carnet=carnet, type="sans_referent", semaine="2026-W49")
    EmpreinteFlux.unscoped_objects.create(departement=dep, beneficiaire=b, hash="z" * 64)
    Message.unscoped_objects.create(
        departement=dep, canal="sms", destinataire="0611223344", corps="Rappel : rendez-vous demain", cle="rdv:1"
    )
    Message.unscoped_objects.create(
        departement=dep,
        canal="email",
        destinataire=referent.email,
        sujet="1 personne sans référent",
        corps="Philomène ZORGLUBIENNE est suivie sans référent.",
        cle="alerte:1",
    )
    Notification.objects.create(
        user=referent,
        departement=dep,
        titre="Nouvelle observation",
        message="Philomène ZORGLUBIENNE a envoyé une observation.",
        lien=f"/carnets/{carnet.uid}/",
        cle="observation:1",
    )
    LivraisonWebhook.objects.create(
        abonnement=world.webhook,
        evenement="carnet.modifie",
        payload={"evenement": "carnet.modifie", "donnees": {"carnet_id": str(carnet.uid), "nom": "Zorglubienne"}},
    )
    CleIdempotence.objects.create(
        jeton=world.jeton,
        cle="cle-1",
        empreinte_requete="e" * 64,
        statut=201,
        reponse={"carnet_id": str(carnet.uid), "nom_usage": "Zorglubienne"},
        entetes={},
    )
    # Partners are told of the anonymisation ("carnet.modifie", without personal data); these tests do not deliver.
    type(world.webhook).unscoped_objects.filter(pk=world.webhook.pk).update(actif=False)
    return carnet
