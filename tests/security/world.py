"""A small world per département for the generated route tests: one object of each addressable kind."""

from dataclasses import dataclass

from spie.models import Role
from spie.notifications import notify
from tests.spie.factories import (
    DepartementFactory,
    InvitationFactory,
    MembershipFactory,
    StructureFactory,
    TerritoireFactory,
    TotpFactory,
)

ALL_ROLES = [choice.value for choice in Role]


@dataclass
class World:
    departement: object
    structure: object
    territoire: object
    agent: object
    agent_membership: object
    invitation: object
    notification: object
    carnet: object
    membre: object
    demande: object
    situation: object
    projet: object
    axe: object
    objectif: object
    action: object
    rdv: object
    contrat: object
    document: object
    situation_locale: object
    objectif_local: object
    dossier_orientation: object
    convocation: object
    diagnostic: object
    orientation: object
    demande_reorientation: object
    dispositif: object
    secteur: object
    jeu_regles: object
    jeton: object
    jeton_valeur: str
    webhook: object
    import_flux: object
    import_tableur: object
    users_by_role: dict
    # Offre (catalogue, sessions, imports, prescriptions): built by build_offre() from build_carnet().
    service: object = None
    session: object = None
    prescription: object = None
    import_catalogue: object = None
    # Suivi: a produced monthly report.
    rapport: object = None
    # An identity conflict set aside by the CAF/MSA flux.
    conflit_identite: object = None
    # A signed contrat d'engagement and one activity of its hours.
    contrat_engagement: object = None
    activite: object = None
    # An evaluation questionnaire waiting for the person's answer (answered from the person's space).
    questionnaire: object = None
    # A sanction file decided (so that its notice and decision letters exist) with one piece of evidence.
    dossier_manquement: object = None
    piece_manquement: object = None
    # A transfer of another département's carnet proposed to this one (the receiving admin examines it).
    transfert_entrant: object = None
    # Its proposal by the world's structure (the person's organisme référent) and an export for the CAF/MSA.
    proposition_sanction: object = None
    export_payeur: object = None
    # An équipe pluridisciplinaire with a user member, and a closed session (convened, opinion, decision) on the
    # world's carnet.
    equipe_ep: object = None
    membre_ep: object = None
    seance_ep: object = None
    passage_ep: object = None


def build_world(code, nom) -> World:
    departement = DepartementFactory(code=code, nom=nom)
    structure = StructureFactory(departement=departement)
    users_by_role = {}
    for role in ALL_ROLES:
        user = MembershipFactory(structure=structure, role=role).user
        # Every persona has MFA so that MFA enforcement never hides the real answer of a route.
        TotpFactory(user=user)
        users_by_role[role] = user
    agent_membership = MembershipFactory(structure=structure, role=Role.PROFESSIONNEL)
    carnet = build_carnet(departement, structure, users_by_role)
    jeton, jeton_valeur = build_token(departement, structure, users_by_role[Role.ADMIN_DEPARTEMENT])
    return World(
        **carnet,
        jeton=jeton,
        jeton_valeur=jeton_valeur,
        webhook=build_webhook(jeton),
        import_flux=build_import_flux(jeton),
        import_tableur=build_import_tableur(structure, users_by_role[Role.ADMIN_DEPARTEMENT]),
        departement=departement,
        structure=structure,
        territoire=TerritoireFactory(departement=departement),
        agent=agent_membership.user,
        agent_membership=agent_membership,
        invitation=InvitationFactory(structure=structure),
        notification=notify(
            user=users_by_role[Role.PROFESSIONNEL], titre="Test", message="Message", cle=f"test-{code}", lien="/"
        ),
        users_by_role=users_by_role,
        rapport=build_rapport(departement),
        conflit_identite=build_conflit_identite(carnet["carnet"]),
        questionnaire=build_questionnaire(carnet["carnet"], structure),
        **build_sanctions(carnet["carnet"], carnet["document"], users_by_role),
        transfert_entrant=build_transfert_entrant(departement),
        **build_ep(carnet["carnet"], users_by_role),
    )


def build_transfert_entrant(departement):
    """A carnet of a third département ("9" + the world's code) proposed for transfer to the world's."""
    from carnet.models import TransfertCarnet
    from tests.carnet.factories import CarnetFactory

    origine = DepartementFactory(code=f"9{departement.code[-2:]}", nom=f"Départ vers {departement.nom}")
    carnet = CarnetFactory(departement=origine)
    return TransfertCarnet.unscoped_objects.create(
        departement=origine,
        carnet=carnet,
        departement_origine=origine,
        departement_destination=departement,
        origine="admin",
        motif="La personne a déménagé",
    )


