"""Invitations: sent by a département admin, accepted once through a link whose token only the e-mail holds.

Tests run in the explicit all-départements scope (the `unscoped` fixture) so that their own reads see every
département's rows; each request still runs in the scope the middleware derives from its user.
"""

import hashlib
import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spie.models import AccessLog, Action, Invitation, Membership, User
from tests.spie.factories import InvitationFactory, StructureFactory, TotpFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

MOT_DE_PASSE = "Une phrase de passe solide 2024 !"
URL_INVITATIONS = reverse("spie:admin_invitations")


def texte(response):
    return html.unescape(response.content.decode())


def lien(token):
    return reverse("spie:invitation_accepter", kwargs={"token": token})


def jeton_du_courriel(message):
    match = re.search(r"http://testserver/invitation/([A-Za-z0-9_-]+)/", message.body)
    assert match, message.body
    return match.group(1)


def client_de(user):
    client = Client()
    client.force_login(user)
    return client


def donnees_compte(**overrides):
    data = {"first_name": "Sacha", "last_name": "Lefèvre", "password1": MOT_DE_PASSE, "password2": MOT_DE_PASSE}
    data.update(overrides)
    return data


@pytest.fixture
def inviter(client_admin_a, structure_a, mailoutbox, django_capture_on_commit_callbacks):
    """Send an invitation through the admin page (e-mail included); returns (response, clear token or None)."""

    def inviter(email="sacha.lefevre@exemple.fr", role="professionnel", structure=None, client=None):
        nombre = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or client_admin_a).post(
                URL_INVITATIONS,
                {
                    "email": email,
                    "first_name": "Sacha",
                    "last_name": "Lefèvre",
                    "structure": (structure or structure_a).pk,
                    "role": role,
                },
            )
        token = jeton_du_courriel(mailoutbox[-1]) if len(mailoutbox) > nombre else None
        return response, token

    return inviter


@pytest.fixture
def invitation_a(structure_a, admin_a):
    """A pending invitation of A with a known token."""
    return InvitationFactory(
        structure=structure_a, invited_by=admin_a, email="sacha.lefevre@exemple.fr", token="jeton-connu-de-sacha-0001"
    )


# --- Envoi ---------------------------------------------------------------------------------------


def test_admin_invite_une_personne_par_courriel_en_francais(inviter, admin_a, structure_a, dep_a, mailoutbox):
    structure_a.nom = "Maison de l'emploi de Rouen"
    structure_a.save()

    response, token = inviter(role="charge_orientation")

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["sacha.lefevre@exemple.fr"]
    assert message.subject == "[SPIE] Invitation à rejoindre la plateforme SPIE"
    assert message.body.startswith("Bonjour Sacha,")
    assert f"{admin_a.get_full_name()} vous invite à rejoindre la plateforme" in message.body
    # Plain text: no HTML escaping of apostrophes or accents.
    assert "pour la structure « Maison de l'emploi de Rouen », en tant que chargé d'orientation." in message.body
    assert "&#" not in message.body and "&amp;" not in message.body
    assert "ne fonctionne qu'une fois et expire le" in message.body
    assert f"http://testserver/invitation/{token}/" in message.body

    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.structure, invitation.departement) == (
        "sacha.lefevre@exemple.fr",
        "charge_orientation",
        structure_a,
        dep_a,
    )
    assert invitation.invited_by == admin_a
    assert invitation.statut == "en_attente"
    # Only the SHA-256 of the token is kept: the clear token appears nowhere in the row.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM spie_invitation WHERE id = %s", [invitation.pk])
        row = cursor.fetchone()
    assert token not in " ".join(str(value) for value in row)
    assert not AccessLog.objects.filter(details__icontains=token).exists()


def test_invitation_en_attente_en_double_refusee(inviter, mailoutbox):
    inviter()

    response, token = inviter(email="Sacha.Lefevre@Exemple.fr")

    assert response.status_code == 200
    assert "Une invitation est déjà en attente pour cette personne" in texte(response)
    assert token is None
    assert len(mailoutbox) == 1
    assert Invitation.objects.count() == 1


def test_inviter_une_personne_qui_a_deja_ce_role_refuse(inviter, agent_a, structure_a):
    response, token = inviter(email=agent_a.email, role="professionnel")

    assert response.status_code == 200
    assert "Cette personne a déjà ce rôle dans cette structure." in texte(response)
    assert token is None
    assert not Invitation.objects.exists()


def test_inviter_une_personne_deja_inscrite_a_un_autre_role_est_possible(inviter, agent_a):
    response, token = inviter(email=agent_a.email, role="charge_orientation")

    assert response.status_code == 302
    assert token


