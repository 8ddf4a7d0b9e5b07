"""Information of the person before sharing, and their opposition: the matrix of every sharing channel (group,
search, partner API, webhooks) before and after, the refusals with their message, the timeline."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.models import Evenement, InformationPersonne, MembreGroupe, OppositionPartage, TypeEvenement
from carnet.perms import REFUS_NON_INFORMEE, REFUS_OPPOSITION
from carnet.services.information import opposition_record
from partenaires.models import AbonnementWebhook, LivraisonWebhook
from spie.crypto import encrypt
from spie.models import Membership
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.partenaires.test_api import api, make_token
from tests.spie.factories import DepartementFactory, MembershipFactory, StructureFactory


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def monde(db):
    dep = DepartementFactory(code="76", nom="Seine-Maritime")
    association = StructureFactory(departement=dep, type="association", nom="Association Tremplin")
    ft = StructureFactory(departement=dep, type="france_travail", nom="France Travail Rouen")
    referent = MembershipFactory(structure=association).user
    collegue = MembershipFactory(structure=association).user
    membre_ft = MembershipFactory(structure=ft).user
    autre_ft = MembershipFactory(structure=ft).user
    _, jeton = make_token(ft)
    AbonnementWebhook.unscoped_objects.create(
        departement=dep,
        structure=ft,
        url="https://partenaire.example/hook",
        evenements=["carnet.modifie"],
        secret_chiffre=encrypt("secret"),
    )
    return {
        "dep": dep,
        "association": association,
        "ft": ft,
        "referent": referent,
        "collegue": collegue,
        "membre_ft": membre_ft,
        "autre_ft": autre_ft,
        "jeton": jeton,
    }


def nouveau_carnet(monde, *, informee=True, avec_ft=True):
    carnet = CarnetFactory(departement=monde["dep"], informee=informee)
    MembreGroupeFactory(carnet=carnet, user=monde["referent"], structure=monde["association"], est_referent=True)
    if avec_ft:
        MembreGroupeFactory(carnet=carnet, user=monde["membre_ft"], structure=monde["ft"])
    return carnet


def livraisons_apres_un_evenement(monde, carnet, django_capture_on_commit_callbacks):
    avant = LivraisonWebhook.objects.count()
    with django_capture_on_commit_callbacks(execute=False), departement_scope(monde["dep"]):
        services.evenement_record(carnet=carnet, type="note", resume="Note ajoutée")
    return LivraisonWebhook.objects.count() - avant


def trouve(user, carnet):
    page = client_for(user).get(reverse("carnet:recherche"), {"nom": carnet.beneficiaire.nom_usage})
    assert page.status_code == 200
    return str(carnet.uid) in page.content.decode()


def matrice(monde, carnet, django_capture_on_commit_callbacks):
    url_groupe = reverse("carnet:groupe", kwargs={"uid": carnet.uid})
    api_response = api(monde["jeton"]).get(reverse("api:carnet", kwargs={"uid": carnet.uid}))
    return {
        "referent_lit": client_for(monde["referent"]).get(url_groupe).status_code,
        "membre_ft_lit": client_for(monde["membre_ft"]).get(url_groupe).status_code,
        "recherche_collegue": trouve(monde["collegue"], carnet),
        "recherche_autre_structure": trouve(monde["autre_ft"], carnet),
        "api_autre_structure": api_response.status_code,
        "api_recherche_autre_structure": str(carnet.beneficiaire.uid)
        in api(monde["jeton"])
        .get(reverse("api:beneficiaires"), {"nom": carnet.beneficiaire.nom_usage})
        .content.decode(),
        "webhooks_autre_structure": livraisons_apres_un_evenement(monde, carnet, django_capture_on_commit_callbacks),
    }


def test_matrice_avant_et_apres_l_opposition(monde, django_capture_on_commit_callbacks):
    carnet = nouveau_carnet(monde)
    assert matrice(monde, carnet, django_capture_on_commit_callbacks) == {
        "referent_lit": 200,
        "membre_ft_lit": 200,
        "recherche_collegue": True,
        "recherche_autre_structure": True,
        "api_autre_structure": 200,
        "api_recherche_autre_structure": True,
        "webhooks_autre_structure": 1,
    }
    url = reverse("carnet:partage", kwargs={"uid": carnet.uid})
    response = client_for(monde["referent"]).post(
        url,
        {
            "quoi": "opposition",
            "opposition-opposee_le": timezone.localdate().isoformat(),
            "opposition-motif": "Ne veut pas que France Travail lise son carnet.",
        },
    )
    assert response.status_code == 302
    assert matrice(monde, carnet, django_capture_on_commit_callbacks) == {
        "referent_lit": 200,
        "membre_ft_lit": 403,
        "recherche_collegue": True,
        "recherche_autre_structure": False,
        "api_autre_structure": 403,
        "api_recherche_autre_structure": False,
        "webhooks_autre_structure": 0,
    }
    assert (
        REFUS_OPPOSITION in api(monde["jeton"]).get(reverse("api:carnet", kwargs={"uid": carnet.uid})).json()["detail"]
    )
    # The other structure's member left the group, with the reason; they cannot be added back.
    fin = MembreGroupe.unscoped_objects.get(carnet=carnet, user=monde["membre_ft"])
    assert fin.fin is not None and fin.motif_fin == "opposition de la personne au partage"
    with departement_scope(monde["dep"]), pytest.raises(services.RegleMetier, match="opposée"):
        services.groupe_add_member(carnet=carnet, user=monde["autre_ft"], structure=monde["ft"])
    evenement = Evenement.unscoped_objects.get(carnet=carnet, type=TypeEvenement.OPPOSITION)
    assert "1 professionnel(s)" in evenement.resume and evenement.auteur_id == monde["referent"].pk
    opposition = OppositionPartage.unscoped_objects.get(carnet=carnet)
    assert (opposition.structure, opposition.auteur) == (monde["association"], monde["referent"])


def test_partage_refuse_tant_que_la_personne_n_est_pas_informee(monde, django_capture_on_commit_callbacks):
    carnet = nouveau_carnet(monde, informee=False)
    api_response = api(monde["jeton"]).get(reverse("api:carnet", kwargs={"uid": carnet.uid}))
    assert api_response.status_code == 403 and api_response.json()["detail"] == REFUS_NON_INFORMEE
    assert livraisons_apres_un_evenement(monde, carnet, django_capture_on_commit_callbacks) == 0
    referent = client_for(monde["referent"])
    ajout = {"membership": Membership.unscoped_objects.get(user=monde["autre_ft"]).pk, "referent": ""}
    page = referent.post(reverse("carnet:groupe", kwargs={"uid": carnet.uid}), ajout)
    assert "pas encore été informée" in page.content.decode()
    assert not MembreGroupe.unscoped_objects.filter(carnet=carnet, user=monde["autre_ft"]).exists()
    # The référent's own structure shares without it.
    with departement_scope(monde["dep"]):
        services.groupe_add_member(carnet=carnet, user=monde["collegue"], structure=monde["association"])

    response = referent.post(
        reverse("carnet:partage", kwargs={"uid": carnet.uid}),
        {
            "quoi": "information",
            "information-informee_le": timezone.localdate().isoformat(),
            "information-canal": "entretien",
            "information-version_notice": "2026-11",
        },
    )
    assert response.status_code == 302
    information = InformationPersonne.unscoped_objects.get(carnet=carnet)
    assert (information.canal, information.version_notice, information.auteur) == (
        "entretien",
        "2026-11",
        monde["referent"],
    )
    assert Evenement.unscoped_objects.filter(carnet=carnet, type=TypeEvenement.INFORMATION).exists()
    assert api(monde["jeton"]).get(reverse("api:carnet", kwargs={"uid": carnet.uid})).status_code == 200
    assert livraisons_apres_un_evenement(monde, carnet, django_capture_on_commit_callbacks) == 1
    referent.post(reverse("carnet:groupe", kwargs={"uid": carnet.uid}), ajout)
    assert MembreGroupe.unscoped_objects.filter(carnet=carnet, user=monde["autre_ft"], fin=None).exists()


def test_saisies_refusees_avec_un_message_clair_et_rien_d_enregistre(monde):
    carnet = nouveau_carnet(monde, informee=False)
    url = reverse("carnet:partage", kwargs={"uid": carnet.uid})
    referent = client_for(monde["referent"])
    demain = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = referent.post(
        url,
        {
            "quoi": "information",
            "information-informee_le": demain,
            "information-canal": "courrier",
            "information-version_notice": "2026-11",
        },
    )
    assert response.status_code == 400 and "dans le futur" in response.content.decode()
    response = referent.post(url, {"quoi": "opposition", "opposition-opposee_le": timezone.localdate().isoformat()})
    assert response.status_code == 400 and "Indiquez le motif" in response.content.decode()
    # Only the référent records them.
    response = client_for(monde["membre_ft"]).post(
        url, {"quoi": "opposition", "opposition-opposee_le": "2026-01-01", "opposition-motif": "Refus"}
    )
    assert response.status_code == 403
    assert not InformationPersonne.unscoped_objects.filter(carnet=carnet).exists()
    assert not OppositionPartage.unscoped_objects.filter(carnet=carnet).exists()
    with departement_scope(monde["dep"]):
        opposition_record(
            carnet=carnet,
            opposee_le=timezone.localdate(),
            motif="Refus",
            auteur=monde["referent"],
            structure=monde["association"],
        )
        with pytest.raises(services.RegleMetier, match="déjà enregistrée"):
            opposition_record(
                carnet=carnet,
                opposee_le=timezone.localdate(),
                motif="Encore",
                auteur=monde["referent"],
                structure=monde["association"],
            )
    assert OppositionPartage.unscoped_objects.filter(carnet=carnet).count() == 1