def build_ep(carnet, users_by_role):
    """An EP of a territory, its member (the world's professional), and a closed session that examined the world's
    carnet (réorientation), written directly."""
    import datetime

    from django.utils import timezone

    from sanctions.models import PassageEquipe, PresenceSeance
    from tests.sanctions.factories_ep import EquipeFactory, MembreEquipeFactory, SeanceFactory

    decideur = users_by_role[Role.DECIDEUR_SANCTIONS]
    equipe = EquipeFactory(territoire=TerritoireFactory(departement=carnet.departement), quorum=1)
    membre = MembreEquipeFactory(equipe=equipe, user=users_by_role[Role.PROFESSIONNEL])
    maintenant = timezone.now()
    seance = SeanceFactory(
        equipe=equipe,
        created_by=decideur,
        etat="close",
        date_heure=maintenant - datetime.timedelta(days=1),
        convoquee_le=maintenant - datetime.timedelta(days=10),
        ouverte_le=maintenant - datetime.timedelta(days=1),
        levee_le=maintenant - datetime.timedelta(days=1),
        close_le=maintenant,
    )
    PresenceSeance.unscoped_objects.create(
        departement_id=carnet.departement_id, seance=seance, membre=membre, present=True
    )
    passage = PassageEquipe.unscoped_objects.create(
        departement_id=carnet.departement_id,
        seance=seance,
        theme="reorientation_pro",
        carnet=carnet,
        question="Vers un accompagnement professionnel ?",
        convocation_envoyee_le=maintenant - datetime.timedelta(days=10),
        personne_presente=True,
        avis_sens="favorable",
        avis_texte="Favorable.",
        avis_le=maintenant - datetime.timedelta(days=1),
        decision_sens="conforme",
        decision_texte="Réorientation.",
        decide_le=maintenant,
        decideur=decideur,
        created_by=decideur,
    )
    return {"equipe_ep": equipe, "membre_ep": membre, "seance_ep": seance, "passage_ep": passage}


def build_sanctions(carnet, document, users_by_role):
    """A decided sanction file of the world's carnet, opened by its référent, with the world's document as evidence
    (the person's space lists its notice)."""
    from carnet.models import MembreGroupe
    from sanctions.models import ExportPayeur, MouvementPayeur, PieceDossier, PropositionPartenaire
    from tests.sanctions.factories import DossierManquementFactory

    referent = users_by_role[Role.PROFESSIONNEL]
    dossier = DossierManquementFactory(
        carnet=carnet, created_by=referent, decide=True, decideur=users_by_role[Role.DECIDEUR_SANCTIONS]
    )
    piece = PieceDossier.unscoped_objects.create(
        departement_id=carnet.departement_id,
        dossier=dossier,
        document=document,
        libelle="Relevé",
        ajoutee_par=referent,
    )
    structure = MembreGroupe.unscoped_objects.get(carnet=carnet, user=referent).structure
    proposition = PropositionPartenaire.unscoped_objects.create(
        departement_id=carnet.departement_id,
        dossier=dossier,
        structure=structure,
        nature="suspension",
        taux=30,
        duree=2,
    )
    export = ExportPayeur.unscoped_objects.create(
        departement_id=carnet.departement_id, nombre=1, created_by=users_by_role[Role.DECIDEUR_SANCTIONS]
    )
    MouvementPayeur.unscoped_objects.create(
        departement_id=carnet.departement_id,
        dossier=dossier,
        type="decision",
        date=dossier.decision_effet,
        export=export,
    )
    return {
        "dossier_manquement": dossier,
        "piece_manquement": piece,
        "proposition_sanction": proposition,
        "export_payeur": export,
    }


def build_payeur_token(world):
    """A token of a CAF of the world's département (the paying body's API answers such a token only)."""
    caf = StructureFactory(departement=world.departement, type="caf", nom=f"CAF {world.departement.code}")
    _, value = build_token(world.departement, caf, world.users_by_role[Role.ADMIN_DEPARTEMENT])
    return value


def build_questionnaire(carnet, structure):
    from tests.suivi.factories import QuestionnaireFactory

    return QuestionnaireFactory(carnet=carnet, structure=structure)