def test_admin_ne_peut_pas_inviter_dans_une_structure_d_un_autre_departement(inviter, admin_b, mailoutbox):
    structure_b = Membership.objects.get(user=admin_b).structure

    response, token = inviter(structure=structure_b)

    assert response.status_code == 200
    assert "structure" in response.context["form"].errors
    assert token is None
    assert not Invitation.objects.exists()


def test_la_liste_des_invitations_ne_montre_pas_celles_d_un_autre_departement(client_admin_a, invitation_a, admin_b):
    InvitationFactory(structure=Membership.objects.get(user=admin_b).structure, email="ardennes@exemple.fr")

    response = client_admin_a.get(URL_INVITATIONS)

    assert invitation_a.email in texte(response)
    assert "ardennes@exemple.fr" not in texte(response)


# --- Acceptation par une nouvelle personne --------------------------------------------------------


def test_ouvrir_le_lien_ne_le_consomme_pas(client, invitation_a):
    for _ in range(2):
        response = client.get(lien("jeton-connu-de-sacha-0001"))
        assert response.status_code == 200
        assert "Créez votre compte" in texte(response)

    invitation_a.refresh_from_db()
    assert invitation_a.accepted_at is None
    assert not User.objects.filter(email=invitation_a.email).exists()
    response = client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte())
    assert response.status_code == 302


def test_accepter_cree_le_compte_et_le_rattachement_et_connecte_la_personne(client, invitation_a, structure_a, dep_a):
    page = client.get(lien("jeton-connu-de-sacha-0001"))
    assert 'value="Sacha"' in page.content.decode()

    response = client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte())

    assert response.status_code == 302
    assert response.url == reverse("spie:accueil")
    user = User.objects.get(email="sacha.lefevre@exemple.fr")
    assert (user.first_name, user.last_name) == ("Sacha", "Lefèvre")
    assert user.check_password(MOT_DE_PASSE)
    membership = Membership.objects.get(user=user)
    assert (membership.structure, membership.role, membership.departement, membership.is_active) == (
        structure_a,
        "professionnel",
        dep_a,
        True,
    )
    invitation_a.refresh_from_db()
    assert invitation_a.accepted_by == user
    assert invitation_a.statut == "acceptee"
    # Logged in, acting for the structure of the invitation.
    assert client.session["_auth_user_id"] == str(user.pk)
    # Every professional needs a second factor: the first page asks to set it up.
    assert client.get(reverse("spie:accueil"))["Location"] == reverse("mfa_activate_totp")
    TotpFactory(user=user)
    accueil = client.get(reverse("spie:accueil"))
    assert accueil.status_code == 200
    assert "Bonjour Sacha" in texte(accueil)
    assert accueil.context["structure_active"] == structure_a
    journal = AccessLog.objects.filter(user=user, departement=dep_a, action=Action.CREATION)
    assert set(journal.values_list("object_type", flat=True)) == {"spie.user", "spie.membership"}


def test_le_lien_ne_sert_qu_une_fois(client, invitation_a):
    client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte())

    response = Client().post(lien("jeton-connu-de-sacha-0001"), donnees_compte(first_name="Autre"))

    assert response.status_code == 410
    assert "Cette invitation a déjà été utilisée" in texte(response)
    assert User.objects.filter(email=invitation_a.email).count() == 1
    assert User.objects.get(email=invitation_a.email).first_name == "Sacha"
    assert Membership.objects.filter(user__email=invitation_a.email).count() == 1
    assert Client().get(lien("jeton-connu-de-sacha-0001")).status_code == 410


def test_lien_expire(client, structure_a):
    InvitationFactory(
        structure=structure_a, token="jeton-expire-0001", expires_at=timezone.now() - timedelta(minutes=1)
    )

    page = client.get(lien("jeton-expire-0001"))
    response = client.post(lien("jeton-expire-0001"), donnees_compte())

    for reponse in (page, response):
        assert reponse.status_code == 410
        assert "Cette invitation a expiré" in texte(reponse)
    assert not User.objects.filter(first_name="Sacha", last_name="Lefèvre").exists()
    assert not Membership.objects.filter(structure=structure_a, role="professionnel").exists()


def test_lien_inconnu(client, db):
    response = client.get(lien("jeton-qui-n-existe-pas"))

    assert response.status_code == 410
    assert "Ce lien d'invitation n'est pas valide" in texte(response)


def test_lien_annule_par_l_admin(client, client_admin_a, invitation_a, admin_a):
    annulation = client_admin_a.post(reverse("spie:admin_invitation_annuler", args=[invitation_a.uid]))
    assert annulation.status_code == 302

    page = client.get(lien("jeton-connu-de-sacha-0001"))
    response = client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte())

    for reponse in (page, response):
        assert reponse.status_code == 410
        assert "Cette invitation a été annulée" in texte(reponse)
    assert not User.objects.filter(email=invitation_a.email).exists()
    assert AccessLog.objects.filter(action=Action.DESACTIVATION, object_uid=invitation_a.uid, user=admin_a).exists()


