"""Transfer of a carnet between départements: every linked row moves or is cut (by introspection), in one
transaction; the sending side loses access at once; the receiving side's orientation clock restarts; bad input is
refused with nothing written."""

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import (
    Carnet,
    Evenement,
    MembreGroupe,
    OrigineTransfert,
    StatutTransfert,
    TransfertCarnet,
    TypeEvenement,
)
from carnet.services.rapport_personne import lignes_de, modeles_lies
from carnet.services.transfert import (
    DEPLACE,
    TRANSFERT_PAR_MODELE,
    TransfertRefuse,
    transfert_accepter,
    transfert_proposer,
    transfert_refuser,
)
from orientation.models import CandidatFile, DossierOrientation, OrigineInformation
from orientation.queue import file_queryset
from spie.models import AccessLog, Action, Role
from spie.tenancy import all_departements, departement_scope
from tests.carnet.personne import personne_complete
from tests.conftest import logged_client
from tests.security.world import build_world


def _clore_les_sanctions(world):
    from sanctions.models import DossierManquement

    DossierManquement.unscoped_objects.filter(carnet=world.carnet).update(etat="termine")


@pytest.fixture
def mondes(db):
    a = build_world("76", "Seine-Maritime")
    b = build_world("08", "Ardennes")
    personne_complete(a)
    _clore_les_sanctions(a)
    return a, b


def _admin(world):
    return world.users_by_role[Role.ADMIN_DEPARTEMENT]


def _proposer(a, b, **kwargs):
    with departement_scope(a.departement):
        return transfert_proposer(
            carnet=a.carnet,
            vers=b.departement,
            origine=OrigineTransfert.ADMIN,
            par=_admin(a),
            structure=a.structure,
            motif="La personne s'installe à Charleville",
            **kwargs,
        )


def _accepter(transfert, b):
    with departement_scope(b.departement):
        return transfert_accepter(transfert=transfert, par=_admin(b), structure=b.structure)


def test_every_model_linked_to_the_person_is_moved_or_cut_with_a_reason():
    labels = {model._meta.label_lower for model in modeles_lies()}
    assert labels == set(TRANSFERT_PAR_MODELE), "say in TRANSFERT_PAR_MODELE whether the new model moves or is cut"


def test_accepting_moves_every_linked_row_or_cuts_it(mondes):
    a, b = mondes
    liens = modeles_lies()
    with all_departements():
        avant = {m._meta.label_lower: lignes_de(m, a.carnet, liens).count() for m in liens}
    # The fixture person has rows in every tenant table, so that the check below means something.
    tenant = {m._meta.label_lower for m in liens if any(f.name == "departement" for f in m._meta.concrete_fields)}
    assert sorted(label for label, nombre in avant.items() if nombre == 0 and label in tenant) == []

    _accepter(_proposer(a, b), b)

    with all_departements():
        for model in liens:
            label = model._meta.label_lower
            lignes = lignes_de(model, a.carnet, liens)
            if TRANSFERT_PAR_MODELE[label].startswith(DEPLACE):
                if any(f.name == "departement" for f in model._meta.concrete_fields):
                    departements = set(lignes.values_list("departement_id", flat=True))
                    assert departements <= {b.departement.pk}, f"{label} : {departements}"
            elif TRANSFERT_PAR_MODELE[label].startswith("coupé"):
                assert lignes.count() == 0, f"{label} : {lignes.count()} ligne(s) restée(s)"


def test_the_old_group_ends_and_the_receiving_clock_restarts(mondes):
    a, b = mondes
    _accepter(_proposer(a, b), b)
    with departement_scope(b.departement):
        assert not MembreGroupe.objects.filter(carnet=a.carnet, fin=None).exists()
        dossier = DossierOrientation.objects.ouverts().get(carnet=a.carnet)
        assert dossier.origine_information == OrigineInformation.TRANSFERT
        assert dossier.date_reception_information == timezone.localdate()
        assert dossier.charge_orientation is None
        assert CandidatFile.objects.filter(carnet=a.carnet).exists()
        assert a.carnet.pk in set(file_queryset(b.departement).values_list("pk", flat=True))
        types = list(Evenement.objects.filter(carnet=a.carnet, type=TypeEvenement.TRANSFERT).values_list("resume"))
        assert len(types) == 2
    with departement_scope(a.departement):
        assert not CandidatFile.objects.filter(carnet=a.carnet).exists()
        assert not file_queryset(a.departement).filter(pk=a.carnet.pk).exists()


