"""Hand-over of a leaving professional's portfolio (`carnet.services.transmission`) and who may do it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import Evenement, MembreGroupe, RendezVous
from carnet.services.base import RegleMetier
from carnet.services.transmission import portefeuille_transmettre
from spie.models import Notification
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, RendezVousFactory
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def equipe(dep_a, structure_a):
    """A leaving professional référent of 4 people and member of a 5th group, two colleagues and a manager."""
    partant = MembershipFactory(structure=structure_a, role="professionnel").user
    alice = MembershipFactory(structure=structure_a, role="professionnel", user__first_name="Alice").user
    bruno = MembershipFactory(structure=structure_a, role="professionnel", user__first_name="Bruno").user
    responsable = MembershipFactory(structure=structure_a, role="responsable_structure").user
    carnets = []
    for nom in ("Arnaud", "Benoit", "Carpentier", "Dupont"):
        carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage=nom)
        MembreGroupeFactory(carnet=carnet, user=partant, structure=structure_a, est_referent=True)
        carnets.append(carnet)
    membre = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Esnault")
    MembreGroupeFactory(
        carnet=membre, user=MembershipFactory(structure=structure_a).user, structure=structure_a, est_referent=True
    )
    MembreGroupeFactory(carnet=membre, user=partant, structure=structure_a)
    carnets.append(membre)
    return {"partant": partant, "alice": alice, "bruno": bruno, "responsable": responsable, "carnets": carnets}


def _transmettre(equipe, structure, destinataires):
    with departement_scope(structure.departement):
        return portefeuille_transmettre(
            ancien=equipe["partant"],
            structure=structure,
            destinataires=destinataires,
            auteur=equipe["responsable"],
            auteur_structure=structure,
        )


def test_carnets_are_shared_in_turn_and_the_referent_role_passes(equipe, structure_a):
    resultat = _transmettre(equipe, structure_a, [equipe["alice"], equipe["bruno"]])
    assert resultat.carnets == 5 and resultat.referents == 4
    assert resultat.par_destinataire == {equipe["alice"].pk: 3, equipe["bruno"].pk: 2}
    with departement_scope(structure_a.departement):
        referents = {
            m.carnet.beneficiaire.nom_usage: m.user.first_name
            for m in MembreGroupe.objects.referents().select_related("carnet__beneficiaire", "user")
        }
        assert referents["Arnaud"] == "Alice" and referents["Benoit"] == "Bruno" and referents["Carpentier"] == "Alice"
        # In the 5th group the leaving professional was a plain member: the colleague joins as a plain member.
        esnault = equipe["carnets"][4]
        assert MembreGroupe.objects.actifs().filter(carnet=esnault, user=equipe["alice"], est_referent=False).exists()
        assert not MembreGroupe.objects.actifs().filter(user=equipe["partant"]).exists()


def test_history_is_kept_and_each_timeline_says_who_takes_over(equipe, structure_a):
    _transmettre(equipe, structure_a, [equipe["alice"]])
    with departement_scope(structure_a.departement):
        anciennes = MembreGroupe.objects.filter(user=equipe["partant"])
        assert anciennes.count() == 5 and all(m.fin is not None for m in anciennes)
        assert {m.motif_fin for m in anciennes} == {"départ du professionnel : portefeuille transmis"}
        for carnet in equipe["carnets"]:
            evenement = Evenement.objects.filter(carnet=carnet).latest("created_at")
            assert "Alice" in evenement.resume and "quitte la structure" in evenement.resume
            assert evenement.auteur_id == equipe["responsable"].pk


def test_new_referent_is_notified_once_and_planned_appointments_follow(equipe, structure_a):
    futur = RendezVousFactory(carnet=equipe["carnets"][0], professionnel=equipe["partant"], structure=structure_a)
    passe = RendezVousFactory(
        carnet=equipe["carnets"][0],
        professionnel=equipe["partant"],
        structure=structure_a,
        date_heure=timezone.now() - datetime.timedelta(days=10),
        statut="present",
    )
    _transmettre(equipe, structure_a, [equipe["alice"]])
    [notification] = Notification.objects.filter(user=equipe["alice"])
    assert notification.titre == "Vous reprenez 5 personnes suivies"
    assert not Notification.objects.filter(user=equipe["bruno"]).exists()
    with departement_scope(structure_a.departement):
        assert RendezVous.objects.get(pk=futur.pk).professionnel_id == equipe["alice"].pk
        # What happened stays as it was.
        assert RendezVous.objects.get(pk=passe.pk).professionnel_id == equipe["partant"].pk


def test_a_deactivated_professional_can_still_be_handed_over(equipe, structure_a):
    type(equipe["partant"]).objects.filter(pk=equipe["partant"].pk).update(is_active=False)
    assert _transmettre(equipe, structure_a, [equipe["bruno"]]).carnets == 5


def test_nobody_or_oneself_is_refused_and_nothing_changes(equipe, structure_a):
    with pytest.raises(RegleMetier):
        _transmettre(equipe, structure_a, [])
    with pytest.raises(RegleMetier):
        _transmettre(equipe, structure_a, [equipe["partant"]])
    with departement_scope(structure_a.departement):
        assert MembreGroupe.objects.actifs().filter(user=equipe["partant"]).count() == 5


def test_only_the_structures_rows_move(equipe, dep_a, structure_a):
    autre = StructureFactory(departement=dep_a, type="association")
    MembershipFactory(structure=autre, user=equipe["partant"])
    ailleurs = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=ailleurs, user=equipe["partant"], structure=autre, est_referent=True)
    _transmettre(equipe, structure_a, [equipe["alice"]])
    with departement_scope(dep_a):
        assert MembreGroupe.objects.referents().get(carnet=ailleurs).user_id == equipe["partant"].pk


# --- The page and its permissions ------------------------------------------------------------------------------

URL = "/carnets/structure/transmettre/"


def _post(client, equipe, destinataires, **extra):
    return client.post(
        reverse("carnet:portefeuille_transmettre"),
        {"ancien": equipe["partant"].uid, "destinataires": [d.uid for d in destinataires], **extra},
    )


def test_url():
    assert reverse("carnet:portefeuille_transmettre") == URL


@pytest.mark.parametrize(
    ("qui", "attendu"),
    [
        ("responsable", 302),
        ("admin", 302),
        ("professionnel", 403),
        ("autre_responsable", 400),
        ("autre_departement", 403),
    ],
)
def test_permission_matrix(qui, attendu, equipe, dep_a, structure_a, admin_a, admin_b):
    utilisateurs = {
        "responsable": equipe["responsable"],
        "admin": admin_a,
        "professionnel": equipe["alice"],
        "autre_responsable": MembershipFactory(
            structure=StructureFactory(departement=dep_a, type="association"), role="responsable_structure"
        ).user,
        "autre_departement": admin_b,
    }
    client = logged_client(utilisateurs[qui])
    # Only an administrator may name a structure: the other manager stays in theirs, where the leaving
    # professional follows nobody (the form refuses, nothing moves).
    extra = {"structure": structure_a.uid}
    response = _post(client, equipe, [equipe["alice"]], **extra)
    if qui == "autre_departement":
        # Another département's structure does not exist for them.
        assert response.status_code == 404
        return
    assert response.status_code == attendu
    with departement_scope(dep_a):
        restants = MembreGroupe.objects.actifs().filter(user=equipe["partant"]).count()
    assert restants == (0 if attendu == 302 else 5)
    assert response.status_code != 302 or response["Location"] == reverse("carnet:portefeuille_structure")


def test_form_lists_colleagues_and_refuses_a_colleague_of_another_structure(equipe, dep_a, structure_a):
    client = logged_client(equipe["responsable"])
    page = client.get(reverse("carnet:portefeuille_transmettre")).content.decode()
    assert equipe["partant"].get_full_name() in page and equipe["alice"].get_full_name() in page
    etranger = MembershipFactory(structure=StructureFactory(departement=dep_a, type="association")).user
    response = _post(client, equipe, [etranger])
    assert response.status_code == 400
    with departement_scope(dep_a):
        assert MembreGroupe.objects.actifs().filter(user=equipe["partant"]).count() == 5


def test_structure_portfolio_links_to_the_hand_over_for_managers_only(equipe, client_agent_a):
    lien = reverse("carnet:portefeuille_transmettre")
    assert lien in logged_client(equipe["responsable"]).get(reverse("carnet:portefeuille_structure")).content.decode()