def test_renvoyer_donne_un_nouveau_lien_et_l_ancien_ne_marche_plus(
    client, client_admin_a, invitation_a, mailoutbox, django_capture_on_commit_callbacks
):
    invitation_a.expires_at = timezone.now() + timedelta(hours=1)
    invitation_a.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_admin_a.post(reverse("spie:admin_invitation_renvoyer", args=[invitation_a.uid]))

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    nouveau = jeton_du_courriel(mailoutbox[0])
    assert nouveau != "jeton-connu-de-sacha-0001"
    invitation_a.refresh_from_db()
    assert invitation_a.expires_at > timezone.now() + timedelta(days=6)
    ancien = client.get(lien("jeton-connu-de-sacha-0001"))
    assert ancien.status_code == 410
    assert "n'est pas valide" in texte(ancien)
    assert client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte()).status_code == 410
    assert client.get(lien(nouveau)).status_code == 200
    assert client.post(lien(nouveau), donnees_compte()).status_code == 302
    assert User.objects.filter(email=invitation_a.email).exists()


def test_un_admin_d_un_autre_departement_ne_peut_ni_renvoyer_ni_annuler(client_admin_b, invitation_a, mailoutbox):
    assert client_admin_b.post(reverse("spie:admin_invitation_renvoyer", args=[invitation_a.uid])).status_code == 404
    assert client_admin_b.post(reverse("spie:admin_invitation_annuler", args=[invitation_a.uid])).status_code == 404
    invitation_a.refresh_from_db()
    assert invitation_a.statut == "en_attente"
    assert invitation_a.token_hash == Invitation.hash_token("jeton-connu-de-sacha-0001")


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"password1": "court", "password2": "court"}, "password1", "Ce mot de passe est trop court"),
        ({"password1": "password1234", "password2": "password1234"}, "password1", "trop courant"),
        (
            {"password1": "sacha.lefevre@exemple", "password2": "sacha.lefevre@exemple"},
            "password1",
            "trop semblable",
        ),
        (
            {"password2": "Une autre phrase de passe 2024 !"},
            "password2",
            "Les deux mots de passe ne correspondent pas.",
        ),
    ],
    ids=["trop_court", "courant", "semblable_a_l_adresse", "differents"],
)
def test_mot_de_passe_refuse_sans_rien_creer_et_en_gardant_les_noms(client, invitation_a, donnees, champ, message):
    response = client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte(first_name="Sasha", **donnees))

    assert response.status_code == 200
    erreurs = response.context["form"].errors
    assert list(erreurs) == [champ]
    assert message in " ".join(erreurs[champ])
    assert message in texte(response)
    assert f'id="id_{champ}-errors"' in response.content.decode()
    # The names typed are kept, the passwords are not sent back.
    assert 'value="Sasha"' in response.content.decode()
    assert 'value="Lefèvre"' in response.content.decode()
    assert MOT_DE_PASSE not in response.content.decode()
    assert not User.objects.filter(email=invitation_a.email).exists()
    invitation_a.refresh_from_db()
    assert invitation_a.accepted_at is None


# --- Acceptation par une personne qui a déjà un compte --------------------------------------------


@pytest.fixture
def autre_structure_a(dep_a):
    return StructureFactory(departement=dep_a, type="france_travail", nom="France Travail Rouen")


def test_compte_existant_doit_se_connecter_puis_ajoute_un_rattachement_au_meme_compte(
    client, agent_a, structure_a, autre_structure_a
):
    InvitationFactory(
        structure=autre_structure_a, email=agent_a.email.upper(), role="charge_orientation", token="jeton-agent-0001"
    )
    comptes = User.objects.count()

    page = client.get(lien("jeton-agent-0001"))
    assert page.status_code == 200
    assert "Vous avez déjà un compte : connectez-vous" in texte(page)
    assert "Créez votre compte" not in texte(page)
    anonyme = client.post(lien("jeton-agent-0001"), donnees_compte())
    assert anonyme.status_code == 302
    assert anonyme.url == f"{reverse('account_login')}?next={lien('jeton-agent-0001')}"
    assert Membership.objects.filter(user=agent_a).count() == 1

    client.force_login(agent_a)
    assert "Accepter l'invitation" in texte(client.get(lien("jeton-agent-0001")))
    response = client.post(lien("jeton-agent-0001"))

    assert response.status_code == 302
    assert User.objects.count() == comptes
    assert set(Membership.objects.filter(user=agent_a, is_active=True).values_list("structure", "role")) == {
        (structure_a.pk, "professionnel"),
        (autre_structure_a.pk, "charge_orientation"),
    }
    # The person now acts for the structure that invited them.
    assert client.get(reverse("spie:accueil")).context["structure_active"] == autre_structure_a
    assert client.post(lien("jeton-agent-0001")).status_code == 410