def test_both_sides_log_the_transfer(mondes):
    a, b = mondes
    transfert = _proposer(a, b)
    _accepter(transfert, b)
    with all_departements():
        lignes = AccessLog.objects.filter(action=Action.TRANSFERT, object_uid=a.carnet.uid)
        etapes = {(row.departement_id, row.details["etape"]) for row in lignes}
    assert etapes == {
        (a.departement.pk, "proposition"),
        (a.departement.pk, "depart"),
        (b.departement.pk, "arrivee"),
    }


def test_a_transfer_to_the_same_departement_is_refused(mondes):
    a, _ = mondes
    with departement_scope(a.departement), pytest.raises(TransfertRefuse, match="déjà suivie dans ce département"):
        transfert_proposer(carnet=a.carnet, vers=a.departement, origine=OrigineTransfert.ADMIN, par=_admin(a))
    assert not TransfertCarnet.unscoped_objects.filter(carnet=a.carnet, statut=StatutTransfert.PROPOSE).exists()


def test_a_carnet_with_an_open_sanction_file_is_not_transferred(mondes):
    from sanctions.models import DossierManquement

    a, b = mondes
    DossierManquement.unscoped_objects.filter(carnet=a.carnet).update(etat="notifie")
    with pytest.raises(TransfertRefuse, match="dossier de manquement"):
        _proposer(a, b)
    assert not TransfertCarnet.unscoped_objects.filter(carnet=a.carnet, statut=StatutTransfert.PROPOSE).exists()


def test_a_sanction_file_opened_after_the_proposal_blocks_the_acceptance_and_nothing_moves(mondes):
    from sanctions.models import DossierManquement

    a, b = mondes
    transfert = _proposer(a, b)
    DossierManquement.unscoped_objects.filter(carnet=a.carnet).update(etat="ouvert")
    with pytest.raises(TransfertRefuse, match="dossier de manquement"):
        _accepter(transfert, b)
    with all_departements():
        assert Carnet.objects.get(pk=a.carnet.pk).departement_id == a.departement.pk
        assert MembreGroupe.objects.filter(carnet=a.carnet, fin=None).exists()
        assert TransfertCarnet.objects.get(pk=transfert.pk).statut == StatutTransfert.PROPOSE


def test_a_carnet_already_being_transferred_is_refused(mondes):
    a, b = mondes
    _proposer(a, b)
    with pytest.raises(TransfertRefuse, match="déjà en attente"):
        _proposer(a, b)
    assert TransfertCarnet.unscoped_objects.filter(carnet=a.carnet, statut=StatutTransfert.PROPOSE).count() == 1