def build_conflit_identite(carnet):
    from carnet.models import ConflitIdentite

    return ConflitIdentite.unscoped_objects.create(
        departement_id=carnet.departement_id,
        beneficiaire_id=carnet.beneficiaire_id,
        motif="Autre identité",
        origine="Flux CAF/MSA, foyer n° 1",
        numero_allocataire="1234567",
        role_foyer="dem",
        recu={"nom_usage": "Autre", "prenoms": "Personne", "date_naissance": "1980-01-01"},
        cle=f"test-{carnet.departement_id}",
    )


def build_rapport(departement):
    import datetime

    from django.core.files.base import ContentFile

    from suivi.models import RapportMensuel, StatutRapport

    rapport = RapportMensuel(departement=departement, mois=datetime.date(2026, 9, 1), statut=StatutRapport.TERMINE)
    rapport.fichier.save("rapport.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    RapportMensuel.unscoped_objects.bulk_create([rapport])
    return RapportMensuel.unscoped_objects.get(uid=rapport.uid)


def build_contrat_engagement(carnet, structure, referent):
    """A contrat d'engagement signed a month ago, with one activity done last week."""
    import datetime

    from django.utils import timezone

    from carnet.models import ActiviteEngagement
    from tests.carnet.factories import ContratFactory

    today = timezone.localdate()
    contrat = ContratFactory(
        carnet=carnet,
        structure=structure,
        created_by=referent,
        type="contrat_engagement",
        statut="signe",
        date_debut=today - datetime.timedelta(days=30),
        date_signature=today - datetime.timedelta(days=30),
    )
    activite = ActiviteEngagement.unscoped_objects.create(
        departement_id=carnet.departement_id,
        contrat=contrat,
        carnet=carnet,
        type="atelier",
        date=today - datetime.timedelta(days=7),
        duree_minutes=180,
        auteur=referent,
        structure=structure,
    )
    # The world's one contract: every contract route reaches it (a second contract would change what the person's
    # own export lists).
    return {"contrat": contrat, "contrat_engagement": contrat, "activite": activite}


def build_carnet(departement, structure, users_by_role):
    """A carnet whose référent is the département's professional, with one object of each kind."""
    import datetime

    from carnet.models import DemandeAdhesion, ObjectifReference, ProjetProfessionnel, Situation, SituationConstatee
    from tests.carnet.factories import (
        ActionFactory,
        AxeFactory,
        CarnetFactory,
        DocumentFactory,
        MembreGroupeFactory,
        ObjectifFactory,
        RendezVousFactory,
        theme,
    )

    referent = users_by_role[Role.PROFESSIONNEL]
    carnet = CarnetFactory(departement=departement)
    membre = MembreGroupeFactory(carnet=carnet, user=referent, structure=structure, est_referent=True)
    common = {"departement": departement, "carnet": carnet}
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet, created_by=referent))
    return {
        "carnet": carnet,
        "membre": membre,
        "demande": DemandeAdhesion.unscoped_objects.create(
            **common, user=users_by_role[Role.RESPONSABLE_STRUCTURE], structure=structure, motif="Suivi"
        ),
        "situation": SituationConstatee.unscoped_objects.create(
            **common,
            situation=Situation.objects.filter(departement=None).first(),
            constatee_le=datetime.date(2026, 1, 5),
            auteur=referent,
            structure=structure,
        ),
        "projet": ProjetProfessionnel.unscoped_objects.create(**common, metier="Cariste", auteur=referent),
        "axe": objectif.axe,
        "objectif": objectif,
        "action": ActionFactory(objectif=objectif),
        "rdv": RendezVousFactory(carnet=carnet, professionnel=referent, structure=structure),
        "document": DocumentFactory(carnet=carnet, auteur=referent, structure=structure),
        **build_contrat_engagement(carnet, structure, referent),
        "situation_locale": Situation.objects.create(
            theme=theme("logement"), libelle=f"Situation locale {departement.code}", departement=departement
        ),
        "objectif_local": ObjectifReference.objects.create(
            theme=theme("emploi"), libelle=f"Objectif local {departement.code}", departement=departement
        ),
        **build_orientation(departement, structure, carnet, users_by_role),
        **build_offre(departement, structure, carnet, users_by_role),
    }


def build_token(departement, structure, admin):
    """A partner token of the département with every scope (the route tests need every route open)."""
    from partenaires.models import JetonApi, Scope

    value, prefix, digest = JetonApi.generate()
    jeton = JetonApi.unscoped_objects.create(
        departement=departement,
        structure=structure,
        nom="Jeton de test",
        prefixe=prefix,
        hash=digest,
        scopes=[scope.value for scope in Scope],
        created_by=admin,
    )
    return jeton, value