def test_compte_existant_d_un_autre_departement_accepte_une_invitation(client_admin_b, admin_b, agent_a, dep_b):
    structure_b = Membership.objects.get(user=admin_b).structure
    InvitationFactory(structure=structure_b, email=agent_a.email, role="professionnel", token="jeton-ardennes-0001")
    client = client_de(agent_a)

    response = client.post(lien("jeton-ardennes-0001"))

    assert response.status_code == 302
    assert Membership.objects.get(user=agent_a, structure=structure_b).departement == dep_b
    assert Membership.objects.filter(user=agent_a, is_active=True).count() == 2
    accueil = client.get(reverse("spie:accueil"))
    assert accueil.context["departement_actif"] == dep_b
    # B's admin now sees the person; A's memberships stay A's business.
    liste = client_admin_b.get(reverse("spie:admin_utilisateurs"))
    assert agent_a.email in texte(liste)


def test_une_personne_connectee_sous_une_autre_identite_ne_peut_pas_accepter(partner_a, agent_a, autre_structure_a):
    invitation = InvitationFactory(
        structure=autre_structure_a, email=agent_a.email, role="charge_orientation", token="jeton-agent-0002"
    )
    client = client_de(partner_a)

    response = client.post(lien("jeton-agent-0002"))

    assert response.status_code == 403
    assert "Cette invitation est destinée à une autre adresse électronique" in texte(response)
    assert not Membership.objects.filter(structure=autre_structure_a).exists()
    invitation.refresh_from_db()
    assert invitation.statut == "en_attente"
    # The rightful person can still use the link.
    assert client_de(agent_a).post(lien("jeton-agent-0002")).status_code == 302
    assert Membership.objects.filter(user=agent_a, structure=autre_structure_a).exists()


def test_une_personne_connectee_ne_peut_pas_creer_le_compte_d_une_autre_adresse(agent_a, invitation_a):
    client = client_de(agent_a)

    page = client.get(lien("jeton-connu-de-sacha-0001"))
    response = client.post(lien("jeton-connu-de-sacha-0001"), donnees_compte())

    for reponse in (page, response):
        assert reponse.status_code == 403
        assert "Cette invitation est destinée à une autre adresse électronique" in texte(reponse)
        assert "Déconnectez-vous, puis ouvrez de nouveau ce lien." in texte(reponse)
    assert not User.objects.filter(email=invitation_a.email).exists()
    assert client.session["_auth_user_id"] == str(agent_a.pk)


def test_compte_existant_desactive_retrouve_l_acces_par_une_invitation(client_admin_a, agent_a, structure_a):
    membership = Membership.objects.get(user=agent_a)
    client_admin_a.post(reverse("spie:admin_rattachement_desactiver", args=[membership.uid]))
    client = client_de(agent_a)
    assert client.get(reverse("spie:accueil")).status_code == 403
    InvitationFactory(structure=structure_a, email=agent_a.email, role="professionnel", token="jeton-retour-0001")

    response = client.post(lien("jeton-retour-0001"))

    assert response.status_code == 302
    assert client.get(reverse("spie:accueil")).status_code == 200
    assert Membership.objects.filter(user=agent_a, is_active=True).count() == 1
    assert Membership.objects.filter(user=agent_a).count() == 2


def test_un_compte_cree_avec_une_autre_casse_d_adresse_reste_unique(client, structure_a):
    UserFactory(email="camille.roux@exemple.fr")
    InvitationFactory(structure=structure_a, email="Camille.Roux@Exemple.fr", token="jeton-casse-0001")

    page = client.get(lien("jeton-casse-0001"))

    assert "Vous avez déjà un compte" in texte(page)
    assert client.post(lien("jeton-casse-0001"), donnees_compte()).status_code == 302
    assert User.objects.filter(email__iexact="camille.roux@exemple.fr").count() == 1


def test_admin_invite_de_nouveau_apres_acceptation_refuse(inviter, client, mailoutbox):
    _, token = inviter()
    client.post(lien(token), donnees_compte())

    response, nouveau = inviter()

    assert response.status_code == 200
    assert "Cette personne a déjà ce rôle dans cette structure." in texte(response)
    assert nouveau is None
    assert Membership.objects.filter(user__email="sacha.lefevre@exemple.fr").count() == 1