def test_a_failure_in_one_app_leaves_everything_as_it_was(mondes, monkeypatch):
    from usager import transfert as usager

    a, b = mondes
    transfert = _proposer(a, b)

    def panne(**kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(usager, "transferer", panne)
    with pytest.raises(RuntimeError):
        _accepter(transfert, b)
    with all_departements():
        assert Carnet.objects.get(pk=a.carnet.pk).departement_id == a.departement.pk
        assert MembreGroupe.objects.filter(carnet=a.carnet, fin=None).exists()
        from offre.models import Prescription

        assert set(Prescription.objects.filter(carnet=a.carnet).values_list("departement_id", flat=True)) == {
            a.departement.pk
        }


def test_a_person_with_the_same_nir_in_the_receiving_departement_blocks_the_acceptance(mondes):
    from tests.carnet.factories import CarnetFactory

    a, b = mondes
    transfert = _proposer(a, b)
    with departement_scope(b.departement):
        doublon = CarnetFactory(departement=b.departement).beneficiaire
        doublon.set_nir("295109912611193")
        doublon.save()
    with pytest.raises(TransfertRefuse, match="même NIR"):
        _accepter(transfert, b)


def test_a_refusal_needs_a_reason_and_is_written_in_the_sending_timeline(mondes):
    a, b = mondes
    transfert = _proposer(a, b)
    with departement_scope(b.departement):
        with pytest.raises(TransfertRefuse, match="pourquoi"):
            transfert_refuser(transfert=transfert, par=_admin(b), motif="  ")
        transfert_refuser(transfert=transfert, par=_admin(b), motif="La personne habite la Marne")
    with departement_scope(a.departement):
        assert Evenement.objects.filter(carnet=a.carnet, resume__contains="habite la Marne").exists()
        assert MembreGroupe.objects.filter(carnet=a.carnet, fin=None).exists()


# --- Pages ------------------------------------------------------------------------------------------------------


def test_the_sending_admin_proposes_from_the_carnet_and_the_receiving_admin_accepts(mondes):
    a, b = mondes
    client_a = logged_client(_admin(a))
    url = reverse("carnet:transfert_proposer", kwargs={"uid": a.carnet.uid})
    assert client_a.get(url).status_code == 200
    response = client_a.post(url, {"departement": a.departement.uid, "motif": "x"})
    assert response.status_code == 400  # not offered: the form refuses it
    response = client_a.post(url, {"departement": b.departement.uid, "motif": "Installée à Sedan"})
    assert response.status_code == 302
    transfert = TransfertCarnet.unscoped_objects.get(carnet=a.carnet, statut=StatutTransfert.PROPOSE)

    client_b = logged_client(_admin(b))
    liste = client_b.get(reverse("carnet:transferts"))
    assert liste.status_code == 200 and a.carnet.beneficiaire.nom_complet in liste.content.decode()
    page = client_b.get(reverse("carnet:transfert_examiner", kwargs={"uid": transfert.uid}))
    assert page.status_code == 200 and "Installée à Sedan" in page.content.decode()
    response = client_b.post(
        reverse("carnet:transfert_decider", kwargs={"uid": transfert.uid}), {"decision": "accepter"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("carnet:detail", kwargs={"uid": a.carnet.uid})
    assert client_b.get(response["Location"]).status_code == 200
    assert client_a.get(response["Location"]).status_code == 404


def test_the_sending_admin_or_another_departement_cannot_decide(mondes):
    a, b = mondes
    transfert = _proposer(a, b)
    decider = reverse("carnet:transfert_decider", kwargs={"uid": transfert.uid})
    examiner = reverse("carnet:transfert_examiner", kwargs={"uid": transfert.uid})
    for role in Role:
        client = logged_client(a.users_by_role[role])
        assert client.get(examiner).status_code == 404, role
        assert client.post(decider, {"decision": "accepter"}).status_code == 404, role
    with all_departements():
        assert TransfertCarnet.objects.get(pk=transfert.pk).statut == StatutTransfert.PROPOSE


def test_only_the_receiving_admin_sees_the_proposals(mondes):
    a, b = mondes
    transfert = _proposer(a, b)
    examiner = reverse("carnet:transfert_examiner", kwargs={"uid": transfert.uid})
    for role in Role:
        client = logged_client(b.users_by_role[role])
        attendu = 200 if role == Role.ADMIN_DEPARTEMENT else 403
        assert client.get(examiner).status_code == attendu, role
        assert client.get(reverse("carnet:transferts")).status_code == attendu, role
    propose = reverse("carnet:transfert_proposer", kwargs={"uid": a.carnet.uid})
    for role in Role:
        attendu = 200 if role == Role.ADMIN_DEPARTEMENT else 403
        assert logged_client(a.users_by_role[role]).get(propose).status_code == attendu, role


def test_the_refusal_page_asks_for_a_reason(mondes):
    a, b = mondes
    transfert = _proposer(a, b)
    client_b = logged_client(_admin(b))
    url = reverse("carnet:transfert_decider", kwargs={"uid": transfert.uid})
    response = client_b.post(url, {"decision": "refuser", "motif_refus": ""})
    assert response.status_code == 400
    assert TransfertCarnet.unscoped_objects.get(pk=transfert.pk).statut == StatutTransfert.PROPOSE
    response = client_b.post(url, {"decision": "refuser", "motif_refus": "Adresse inconnue chez nous"})
    assert response.status_code == 302
    assert TransfertCarnet.unscoped_objects.get(pk=transfert.pk).statut == StatutTransfert.REFUSE


def test_the_list_page_is_logged_and_its_query_count_does_not_grow(mondes, django_assert_max_num_queries):
    from tests.carnet.factories import CarnetFactory

    a, b = mondes
    _proposer(a, b)
    for _ in range(3):
        with departement_scope(a.departement):
            carnet = CarnetFactory(departement=a.departement)
            transfert_proposer(carnet=carnet, vers=b.departement, origine=OrigineTransfert.ADMIN, par=_admin(a))
    client_b = logged_client(_admin(b))
    client_b.get(reverse("carnet:transferts"))
    with django_assert_max_num_queries(16):
        response = client_b.get(reverse("carnet:transferts"))
    assert response.status_code == 200
    with all_departements():
        assert AccessLog.objects.filter(details__page="transferts", object_uid=a.carnet.uid).count() == 2


SENTINELLE_NOTE = "SENTINELLE-NOTE-RESTREINTE-TRANSFERT-5e21"
SENTINELLE_GENERALE = "SENTINELLE-NOTE-GENERALE-TRANSFERT-9a07"


def test_the_receiving_admin_reads_the_identity_only_before_accepting(mondes):
    """The proposal shows who the person is, never the carnet's notes (restricted or not): they are read, once the
    carnet is theirs, as the carnet's rules say."""
    from tests.carnet.factories import NoteFactory

    a, b = mondes
    referent = a.users_by_role[Role.PROFESSIONNEL]
    NoteFactory(
        carnet=a.carnet, auteur=referent, structure=a.structure, texte=SENTINELLE_NOTE, sensibilite="restreinte"
    )
    NoteFactory(carnet=a.carnet, auteur=referent, structure=a.structure, texte=SENTINELLE_GENERALE)
    transfert = _proposer(a, b)
    for role in Role:
        client = logged_client(b.users_by_role[role])
        for url in (
            reverse("carnet:transferts"),
            reverse("carnet:transfert_examiner", kwargs={"uid": transfert.uid}),
        ):
            contenu = client.get(url).content.decode()
            assert SENTINELLE_NOTE not in contenu and SENTINELLE_GENERALE not in contenu, (role, url)
    # After the transfer, the restricted note keeps its rule: the receiving admin does not read it.
    _accepter(transfert, b)
    client = logged_client(_admin(b))
    client.post(
        reverse("carnet:acces_exceptionnel", kwargs={"uid": a.carnet.uid}),
        {"motif": "urgence", "justification": "Reprise du dossier après le déménagement de la personne."},
    )
    contenu = client.get(reverse("carnet:notes", kwargs={"uid": a.carnet.uid})).content.decode()
    assert SENTINELLE_GENERALE in contenu
    assert SENTINELLE_NOTE not in contenu


def test_a_questionnaire_key_already_used_in_the_receiving_departement_does_not_block_the_transfer(mondes):
    from suivi.models import Questionnaire

    a, b = mondes
    Questionnaire.unscoped_objects.filter(pk=a.questionnaire.pk).update(cle=b.questionnaire.cle)
    _accepter(_proposer(a, b), b)
    with departement_scope(b.departement):
        deplace = Questionnaire.objects.get(pk=a.questionnaire.pk)
    assert deplace.cle == f"transfert-76:{b.questionnaire.cle}"
