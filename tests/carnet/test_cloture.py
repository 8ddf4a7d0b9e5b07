"""Closing the accompaniment: the exit and its review, the check-ins after an exit into work (1, 3, 6 months by
default, a département setting), the closed carnet read-only and out of the working lists, the reopening (by hand
with a reason, by the CAF/MSA flux on a new RSA entry), a timeline event at each step, the review's PDF."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from carnet import services
from carnet.models import Carnet, Evenement, PointDeSuivi, RendezVous, Sortie, TypeEvenement
from carnet.services.cloture import est_nouvelle_entree_rsa
from spie.models import Departement, Membership
from spie.tenancy import departement_scope
from suivi.services import listes
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory, ObjectifFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-12-07T09:30:00+01:00")]

D = datetime.date


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Closeau", beneficiaire__prenoms="Inès")
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def recharger(carnet):
    return Carnet.unscoped_objects.get(pk=carnet.pk)


def evenements(dep, carnet):
    with departement_scope(dep):
        return list(Evenement.objects.filter(carnet=carnet).order_by("pk").values_list("type", "resume"))


def sortir(client, carnet, motif, jour=D(2026, 12, 1), **extra):
    return client.post(
        reverse("carnet:sorties", kwargs={"uid": carnet.uid}),
        {"date_sortie": jour.isoformat(), "motif": motif, **extra},
    )


def point(client, carnet, point, jour, en_emploi="oui", note=""):
    return client.post(
        reverse("carnet:point_de_suivi", kwargs={"uid": carnet.uid}),
        {"point": point.uid, "realise_le": jour.isoformat(), "toujours_en_emploi": en_emploi, "note": note},
    )


# --- Exit and review ------------------------------------------------------------------------------------------------


def test_an_exit_other_than_work_closes_the_carnet_at_once_with_its_review(carnet, client_agent_a, dep_a, agent_a):
    atteint = ObjectifFactory(axe__carnet=carnet, libelle="Obtenir le permis B", created_by=agent_a)
    ObjectifFactory(axe=atteint.axe, libelle="Autre objectif", created_by=agent_a)
    response = sortir(
        client_agent_a,
        carnet,
        "formation",
        objectifs_atteints=[atteint.pk],
        ce_qui_a_aide="Les ateliers collectifs",
        paroles_personne="Je me sens prête",
        precision="Titre pro soudeur",
    )
    assert response.status_code == 302
    assert recharger(carnet).cloture_le is not None
    with departement_scope(dep_a):
        sortie = Sortie.objects.get(carnet=carnet)
        assert list(sortie.objectifs_atteints.all()) == [atteint]
        assert not PointDeSuivi.objects.exists()
    types = [t for t, _ in evenements(dep_a, carnet)]
    assert types[-2:] == [TypeEvenement.SORTIE, TypeEvenement.CLOTURE]
    # The review's own words never enter the timeline.
    assert all("prête" not in resume and "ateliers" not in resume for _, resume in evenements(dep_a, carnet))
    page = client_agent_a.get(reverse("carnet:sorties", kwargs={"uid": carnet.uid})).content.decode()
    assert "Carnet clos le 07/12/2026" in page and "Je me sens prête" in page and "Obtenir le permis B" in page


def test_an_objective_of_another_carnet_is_refused_and_nothing_is_saved(carnet, client_agent_a, dep_a, agent_a):
    ailleurs = ObjectifFactory(axe__carnet=CarnetFactory(departement=dep_a), created_by=agent_a)
    response = sortir(client_agent_a, carnet, "autre", objectifs_atteints=[ailleurs.pk])
    assert response.status_code == 200
    assert "objectifs_atteints" in response.context["form"].errors
    assert recharger(carnet).cloture_le is None
    with departement_scope(dep_a):
        assert not Sortie.objects.exists()


def test_an_exit_into_work_plans_check_ins_from_the_departement_setting(carnet, client_agent_a, dep_a):
    Departement.objects.filter(pk=dep_a.pk).update(suivi_sortie_mois=[2, 6])
    sortir(client_agent_a, carnet, "emploi", jour=D(2026, 8, 31))
    assert recharger(carnet).cloture_le is None
    with departement_scope(dep_a):
        # Calendar months: 31 August + 2 months → 31 October; + 6 months → 28 February.
        echeances = list(PointDeSuivi.objects.values_list("mois", "echeance"))
        assert echeances == [(2, D(2026, 10, 31)), (6, D(2027, 2, 28))]
        assert Sortie.objects.get().suivi_dans_emploi
    [(_, resume)] = [e for e in evenements(dep_a, carnet) if e[0] == TypeEvenement.SORTIE]
    assert "points à 2 et 6 mois" in resume


def test_default_schedule_is_one_three_and_six_months(carnet, dep_a, agent_a, structure_a, scope_a):
    sortie = services.sortie_create(
        carnet=carnet,
        data={"date_sortie": D(2026, 1, 31), "motif": "creation", "precision": ""},
        auteur=agent_a,
        structure=structure_a,
    )
    echeances = list(sortie.points_de_suivi.values_list("mois", "echeance"))
    assert echeances == [(1, D(2026, 2, 28)), (3, D(2026, 4, 30)), (6, D(2026, 7, 31))]


def test_the_last_check_in_closes_the_carnet(carnet, client_agent_a, dep_a, _clock):
    sortir(client_agent_a, carnet, "emploi", jour=D(2026, 5, 4))
    with departement_scope(dep_a):
        un, trois, six = PointDeSuivi.objects.order_by("mois")
    assert point(client_agent_a, carnet, un, D(2026, 6, 5)).status_code == 302
    assert point(client_agent_a, carnet, trois, D(2026, 8, 4), en_emploi="inconnu", note="Injoignable").status_code
    assert recharger(carnet).cloture_le is None
    # A check-in already recorded cannot be recorded again.
    response = point(client_agent_a, carnet, un, D(2026, 6, 6))
    assert response.status_code == 200 and "plus à faire" in response.content.decode()
    assert point(client_agent_a, carnet, six, D(2026, 11, 4), en_emploi="non").status_code == 302
    assert recharger(carnet).cloture_le is not None
    with departement_scope(dep_a):
        assert list(PointDeSuivi.objects.order_by("mois").values_list("toujours_en_emploi", flat=True)) == [
            True,
            None,
            False,
        ]
    types = [t for t, _ in evenements(dep_a, carnet)]
    assert types.count(TypeEvenement.SUIVI_SORTIE) == 3 and types[-1] == TypeEvenement.CLOTURE


def test_a_check_in_in_the_future_or_before_the_exit_is_refused(carnet, client_agent_a, dep_a):
    sortir(client_agent_a, carnet, "emploi", jour=D(2026, 10, 1))
    with departement_scope(dep_a):
        premier = PointDeSuivi.objects.order_by("mois").first()
    futur = point(client_agent_a, carnet, premier, D(2026, 12, 8))
    assert "ne peut pas être dans le futur" in futur.content.decode()
    avant = point(client_agent_a, carnet, premier, D(2026, 9, 30))
    assert "ne peut pas précéder la date de sortie" in avant.content.decode()
    with departement_scope(dep_a):
        assert not PointDeSuivi.objects.filter(realise_le__isnull=False).exists()


# --- A closed carnet is read-only -----------------------------------------------------------------------------------


@pytest.fixture
def clos(carnet, client_agent_a):
    sortir(client_agent_a, carnet, "fin_droits")
    assert recharger(carnet).cloture_le is not None
    return carnet


@pytest.mark.parametrize(
    ("route", "data"),
    [
        ("carnet:rendez_vous", {"date": "2026-12-20", "heure": "10:00", "mode": "physique"}),
        ("carnet:notes", {"texte": "Une note", "sensibilite": "generale"}),
        ("carnet:axe_ajouter", {"theme": "1"}),
        ("carnet:sorties", {"date_sortie": "2026-12-02", "motif": "autre"}),
        ("carnet:beneficiaire_modifier", {"nom_usage": "Autre"}),
        ("carnet:groupe", {}),
    ],
)
def test_a_closed_carnet_refuses_every_write_with_a_clear_page(clos, client_agent_a, dep_a, route, data):
    avant = evenements(dep_a, clos)
    response = client_agent_a.post(reverse(route, kwargs={"uid": clos.uid}), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Ce carnet est clos : il n'est plus modifiable" in page and "Rien n'a été enregistré" in page
    assert evenements(dep_a, clos) == avant
    with departement_scope(dep_a):
        assert not RendezVous.objects.filter(carnet=clos).exists()


def test_a_closed_carnet_still_reads_but_offers_no_form(clos, client_agent_a):
    response = client_agent_a.get(reverse("carnet:rendez_vous", kwargs={"uid": clos.uid}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Carnet clos le 07/12/2026" in page and 'name="mode"' not in page
    # A page that only serves a write answers "closed".
    assert client_agent_a.get(reverse("carnet:axe_ajouter", kwargs={"uid": clos.uid})).status_code == 409


def test_a_service_refuses_an_exit_on_a_closed_carnet(clos, agent_a, structure_a, scope_a):
    with pytest.raises(services.RegleMetier, match="clos"):
        services.sortie_create(
            carnet=clos, data={"date_sortie": D(2026, 12, 2), "motif": "autre"}, auteur=agent_a, structure=structure_a
        )


def test_outsiders_still_get_403_and_other_departement_404_on_a_closed_carnet(clos, partner_a, client_admin_b):
    from tests.conftest import logged_client

    url = reverse("carnet:notes", kwargs={"uid": clos.uid})
    assert logged_client(partner_a).post(url, {"texte": "x"}).status_code == 403
    assert client_admin_b.post(url, {"texte": "x"}).status_code == 404


# --- Out of the working lists --------------------------------------------------------------------------------------


def test_closed_carnets_leave_ma_journee_and_the_portfolios(clos, carnet, dep_a, agent_a, structure_a, client_agent_a):
    ouvert = CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Vaillant")
    MembreGroupeFactory(carnet=ouvert, user=agent_a, structure=structure_a, est_referent=True)
    with departement_scope(dep_a):
        assert list(listes.perimetre_professionnel(agent_a)) == [ouvert]
        assert list(listes.perimetre_structure(structure_a)) == [ouvert]
        sans_rdv = listes.sans_rendez_vous(Carnet.objects.all(), jours=30)
        assert clos.pk in set(sans_rdv.values_list("pk", flat=True))  # the list itself; the perimeter excludes it
    page = client_agent_a.get(reverse("carnet:portefeuille")).content.decode()
    assert "VAILLANT" in page.upper() and "CLOSEAU" not in page.upper()
    page_clos = client_agent_a.get(reverse("carnet:portefeuille") + "?filtre=clos").content.decode()
    assert "CLOSEAU" in page_clos.upper() and "VAILLANT" not in page_clos.upper()


# --- Reopening -----------------------------------------------------------------------------------------------------


def test_the_referent_reopens_with_a_reason(clos, client_agent_a, dep_a, agent_a):
    url = reverse("carnet:reouvrir", kwargs={"uid": clos.uid})
    sans_motif = client_agent_a.post(url, {"motif": ""})
    assert sans_motif.status_code == 200 and recharger(clos).cloture_le is not None
    response = client_agent_a.post(url, {"motif": "Reprise à la demande de la personne"})
    assert response.status_code == 302
    assert recharger(clos).cloture_le is None
    with departement_scope(dep_a):
        sortie = Sortie.objects.get(carnet=clos)
        assert sortie.rouverte_le is not None and sortie.motif_reouverture == "Reprise à la demande de la personne"
        # Back in the lists (the exit is undone by the reopening).
        assert list(listes.perimetre_professionnel(agent_a)) == [clos]
    type_, resume = evenements(dep_a, clos)[-1]
    assert type_ == TypeEvenement.REOUVERTURE and resume == "Carnet rouvert : Reprise à la demande de la personne"
    # Writable again.
    note = client_agent_a.post(
        reverse("carnet:notes", kwargs={"uid": clos.uid}), {"texte": "Reprise", "sensibilite": "generale"}
    )
    assert note.status_code == 302


def test_a_member_who_is_not_referent_cannot_reopen_but_the_admin_can(clos, dep_a, client_admin_a, partner_a):
    from tests.conftest import logged_client

    structure = Membership.unscoped_objects.get(user=partner_a).structure
    autre = MembreGroupeFactory(carnet=clos, user=partner_a, structure=structure)
    assert not autre.est_referent
    url = reverse("carnet:reouvrir", kwargs={"uid": clos.uid})
    assert logged_client(partner_a).post(url, {"motif": "Je veux"}).status_code == 403
    assert client_admin_a.post(url, {"motif": "Erreur de saisie de la sortie"}).status_code == 302
    assert recharger(clos).cloture_le is None


def test_new_rsa_entry_rule():
    class B:
        def __init__(self, etat, entree):
            self.etat_droit_rsa, self.date_entree_rsa = etat, entree

    assert est_nouvelle_entree_rsa(avant_entree=D(2024, 1, 1), avant_etat="5", beneficiaire=B("2", D(2024, 1, 1)))
    assert est_nouvelle_entree_rsa(avant_entree=D(2024, 1, 1), avant_etat="2", beneficiaire=B("0", D(2026, 11, 1)))
    assert not est_nouvelle_entree_rsa(avant_entree=D(2024, 1, 1), avant_etat="2", beneficiaire=B("3", D(2024, 1, 1)))
    assert not est_nouvelle_entree_rsa(avant_entree=D(2024, 1, 1), avant_etat="2", beneficiaire=B("5", D(2026, 1, 1)))


# --- The review's PDF ---------------------------------------------------------------------------------------------


def test_the_review_pdf_holds_the_review(clos, client_agent_a, dep_a):
    with departement_scope(dep_a):
        Sortie.objects.filter(carnet=clos).update(ce_qui_a_aide="Le club emploi", paroles_personne="Merci à tous")
    response = client_agent_a.get(reverse("carnet:bilan_pdf", kwargs={"uid": clos.uid}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Closeau" not in response["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Bilan de fin d'accompagnement" in text and "Le club emploi" in text and "Merci à tous" in text
    assert "Fin des droits au RSA" in text


def test_an_earlier_exit_without_check_ins_does_not_block_a_new_exit(carnet, dep_a, agent_a, structure_a, scope_a):
    """An exit recorded before the check-ins existed (no schedule), on a carnet still open."""
    Sortie.objects.create(
        departement=dep_a,
        carnet=carnet,
        date_sortie=D(2020, 1, 1),
        motif="autre",
        auteur=agent_a,
        structure=structure_a,
    )
    services.sortie_create(
        carnet=carnet, data={"date_sortie": D(2026, 12, 1), "motif": "autre"}, auteur=agent_a, structure=structure_a
    )
    assert recharger(carnet).cloture_le is not None