def build_webhook(jeton):
    from partenaires.models import AbonnementWebhook
    from spie.crypto import encrypt

    return AbonnementWebhook.unscoped_objects.create(
        departement=jeton.departement,
        structure=jeton.structure,
        jeton=jeton,
        url="https://partenaire.example/webhooks",
        evenements=["carnet.modifie"],
        secret_chiffre=encrypt("secret-de-test"),
    )


def build_orientation(departement, structure, carnet, users_by_role):
    """Orientation objects of the world's carnet: an open dossier with a convocation, a draft diagnostic, a
    proposal awaiting validation, a pending réorientation request; a programme and a sector."""
    from orientation.models import (
        Convocation,
        DemandeReorientation,
        Diagnostic,
        Dispositif,
        DossierOrientation,
        JeuRegles,
        Orientation,
        Secteur,
    )
    from tests.carnet.factories import RendezVousFactory

    charge = users_by_role[Role.CHARGE_ORIENTATION]
    common = {"departement": departement, "carnet": carnet}
    dispositif = Dispositif.unscoped_objects.filter(departement=departement, type_orientation="pro").first()
    dossier = DossierOrientation.unscoped_objects.create(**common, charge_orientation=charge, statut="convoque")
    rendez_vous = RendezVousFactory(carnet=carnet, professionnel=charge, structure=structure, est_accompagnement=False)
    return {
        "dossier_orientation": dossier,
        "convocation": Convocation.unscoped_objects.create(
            departement=departement, dossier=dossier, rendez_vous=rendez_vous, created_by=charge
        ),
        "diagnostic": Diagnostic.unscoped_objects.create(
            **common, dossier=dossier, numero_version=1, created_by=charge
        ),
        "orientation": Orientation.unscoped_objects.create(
            **common,
            dossier=dossier,
            type_orientation="pro",
            dispositif=dispositif,
            structure=structure,
            motif="Projet professionnel clair",
            proposee_par=charge,
        ),
        "demande_reorientation": DemandeReorientation.unscoped_objects.create(
            **common, demandeur=users_by_role[Role.PROFESSIONNEL], structure=structure, motif="Nouveau projet"
        ),
        "dispositif": dispositif,
        # Version 1 of the rules, seeded when the département was created.
        "jeu_regles": JeuRegles.unscoped_objects.get(departement=departement, numero=1),
        "secteur": Secteur.unscoped_objects.create(
            departement=departement,
            user=charge,
            territoire=TerritoireFactory(departement=departement, nom=f"Secteur d'orientation {departement.code}"),
        ),
    }


def build_import_flux(jeton):
    """A CAF/MSA flux deposited through the API by the world's token (its structure may read it back)."""
    from partenaires.models import ImportFlux

    return ImportFlux.unscoped_objects.create(
        departement=jeton.departement,
        fichier="flux-caf/test.xml",
        nom_fichier="flux.xml",
        canal="api",
        jeton=jeton,
        statut="termine",
        rapport={"message": "", "rejets": [{"position": 2, "ligne": 9, "matricule": "1234567", "motif": "Test"}]},
    )


def build_import_tableur(structure, admin):
    """A spreadsheet import waiting for its column mapping."""
    from partenaires.models import ImportTableur

    return ImportTableur.unscoped_objects.create(
        departement=structure.departement,
        structure=structure,
        type="beneficiaires",
        fichier="imports-tableurs/test.csv",
        nom_fichier="beneficiaires.csv",
        format="csv",
        entetes=["Nom", "Prénom", "Date de naissance"],
        total=1,
        created_by=admin,
    )


def build_offre(departement, structure, carnet, users_by_role):
    """A published service of the world's structure with a session, a pending prescription to it from the
    world's carnet (the structure's members receive it), and a finished import of the catalogue."""
    from offre.models import ImportCatalogue
    from tests.offre.factories import PrescriptionFactory, ServiceFactory, SessionFactory

    service = ServiceFactory(structure=structure, di_id=f"spie-{departement.code}--service-du-monde")
    return {
        "service": service,
        "session": SessionFactory(service=service),
        "prescription": PrescriptionFactory(
            service=service,
            carnet=carnet,
            prescripteur=users_by_role[Role.PROFESSIONNEL],
            structure_prescriptrice=structure,
        ),
        "import_catalogue": ImportCatalogue.unscoped_objects.create(
            departement=departement,
            format="json",
            fichier="imports-offre/inexistant.json",
            noms_fichiers="catalogue.json",
            statut="termine",
            rapport={"message": "Import terminé", "erreurs": []},
            created_by=users_by_role[Role.ADMIN_DEPARTEMENT],
        ),
    }
