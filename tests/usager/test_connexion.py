"""Ways into the person's space: FranceConnect (fake provider over HTTP), linking on the identity pivot with a
code, the one-time link from the référent, the lock after five wrong codes."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from carnet.models import Beneficiaire
from spie.models import AccessLog
from spie.tenancy import departement_scope
from suivi.models import Message
from tests.carnet.factories import CarnetFactory, MembreGroupeFactory
from tests.usager.conftest import client_usager
from usager import services
from usager.models import CompteUsager, DemandeLiaison, LienAcces, ModeLiaison
from usager.session import SESSION_KEY

FC_LOGIN_URL = reverse("openid_connect_login", kwargs={"provider_id": "franceconnect"})


def franceconnect_flow(client, provider):
    response = client.post(FC_LOGIN_URL)
    assert response.status_code == 302, response.content[:300]
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def carnet_lea(dep_a):
    carnet = CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Martin",
        beneficiaire__nom_naissance="Durand",
        beneficiaire__prenoms="Léa",
        beneficiaire__civilite="mme",
        beneficiaire__lieu_naissance="76540",
        beneficiaire__courriel="lea.durand@exemple.fr",
    )
    return carnet


def identite_lea(sub="sub-lea"):
    return {
        "sub": sub,
        "given_name": "Léa Marie",
        "family_name": "DURAND",
        "birthdate": "1988-04-12",
        "gender": "female",
        "birthplace": "76540",
        "email": "autre-adresse@exemple.fr",
    }


def code_envoye():
    (message,) = [m for m in Message.unscoped_objects.order_by("-pk")[:1]]
    return re.search(r"Votre code : (\d{6})", mail.outbox[-1].body).group(1) if mail.outbox else message


def test_franceconnect_demande_le_niveau_eidas_et_un_nonce(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = identite_lea()
    franceconnect_flow(client, fake_franceconnect)
    (authorize,) = fake_franceconnect.authorize_requests
    assert authorize["acr_values"] == "eidas1"
    assert len(authorize["nonce"]) >= 32 and len(authorize["state"]) >= 32
    assert {"birthdate", "family_name", "given_name", "gender", "birthplace"} <= set(authorize["scope"].split())


def test_liaison_par_pivot_puis_code_ouvre_l_espace(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = identite_lea()
    response = franceconnect_flow(client, fake_franceconnect)
    assert response["Location"] == reverse("usager:liaison")
    page = client.get(reverse("usager:liaison"))
    assert page.status_code == 200
    assert "l***" in page.content.decode() or "l****" in page.content.decode()
    assert not DemandeLiaison.unscoped_objects.exists()  # GET never writes

    response = client.post(reverse("usager:liaison"))
    assert response["Location"] == reverse("usager:code")
    (sent,) = mail.outbox
    assert sent.to == ["lea.durand@exemple.fr"]  # the address the référent recorded, not FranceConnect's
    code = re.search(r"Votre code : (\d{6})", sent.body).group(1)

    response = client.post(reverse("usager:code"), {"code": code})
    assert response["Location"] == reverse("usager:accueil")
    compte = CompteUsager.unscoped_objects.get()
    assert compte.beneficiaire_id == carnet_lea.beneficiaire_id and compte.franceconnect_sub == "sub-lea"
    assert client.get(reverse("usager:accueil")).status_code == 200
    # The outbox no longer holds the code once sent.
    assert code not in Message.unscoped_objects.get().corps


def test_compte_deja_lie_se_connecte_par_sub_sans_code(client, fake_franceconnect, carnet_lea):
    with departement_scope(carnet_lea.departement_id):
        CompteUsager.objects.create(
            departement_id=carnet_lea.departement_id, beneficiaire=carnet_lea.beneficiaire, franceconnect_sub="sub-lea"
        )
    # Even with other names, the key is the subject: the link was made once.
    fake_franceconnect.identity = {**identite_lea(), "family_name": "Autre"}
    response = franceconnect_flow(client, fake_franceconnect)
    assert response["Location"] == reverse("usager:accueil")
    assert client.session[SESSION_KEY]["departement"] == carnet_lea.departement_id
    assert AccessLog.objects.filter(canal="usager", action="connexion").exists()


def test_acr_insuffisant_refuse(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = identite_lea()
    fake_franceconnect.id_token_acr = "eidas0"
    response = franceconnect_flow(client, fake_franceconnect)
    assert response.status_code != 302 or response["Location"] != reverse("usager:liaison")
    assert SESSION_KEY not in client.session and "usager_franceconnect" not in client.session


def test_aucune_correspondance_message_clair(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = {**identite_lea(), "birthdate": "1990-01-01"}
    franceconnect_flow(client, fake_franceconnect)
    response = client.get(reverse("usager:liaison"))
    assert response.status_code == 403
    assert "Contactez votre référent" in response.content.decode()
    assert client.post(reverse("usager:liaison")).status_code == 403
    assert not DemandeLiaison.unscoped_objects.exists()


def test_meme_adresse_electronique_ne_suffit_pas(client, fake_franceconnect, carnet_lea):
    """Same e-mail as the carnet, other identity: no match (e-mail is never a key)."""
    fake_franceconnect.identity = {**identite_lea(), "email": "lea.durand@exemple.fr", "given_name": "Paul"}
    franceconnect_flow(client, fake_franceconnect)
    assert client.get(reverse("usager:liaison")).status_code == 403


def test_deux_correspondances_refusees(client, fake_franceconnect, carnet_lea, dep_b):
    CarnetFactory(
        departement=dep_b,
        beneficiaire__nom_usage="Durand",
        beneficiaire__prenoms="Léa",
        beneficiaire__civilite="mme",
        beneficiaire__courriel="x@exemple.fr",
    )
    fake_franceconnect.identity = identite_lea()
    franceconnect_flow(client, fake_franceconnect)
    response = client.get(reverse("usager:liaison"))
    assert response.status_code == 403
    assert "Plusieurs dossiers" in response.content.decode()


def test_cinq_codes_faux_verrouillent(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = identite_lea()
    franceconnect_flow(client, fake_franceconnect)
    client.post(reverse("usager:liaison"))
    code = re.search(r"Votre code : (\d{6})", mail.outbox[-1].body).group(1)
    faux = "000000" if code != "000000" else "111111"
    for essai in range(4):
        response = client.post(reverse("usager:code"), {"code": faux})
        assert response.status_code == 400
        assert f"Il vous reste {4 - essai} essai" in response.content.decode()
    response = client.post(reverse("usager:code"), {"code": faux})
    assert "bloqué" in response.content.decode()
    # Even the right code is refused now, and a new FranceConnect attempt cannot start a new linking.
    response = client.post(reverse("usager:code"), {"code": code})
    assert "bloqué" in response.content.decode() and SESSION_KEY not in client.session
    assert client.get(reverse("usager:liaison")).status_code == 403
    assert not CompteUsager.unscoped_objects.exists()


def test_sans_contact_enregistre_message_clair(client, fake_franceconnect, carnet_lea):
    Beneficiaire.unscoped_objects.filter(pk=carnet_lea.beneficiaire_id).update(courriel="", telephone="")
    fake_franceconnect.identity = identite_lea()
    franceconnect_flow(client, fake_franceconnect)
    response = client.get(reverse("usager:liaison"))
    assert response.status_code == 403 and "référent" in response.content.decode()


# --- One-time link -------------------------------------------------------------------------------


@pytest.fixture
def referent(carnet_lea, structure_a, agent_a):
    MembreGroupeFactory(carnet=carnet_lea, user=agent_a, structure=structure_a, est_referent=True)
    return agent_a


def lien_envoye(client_agent_a, carnet_lea):
    response = client_agent_a.post(reverse("usager:pro_lien", kwargs={"uid": carnet_lea.uid}), {"canal": "email"})
    assert response.status_code == 302
    return re.search(r"(/mon-espace/lien/[A-Za-z0-9_\-]+/)", mail.outbox[-1].body).group(1)


def test_lien_unique_get_ne_consomme_pas_puis_code(client, client_agent_a, referent, carnet_lea):
    url = lien_envoye(client_agent_a, carnet_lea)
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # a mail scanner's GET does not use it
    assert LienAcces.unscoped_objects.get().utilise_le is None
    assert client.post(url)["Location"] == reverse("usager:code")
    code = re.search(r"Votre code : (\d{6})", mail.outbox[-1].body).group(1)
    assert client.post(reverse("usager:code"), {"code": code})["Location"] == reverse("usager:accueil")
    compte = CompteUsager.unscoped_objects.get()
    assert compte.franceconnect_sub is None
    # Reused: refused with a clear message.
    other = type(client)()
    response = other.post(url)
    assert "déjà servi" in response.content.decode()
    assert DemandeLiaison.unscoped_objects.filter(mode=ModeLiaison.LIEN).count() == 1


def test_lien_expire_refuse(client, client_agent_a, referent, carnet_lea, _clock):
    url = lien_envoye(client_agent_a, carnet_lea)
    LienAcces.unscoped_objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(url)
    assert "plus valable" in response.content.decode()
    assert not DemandeLiaison.unscoped_objects.exists()


def test_lien_ne_peut_etre_envoye_que_par_le_groupe(client_admin_b, partner_a, carnet_lea, referent):
    from tests.conftest import logged_client

    url = reverse("usager:pro_lien", kwargs={"uid": carnet_lea.uid})
    assert logged_client(partner_a).post(url).status_code == 403
    assert client_admin_b.post(url).status_code == 404
    assert not LienAcces.unscoped_objects.exists()


def test_inactivite_deconnecte(carnet_lea, settings):
    client = client_usager(carnet_lea)
    assert client.get(reverse("usager:accueil")).status_code == 200
    settings.USAGER_IDLE_TIMEOUT = -1
    response = client.get(reverse("usager:accueil"))
    assert response["Location"] == reverse("usager:connexion")
    assert SESSION_KEY not in client.session


def test_limite_sur_les_codes(client, fake_franceconnect, carnet_lea):
    fake_franceconnect.identity = identite_lea()
    franceconnect_flow(client, fake_franceconnect)
    client.post(reverse("usager:liaison"))
    with departement_scope(carnet_lea.departement_id):
        demande = DemandeLiaison.objects.get()
    session = client.session
    statuses = []
    for _ in range(11):
        # A fresh unlocked request each time, so that only the rate limit can refuse.
        DemandeLiaison.unscoped_objects.filter(pk=demande.pk).update(tentatives=0, verrouillee_le=None)
        statuses.append(client.post(reverse("usager:code"), {"code": "abc"}).content.decode())
    assert "Attendez quelques minutes" in statuses[-1] and "Attendez quelques minutes" not in statuses[0]
    assert session is not None
    assert services.MESSAGE_VERROU


def test_the_referent_finds_the_link_and_sharing_buttons_in_the_carnet(client_agent_a, referent, carnet_lea):
    from tests.carnet.factories import DocumentFactory

    groupe = client_agent_a.get(reverse("carnet:groupe", kwargs={"uid": carnet_lea.uid})).content.decode()
    assert reverse("usager:pro_lien", kwargs={"uid": carnet_lea.uid}) in groupe
    assert "Envoyer le lien par SMS" in groupe
    general = DocumentFactory(carnet=carnet_lea, sensibilite="generale")
    restreint = DocumentFactory(carnet=carnet_lea, sensibilite="justice", auteur=referent)
    page = client_agent_a.get(reverse("carnet:documents", kwargs={"uid": carnet_lea.uid})).content.decode()
    partager = "usager:pro_document_partager"
    assert reverse(partager, kwargs={"uid": carnet_lea.uid, "document_uid": general.uid}) in page
    assert reverse(partager, kwargs={"uid": carnet_lea.uid, "document_uid": restreint.uid}) not in page


def test_la_csp_autorise_le_formulaire_vers_franceconnect(fake_franceconnect):
    """The FranceConnect button is a form whose POST redirects to the provider: form-action must allow it."""
    from tests.spie.fake_oidc import _fresh_base_settings

    form_action = _fresh_base_settings().CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
    assert fake_franceconnect.url.rstrip("/") in form_action
