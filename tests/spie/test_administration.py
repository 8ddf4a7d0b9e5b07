"""Département administration: territories, structures, users and memberships, settings, access log.

Tests run in the explicit all-départements scope (the `unscoped` fixture) so that their own reads see every
département's rows: "nothing saved" then means nothing anywhere. Each request still runs in the scope the
middleware derives from the logged-in user.
"""

import html
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from spie.audit import log_access
from spie.models import (
    AccessLog,
    Action,
    Commune,
    Departement,
    Epci,
    Membership,
    RefDepartement,
    Structure,
    Territoire,
)
from tests.spie.factories import MembershipFactory, StructureFactory, TerritoireFactory, TotpFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

# Valid SIRETs (SIREN and SIRET Luhn keys correct), far from the factory's sequence.
SIRET_VALIDE = "73282932000017"
SIRET_VALIDE_2 = "55208131700018"
SIRET_CLE_FAUSSE = "73282932000018"

CONFLIT = "a été modifiée par quelqu'un d'autre pendant votre saisie"


# --- Helpers -------------------------------------------------------------------------------------


def texte(response):
    """The page as a person reads it: HTML entities decoded."""
    return html.unescape(response.content.decode())


def version_du_formulaire(response):
    match = re.search(r'<input type="hidden" name="version" value="([^"]*)"', response.content.decode())
    assert match, "le formulaire doit porter la version lue"
    return match.group(1)


def case_cochee(response, name, value):
    match = re.search(rf'<input type="checkbox" name="{name}" value="{value}"[^>]*>', response.content.decode())
    return bool(match) and " checked" in match.group(0)


def case_affichee(response, name, value):
    return f'name="{name}" value="{value}"' in response.content.decode()


def client_de(user):
    client = Client()
    client.force_login(user)
    return client


def nombre_de_requetes(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response


@pytest.fixture
def geo(db):
    """A few rows of the national referential: Seine-Maritime (tenant A is "76") and a commune of the Eure."""
    RefDepartement.objects.create(code="76", nom="Seine-Maritime")
    RefDepartement.objects.create(code="27", nom="Eure")
    metropole = Epci.objects.create(code="200023414", nom="Métropole Rouen Normandie", type="METRO")
    dieppe_maritime = Epci.objects.create(code="200010650", nom="CA de la Région Dieppoise", type="CA")
    evreux_agglo = Epci.objects.create(code="200089456", nom="Évreux Portes de Normandie", type="CA")

    def commune(code, nom, departement, epci, codes_postaux, population):
        return Commune.objects.create(
            code_insee=code,
            nom=nom,
            departement_id=departement,
            epci=epci,
            codes_postaux=codes_postaux,
            population=population,
        )

    return SimpleNamespace(
        metropole=metropole,
        evreux_agglo=evreux_agglo,
        rouen=commune("76540", "Rouen", "76", metropole, ["76000", "76100"], 114000),
        sotteville=commune("76681", "Sotteville-lès-Rouen", "76", metropole, ["76300"], 28000),
        petit_quevilly=commune("76498", "Le Petit-Quevilly", "76", metropole, ["76140"], 22000),
        dieppe=commune("76217", "Dieppe", "76", dieppe_maritime, ["76200"], 28000),
        evreux=commune("27229", "Évreux", "27", evreux_agglo, ["27000"], 47000),
    )


@pytest.fixture
def client_partner_a(partner_a):
    return client_de(partner_a)


@pytest.fixture
def structure_b(admin_b):
    return Membership.objects.get(user=admin_b).structure


def codes_communes(territoire):
    return set(territoire.communes.values_list("code_insee", flat=True))


# --- Territoires ---------------------------------------------------------------------------------

URL_NOUVEAU_TERRITOIRE = reverse("spie:admin_territoire_creer")


def test_admin_recherche_des_communes_par_nom_sans_rien_enregistrer(client_admin_a, geo):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE, {"nom": "Rouen et sa couronne", "recherche": "rouen", "rechercher": "1"}
    )

    assert response.status_code == 200
    page = texte(response)
    assert "Rouen (76540)" in page
    assert "Sotteville-lès-Rouen (76681)" in page
    assert "Dieppe" not in page
    assert "Évreux" not in page
    # What was typed is kept, nothing is ticked by the search itself, nothing is saved.
    assert 'value="Rouen et sa couronne"' in response.content.decode()
    assert 'name="recherche" value="rouen"' in response.content.decode()
    assert not case_cochee(response, "communes", "76540")
    assert not response.context["form"].errors
    assert not Territoire.objects.exists()


def test_admin_recherche_des_communes_par_code_postal(client_admin_a, geo):
    response = client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "", "recherche": "76100", "rechercher": "1"})

    assert response.status_code == 200
    assert case_affichee(response, "communes", "76540")
    assert not case_affichee(response, "communes", "76681")
    # A search submit is not a save: an empty name is not reported yet.
    assert "nom" not in response.context["form"].errors
    assert not Territoire.objects.exists()


def test_admin_recherche_un_epci_du_departement_par_son_nom(client_admin_a, geo):
    response = client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "Métropole", "recherche": "métropole rouen"})

    page = texte(response)
    assert "Métropole Rouen Normandie (METRO)" in page
    assert case_affichee(response, "epcis", geo.metropole.code)
    # An EPCI of another département is never offered.
    response = client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "", "recherche": "evreux"})
    assert not case_affichee(response, "epcis", geo.evreux_agglo.code)
    assert "Aucune commune ni aucun EPCI du département" in texte(response)


def test_les_communes_cochees_restent_cochees_apres_une_nouvelle_recherche(client_admin_a, geo):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE,
        {"nom": "Littoral et Rouen", "recherche": "dieppe", "communes": ["76540"], "rechercher": "1"},
    )

    assert case_cochee(response, "communes", "76540")
    assert case_affichee(response, "communes", "76217")
    assert not case_cochee(response, "communes", "76217")
    assert not Territoire.objects.exists()


def test_un_epci_coche_n_apparait_qu_une_fois_apres_une_nouvelle_recherche(client_admin_a, geo):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE, {"nom": "Métropole", "recherche": "métropole", "epcis": [geo.metropole.code]}
    )

    assert response.content.decode().count(f'name="epcis" value="{geo.metropole.code}"') == 1
    assert case_cochee(response, "epcis", geo.metropole.code)


def test_un_epci_coche_reste_coche_apres_une_recherche_qui_ne_le_trouve_pas(client_admin_a, geo):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE, {"nom": "Métropole", "recherche": "dieppe", "epcis": [geo.metropole.code]}
    )

    assert case_cochee(response, "epcis", geo.metropole.code)
    assert "Métropole Rouen Normandie (METRO)" in texte(response)


def test_admin_cree_un_territoire_a_partir_de_communes(client_admin_a, dep_a, geo):
    recherche = client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "Rouen et Dieppe", "recherche": "rouen"})
    assert case_affichee(recherche, "communes", "76540")

    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE,
        {
            "nom": "Rouen et Dieppe",
            "recherche": "rouen",
            "communes": ["76540", "76217"],
            "version": "",
            "enregistrer": "1",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("spie:admin_territoires")
    territoire = Territoire.objects.get()
    assert territoire.nom == "Rouen et Dieppe"
    assert territoire.departement == dep_a
    assert codes_communes(territoire) == {"76540", "76217"}
    liste = client_admin_a.get(reverse("spie:admin_territoires"))
    assert "Rouen et Dieppe" in texte(liste)


def test_admin_cree_un_territoire_a_partir_d_un_epci(client_admin_a, geo):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE,
        {
            "nom": "Métropole",
            "recherche": "métropole",
            "epcis": [geo.metropole.code],
            "communes": ["76217"],
            "enregistrer": "1",
        },
    )

    assert response.status_code == 302
    assert codes_communes(Territoire.objects.get()) == {"76540", "76681", "76498", "76217"}


@pytest.mark.parametrize(
    ("code", "cas"),
    [("99999", "commune inconnue"), ("27229", "commune d'un autre département")],
)
def test_commune_inconnue_ou_d_un_autre_departement_refusee(client_admin_a, geo, code, cas):
    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE, {"nom": "Mélange", "communes": ["76540", code], "enregistrer": "1"}
    )

    assert response.status_code == 200, cas
    message = f"Communes inconnues ou hors du département : {code}."
    assert response.context["form"].errors["communes"] == [message]
    assert message in texte(response)
    assert 'id="id_communes-errors"' in response.content.decode()
    assert 'value="Mélange"' in response.content.decode()
    assert not Territoire.objects.exists()


def test_nom_de_territoire_deja_pris_dans_le_departement_refuse(client_admin_a, dep_a, dep_b, geo):
    TerritoireFactory(departement=dep_a, nom="Rouen Métropole")
    # The same name in another département does not count.
    TerritoireFactory(departement=dep_b, nom="Sedan")

    response = client_admin_a.post(
        URL_NOUVEAU_TERRITOIRE, {"nom": "rouen métropole", "communes": ["76540"], "enregistrer": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["nom"] == ["Un territoire porte déjà ce nom dans le département."]
    assert Territoire.objects.filter(departement=dep_a).count() == 1

    response = client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "Sedan", "communes": [], "enregistrer": "1"})
    assert response.status_code == 302
    assert Territoire.objects.filter(departement=dep_a, nom="Sedan").exists()


def test_modification_d_un_territoire(client_admin_a, dep_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen")
    territoire.communes.set(["76540"])
    url = reverse("spie:admin_territoire", args=[territoire.uid])

    formulaire = client_admin_a.get(url)
    assert case_cochee(formulaire, "communes", "76540")
    response = client_admin_a.post(
        url,
        {
            "nom": "Rouen rive gauche",
            "communes": ["76681", "76498"],
            "version": version_du_formulaire(formulaire),
            "enregistrer": "1",
        },
    )

    assert response.status_code == 302
    territoire.refresh_from_db()
    assert territoire.nom == "Rouen rive gauche"
    assert territoire.version == 2
    assert codes_communes(territoire) == {"76681", "76498"}


def test_modifications_concurrentes_d_un_territoire_la_seconde_voit_le_conflit(client_admin_a, admin_a, dep_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen")
    territoire.communes.set(["76540"])
    url = reverse("spie:admin_territoire", args=[territoire.uid])
    autre_onglet = client_de(admin_a)
    premier = client_admin_a.get(url)
    second = autre_onglet.get(url)

    enregistre = client_admin_a.post(
        url,
        {"nom": "Rouen centre", "communes": ["76540"], "version": version_du_formulaire(premier), "enregistrer": "1"},
    )
    assert enregistre.status_code == 302
    conflit = autre_onglet.post(
        url,
        {
            "nom": "Rouen et Sotteville",
            "communes": ["76540", "76681"],
            "version": version_du_formulaire(second),
            "enregistrer": "1",
        },
    )

    assert conflit.status_code == 200
    assert CONFLIT in texte(conflit)
    # The second person's input is kept on the page...
    assert 'value="Rouen et Sotteville"' in conflit.content.decode()
    assert case_cochee(conflit, "communes", "76681")
    # ...and the first save is not overwritten.
    territoire.refresh_from_db()
    assert territoire.nom == "Rouen centre"
    assert territoire.version == 2
    assert codes_communes(territoire) == {"76540"}


def test_apres_un_conflit_sur_un_territoire_l_admin_peut_enregistrer_sa_saisie(client_admin_a, dep_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen")
    url = reverse("spie:admin_territoire", args=[territoire.uid])
    Territoire.objects.filter(pk=territoire.pk).update(nom="Rouen centre", version=2)

    conflit = client_admin_a.post(
        url, {"nom": "Rouen ouest", "communes": ["76540"], "version": "1", "enregistrer": "1"}
    )
    assert CONFLIT in texte(conflit)
    # The page now carries the current version: saving again, knowingly, goes through.
    assert version_du_formulaire(conflit) == "2"
    response = client_admin_a.post(
        url,
        {"nom": "Rouen ouest", "communes": ["76540"], "version": version_du_formulaire(conflit), "enregistrer": "1"},
    )

    assert response.status_code == 302
    territoire.refresh_from_db()
    assert (territoire.nom, territoire.version) == ("Rouen ouest", 3)


def test_une_recherche_sur_une_fiche_perimee_signale_le_conflit(client_admin_a, dep_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen")
    url = reverse("spie:admin_territoire", args=[territoire.uid])
    Territoire.objects.filter(pk=territoire.pk).update(nom="Rouen centre", version=2)

    recherche = client_admin_a.post(url, {"nom": "Rouen ouest", "recherche": "sotteville", "version": "1"})

    # Searching does not save, but the person learns now that the page is stale, not after a silent overwrite.
    assert CONFLIT in texte(recherche)
    assert case_affichee(recherche, "communes", "76681")
    assert 'value="Rouen ouest"' in recherche.content.decode()
    territoire.refresh_from_db()
    assert (territoire.nom, territoire.version) == ("Rouen centre", 2)


def test_admin_supprime_un_territoire(client_admin_a, admin_a, dep_a, structure_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Pays de Bray")
    territoire.communes.set(["76540"])
    url = reverse("spie:admin_territoire_supprimer", args=[territoire.uid])

    confirmation = client_admin_a.get(url)
    assert confirmation.status_code == 200
    assert Territoire.objects.filter(pk=territoire.pk).exists()
    response = client_admin_a.post(url)

    assert response.status_code == 302
    assert not Territoire.objects.filter(pk=territoire.pk).exists()
    assert Commune.objects.filter(code_insee="76540").exists()
    entree = AccessLog.objects.get(action=Action.SUPPRESSION, object_uid=territoire.uid)
    assert (entree.user, entree.structure, entree.departement) == (admin_a, structure_a, dep_a)


def test_territoire_d_un_autre_departement_renvoie_404(client_admin_b, dep_a, geo):
    territoire = TerritoireFactory(departement=dep_a, nom="Rouen")

    assert client_admin_b.get(reverse("spie:admin_territoire", args=[territoire.uid])).status_code == 404
    assert client_admin_b.post(reverse("spie:admin_territoire_supprimer", args=[territoire.uid])).status_code == 404
    assert Territoire.objects.filter(pk=territoire.pk, nom="Rouen").exists()


# --- Structures ----------------------------------------------------------------------------------

URL_NOUVELLE_STRUCTURE = reverse("spie:admin_structure_creer")


def donnees_structure(**overrides):
    data = {
        "nom": "Mission locale de l'agglomération rouennaise",
        "type": "mission_locale",
        "siret": SIRET_VALIDE,
        "adresse": "1 rue de la République",
        "code_commune": "76540",
        "telephone": "02 35 00 00 00",
        "courriel": "contact@ml-rouen.example",
        "site_web": "",
        "actif": "on",
    }
    data.update(overrides)
    return data


def test_admin_cree_une_structure(client_admin_a, dep_a, geo):
    response = client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure())

    assert response.status_code == 302
    structure = Structure.objects.get(siret=SIRET_VALIDE)
    assert structure.nom == "Mission locale de l'agglomération rouennaise"
    assert structure.departement == dep_a
    assert structure.commune == geo.rouen
    assert structure.actif is True
    assert structure.version == 1


def test_admin_modifie_une_structure(client_admin_a, dep_a, geo):
    structure = StructureFactory(departement=dep_a, nom="CCAS de Dieppe", type="ccas", siret=SIRET_VALIDE)
    url = reverse("spie:admin_structure", args=[structure.uid])
    formulaire = client_admin_a.get(url)
    assert formulaire.status_code == 200

    response = client_admin_a.post(
        url,
        donnees_structure(
            nom="CCAS de Dieppe (centre)", type="ccas", code_commune="76217", version=version_du_formulaire(formulaire)
        ),
    )

    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.nom, structure.commune_id, structure.version) == ("CCAS de Dieppe (centre)", "76217", 2)


def test_siret_avec_une_cle_invalide_refuse(client_admin_a, geo):
    response = client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure(siret=SIRET_CLE_FAUSSE))

    assert response.status_code == 200
    assert response.context["form"].errors["siret"] == [
        "Numéro SIRET invalide : 14 chiffres avec une clé de contrôle correcte."
    ]
    assert 'id="id_siret-errors"' in response.content.decode()
    assert "Numéro SIRET invalide" in texte(response)
    assert not Structure.objects.filter(nom__startswith="Mission locale").exists()


def test_siret_deja_utilise_dans_le_departement_refuse(client_admin_a, dep_a, structure_b, geo):
    StructureFactory(departement=dep_a, nom="France Travail Rouen", siret=SIRET_VALIDE)
    structure_b.siret = SIRET_VALIDE_2
    structure_b.save()

    response = client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure(siret=SIRET_VALIDE))
    assert response.status_code == 200
    assert response.context["form"].errors["siret"] == ["Une structure du département porte déjà ce SIRET."]
    assert Structure.objects.filter(siret=SIRET_VALIDE).count() == 1

    # A SIRET registered by another département does not block this one.
    response = client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure(siret=SIRET_VALIDE_2))
    assert response.status_code == 302
    assert Structure.objects.filter(siret=SIRET_VALIDE_2, departement=dep_a).exists()


def test_code_commune_inconnu_refuse_pour_une_structure(client_admin_a, geo):
    response = client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure(code_commune="99999"))

    assert response.status_code == 200
    assert response.context["form"].errors["code_commune"] == ["Code commune inconnu : 99999."]
    assert 'value="Mission locale de l&#x27;agglomération rouennaise"' in response.content.decode()
    assert not Structure.objects.filter(siret=SIRET_VALIDE).exists()


def test_modifications_concurrentes_d_une_structure_la_seconde_voit_le_conflit(client_admin_a, admin_a, dep_a, geo):
    structure = StructureFactory(departement=dep_a, nom="PLIE de Rouen", type="plie", siret=SIRET_VALIDE)
    url = reverse("spie:admin_structure", args=[structure.uid])
    autre_onglet = client_de(admin_a)
    premier = client_admin_a.get(url)
    second = autre_onglet.get(url)

    enregistre = client_admin_a.post(
        url, donnees_structure(nom="PLIE Rouen Métropole", type="plie", version=version_du_formulaire(premier))
    )
    assert enregistre.status_code == 302
    conflit = autre_onglet.post(
        url, donnees_structure(nom="PLIE de l'agglo", type="plie", version=version_du_formulaire(second))
    )

    assert conflit.status_code == 200
    assert CONFLIT in texte(conflit)
    assert 'value="PLIE de l&#x27;agglo"' in conflit.content.decode()
    structure.refresh_from_db()
    assert (structure.nom, structure.version) == ("PLIE Rouen Métropole", 2)


def test_structure_d_un_autre_departement_renvoie_404(client_admin_b, structure_a, geo):
    url = reverse("spie:admin_structure", args=[structure_a.uid])

    assert client_admin_b.get(url).status_code == 404
    assert client_admin_b.post(url, donnees_structure(version="1")).status_code == 404
    assert not Structure.objects.filter(nom__startswith="Mission locale").exists()
    assert Structure.objects.get(pk=structure_a.pk).version == 1


# --- Utilisateurs et rattachements ----------------------------------------------------------------


def test_liste_des_utilisateurs_ne_montre_que_ceux_du_departement(
    client_admin_a, admin_a, agent_a, partner_a, admin_b, structure_b
):
    structure_b.nom = "Conseil départemental des Ardennes"
    structure_b.save()
    # A person working in both départements appears with A's roles only.
    multi = MembershipFactory(structure=structure_b, role="charge_orientation").user
    MembershipFactory(user=multi, structure=Membership.objects.get(user=agent_a).structure, role="professionnel")

    response = client_admin_a.get(reverse("spie:admin_utilisateurs"))

    assert response.status_code == 200
    page = texte(response)
    assert agent_a.email in page
    assert partner_a.email in page
    assert multi.email in page
    assert admin_b.email not in page
    assert "Conseil départemental des Ardennes" not in page
    assert "Chargé d'orientation" not in page
    assert set(response.context["page"]) == {admin_a, agent_a, partner_a, multi}


def test_fiche_d_un_utilisateur_montre_ses_rattachements_du_departement(client_admin_a, agent_a, structure_a):
    response = client_admin_a.get(reverse("spie:admin_utilisateur", args=[agent_a.uid]))

    assert response.status_code == 200
    page = texte(response)
    assert agent_a.get_full_name() in page
    assert agent_a.email in page
    assert structure_a.nom in page
    assert "Référent / professionnel" in page


def test_fiche_d_un_utilisateur_d_un_autre_departement_renvoie_404(client_admin_a, admin_b):
    assert client_admin_a.get(reverse("spie:admin_utilisateur", args=[admin_b.uid])).status_code == 404
    url = reverse("spie:admin_utilisateur_desactiver", args=[admin_b.uid])
    assert client_admin_a.post(url).status_code == 404
    assert Membership.objects.get(user=admin_b).is_active


def test_admin_ajoute_un_role_a_un_utilisateur(client_admin_a, admin_a, agent_a, dep_a, partner_a):
    autre_structure = Membership.objects.get(user=partner_a).structure
    url = reverse("spie:admin_utilisateur", args=[agent_a.uid])

    response = client_admin_a.post(url, {"structure": autre_structure.pk, "role": "charge_orientation"})

    assert response.status_code == 302
    membership = Membership.objects.get(user=agent_a, structure=autre_structure)
    assert (membership.role, membership.is_active, membership.departement) == ("charge_orientation", True, dep_a)
    assert Membership.objects.filter(user=agent_a, is_active=True).count() == 2
    entree = AccessLog.objects.get(action=Action.CREATION, object_uid=membership.uid)
    assert entree.user == admin_a

    # The same role twice is refused.
    response = client_admin_a.post(url, {"structure": autre_structure.pk, "role": "charge_orientation"})
    assert response.status_code == 200
    assert "Cette personne a déjà ce rôle dans cette structure." in texte(response)
    assert Membership.objects.filter(user=agent_a).count() == 2


def test_admin_ne_peut_pas_donner_un_role_dans_une_structure_d_un_autre_departement(
    client_admin_a, agent_a, structure_b
):
    response = client_admin_a.post(
        reverse("spie:admin_utilisateur", args=[agent_a.uid]), {"structure": structure_b.pk, "role": "professionnel"}
    )

    assert response.status_code == 200
    assert "structure" in response.context["form"].errors
    assert not Membership.objects.filter(user=agent_a, structure=structure_b).exists()


def test_desactiver_un_rattachement_prend_effet_a_la_requete_suivante(
    client_admin_a, admin_a, agent_a, dep_a, structure_a
):
    client_agent = client_de(agent_a)
    assert client_agent.get(reverse("spie:accueil")).status_code == 200
    membership = Membership.objects.get(user=agent_a)

    response = client_admin_a.post(reverse("spie:admin_rattachement_desactiver", args=[membership.uid]))

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert membership.ended_at is not None
    # Same session, next request: no membership any more.
    refus = client_agent.get(reverse("spie:accueil"))
    assert refus.status_code == 403
    assert "Aucun rattachement actif" in texte(refus)
    entree = AccessLog.objects.get(action=Action.DESACTIVATION, object_uid=membership.uid)
    assert (entree.user, entree.structure, entree.departement) == (admin_a, structure_a, dep_a)


def test_retirer_le_role_admin_d_un_autre_admin_lui_ferme_l_administration(client_admin_a, structure_a, agent_a):
    autre_admin = MembershipFactory(structure=structure_a, role="admin_departement")
    MembershipFactory(user=autre_admin.user, structure=structure_a, role="professionnel")
    TotpFactory(user=autre_admin.user)
    son_client = client_de(autre_admin.user)
    assert son_client.get(reverse("spie:admin_tableau_de_bord")).status_code == 200

    client_admin_a.post(reverse("spie:admin_rattachement_desactiver", args=[autre_admin.uid]))

    assert son_client.get(reverse("spie:admin_tableau_de_bord")).status_code == 403
    assert son_client.get(reverse("spie:accueil")).status_code == 200


def test_desactiver_tous_les_acces_d_un_utilisateur(client_admin_a, dep_a, structure_a, partner_a, structure_b):
    personne = MembershipFactory(structure=structure_a, role="professionnel").user
    MembershipFactory(user=personne, structure=Membership.objects.get(user=partner_a).structure, role="professionnel")
    dans_b = MembershipFactory(user=personne, structure=structure_b, role="professionnel")
    son_client = client_de(personne)
    son_client.post(reverse("spie:changer_structure"), {"structure": str(structure_a.uid)})
    assert son_client.get(reverse("spie:accueil")).status_code == 200

    response = client_admin_a.post(reverse("spie:admin_utilisateur_desactiver", args=[personne.uid]))

    assert response.status_code == 302
    assert not Membership.objects.filter(user=personne, departement=dep_a, is_active=True).exists()
    # Another département's membership is not the admin's to end.
    dans_b.refresh_from_db()
    assert dans_b.is_active
    accueil = son_client.get(reverse("spie:accueil"))
    assert accueil.status_code == 200
    assert accueil.context["departement_actif"] == structure_b.departement
    assert son_client.get(reverse("spie:admin_tableau_de_bord")).status_code == 403


def test_desactiver_le_seul_acces_d_un_utilisateur_le_bloque_a_la_requete_suivante(client_admin_a, agent_a):
    client_agent = client_de(agent_a)
    assert client_agent.get(reverse("spie:accueil")).status_code == 200

    client_admin_a.post(reverse("spie:admin_utilisateur_desactiver", args=[agent_a.uid]))

    assert client_agent.get(reverse("spie:accueil")).status_code == 403
    assert client_agent.post(reverse("spie:changer_structure"), {"structure": "x"}).status_code == 403


def test_admin_ne_peut_pas_retirer_son_propre_role_admin(client_admin_a, admin_a):
    membership = Membership.objects.get(user=admin_a, role="admin_departement")

    response = client_admin_a.post(reverse("spie:admin_rattachement_desactiver", args=[membership.uid]), follow=True)

    assert "Vous ne pouvez pas retirer votre propre rôle d'administrateur." in texte(response)
    membership.refresh_from_db()
    assert membership.is_active
    assert not AccessLog.objects.filter(action=Action.DESACTIVATION).exists()
    assert client_admin_a.get(reverse("spie:admin_tableau_de_bord")).status_code == 200


def test_admin_ne_peut_pas_desactiver_son_propre_compte(client_admin_a, admin_a):
    response = client_admin_a.post(reverse("spie:admin_utilisateur_desactiver", args=[admin_a.uid]), follow=True)

    assert "Vous ne pouvez pas désactiver votre propre compte." in texte(response)
    assert Membership.objects.get(user=admin_a).is_active


# --- Permissions par rôle -------------------------------------------------------------------------

PAGES_ADMIN = [
    "spie:admin_tableau_de_bord",
    "spie:admin_parametres",
    "spie:admin_territoires",
    "spie:admin_territoire_creer",
    "spie:admin_structures",
    "spie:admin_structure_creer",
    "spie:admin_utilisateurs",
    "spie:admin_invitations",
    "spie:admin_journal",
]


@pytest.mark.parametrize("page", PAGES_ADMIN)
@pytest.mark.parametrize(
    ("persona", "attendu"),
    [("admin_a", 200), ("agent_a", 403), ("partner_a", 403), (None, "connexion")],
)
def test_acces_aux_pages_d_administration_selon_le_role(request, page, persona, attendu):
    client = Client()
    if persona:
        client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(page))

    if attendu == "connexion":
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next={reverse(page)}"
    else:
        assert response.status_code == attendu


# --- Journal des accès ----------------------------------------------------------------------------


def assert_journalise(action, object_type, admin, structure, departement, **filters):
    entree = AccessLog.objects.filter(action=action, object_type=object_type, **filters).get()
    assert entree.user == admin
    assert entree.structure == structure
    assert entree.departement == departement
    assert entree.canal == "web"
    return entree


def test_creation_d_une_structure_journalisee(client_admin_a, admin_a, structure_a, dep_a, geo):
    client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure())

    structure = Structure.objects.get(siret=SIRET_VALIDE)
    entree = assert_journalise(Action.CREATION, "spie.structure", admin_a, structure_a, dep_a)
    assert entree.object_uid == structure.uid


def test_creation_d_un_territoire_journalisee(client_admin_a, admin_a, structure_a, dep_a, geo):
    client_admin_a.post(URL_NOUVEAU_TERRITOIRE, {"nom": "Rouen", "communes": ["76540"], "enregistrer": "1"})

    entree = assert_journalise(Action.CREATION, "spie.territoire", admin_a, structure_a, dep_a)
    assert entree.object_uid == Territoire.objects.get().uid
    assert entree.details["communes"] == 1


def test_creation_d_une_invitation_journalisee(
    client_admin_a, admin_a, structure_a, dep_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_admin_a.post(
            reverse("spie:admin_invitations"),
            {
                "email": "nouvelle@exemple.fr",
                "first_name": "Lou",
                "last_name": "Durand",
                "structure": structure_a.pk,
                "role": "professionnel",
            },
        )

    entree = assert_journalise(Action.INVITATION, "spie.invitation", admin_a, structure_a, dep_a)
    assert "nouvelle@exemple.fr" not in str(entree.details)


def test_desactivation_d_un_rattachement_journalisee(client_admin_a, admin_a, agent_a, structure_a, dep_a):
    membership = Membership.objects.get(user=agent_a)

    client_admin_a.post(reverse("spie:admin_rattachement_desactiver", args=[membership.uid]))

    entree = assert_journalise(Action.DESACTIVATION, "spie.membership", admin_a, structure_a, dep_a)
    assert entree.object_uid == membership.uid


def test_journal_liste_les_entrees_du_departement_et_jamais_celles_d_un_autre(
    client_admin_a, admin_a, structure_a, dep_a, admin_b, structure_b, geo
):
    client_admin_a.post(URL_NOUVELLE_STRUCTURE, donnees_structure())
    structure_b.nom = "Conseil départemental des Ardennes"
    structure_b.save()
    log_access(
        action=Action.EXPORT,
        user=admin_b,
        departement=structure_b.departement,
        structure=structure_b,
        object_type="spie.secret_des_ardennes",
        canal="web",
    )

    response = client_admin_a.get(reverse("spie:admin_journal"))

    assert response.status_code == 200
    entrees = list(response.context["page"])
    assert entrees
    assert {e.departement_id for e in entrees} == {dep_a.pk}
    page = texte(response)
    assert "spie.structure" in page
    assert structure_a.nom in page
    assert "spie.secret_des_ardennes" not in page
    assert "Conseil départemental des Ardennes" not in page
    # Filtering by action never widens the scope either.
    filtre = client_admin_a.get(reverse("spie:admin_journal"), {"action": Action.EXPORT})
    assert list(filtre.context["page"]) == []


# --- Nombre de requêtes des listes ----------------------------------------------------------------


def ajouter_utilisateurs(contexte, nombre):
    for _ in range(nombre):
        MembershipFactory(structure=contexte.structure, role="professionnel")


def ajouter_structures(contexte, nombre):
    for _ in range(nombre):
        structure = StructureFactory(departement=contexte.departement, commune=contexte.geo.rouen)
        MembershipFactory(structure=structure)


def ajouter_territoires(contexte, nombre):
    for _ in range(nombre):
        TerritoireFactory(departement=contexte.departement).communes.set(["76540", "76217"])


@pytest.mark.parametrize(
    ("page", "ajouter"),
    [
        ("spie:admin_utilisateurs", ajouter_utilisateurs),
        ("spie:admin_structures", ajouter_structures),
        ("spie:admin_territoires", ajouter_territoires),
    ],
)
def test_les_listes_ne_font_pas_plus_de_requetes_avec_plus_de_lignes(
    client_admin_a, dep_a, structure_a, geo, page, ajouter
):
    contexte = SimpleNamespace(departement=dep_a, structure=structure_a, geo=geo)
    url = reverse(page)
    client_admin_a.get(url)  # Warm-up: per-process caches (content types, templates) are not the page's cost.

    ajouter(contexte, 3)
    avec_trois, reponse_trois = nombre_de_requetes(client_admin_a, url)
    ajouter(contexte, 3)
    avec_six, reponse_six = nombre_de_requetes(client_admin_a, url)

    assert reponse_six.context["page"].paginator.count == reponse_trois.context["page"].paginator.count + 3
    assert avec_six == avec_trois


# --- Paramètres du département --------------------------------------------------------------------


def donnees_parametres(version, **overrides):
    data = {
        "delai_orientation_cible": "30",
        "delai_orientation_legal_jours": "42",
        "heures_activite_cible": "15",
        "suivi_sortie_mois": "1,3,6",
        "orientation_validation_requise": "on",
        "conservation_mois": "24",
        "suppression_sans_accompagnement_mois": "6",
        "contact_nom": "",
        "contact_adresse": "",
        "contact_telephone": "",
        "contact_courriel": "",
        "version": version,
    }
    data.update(overrides)
    return data


def test_admin_change_le_delai_cible_d_orientation(client_admin_a, admin_a, dep_a):
    url = reverse("spie:admin_parametres")
    formulaire = client_admin_a.get(url)

    response = client_admin_a.post(
        url,
        donnees_parametres(
            version_du_formulaire(formulaire), delai_orientation_cible="21", contact_nom="Direction de l'insertion"
        ),
    )

    assert response.status_code == 302
    dep_a.refresh_from_db()
    assert dep_a.delai_orientation_cible == 21
    assert dep_a.contact_nom == "Direction de l'insertion"
    entree = AccessLog.objects.get(action=Action.MODIFICATION, object_type="spie.departement")
    assert entree.user == admin_a
    assert entree.structure == Membership.objects.get(user=admin_a).structure
    # Field names only, never the hidden version.
    assert entree.details["champs"] == ["contact_nom", "delai_orientation_cible"]


def test_admin_regle_les_points_de_suivi_apres_une_sortie(client_admin_a, dep_a):
    url = reverse("spie:admin_parametres")
    refus = client_admin_a.post(
        url, donnees_parametres(version_du_formulaire(client_admin_a.get(url)), suivi_sortie_mois="0,40")
    )
    assert refus.status_code == 200 and "entre 1 et 24" in refus.content.decode()
    dep_a.refresh_from_db()
    assert dep_a.suivi_sortie_mois == [1, 3, 6]
    response = client_admin_a.post(
        url, donnees_parametres(version_du_formulaire(client_admin_a.get(url)), suivi_sortie_mois="12, 2, 2")
    )
    assert response.status_code == 302
    dep_a.refresh_from_db()
    assert dep_a.suivi_sortie_mois == [2, 12]


def test_le_delai_legal_d_orientation_ne_depasse_pas_six_semaines(client_admin_a, dep_a):
    url = reverse("spie:admin_parametres")
    formulaire = client_admin_a.get(url)
    response = client_admin_a.post(
        url, donnees_parametres(version_du_formulaire(formulaire), delai_orientation_legal_jours="50")
    )
    assert response.status_code == 200
    assert "delai_orientation_legal_jours" in response.context["form"].errors
    dep_a.refresh_from_db()
    assert dep_a.delai_orientation_legal_jours == 42


def test_parametres_enregistres_entre_temps_montrent_un_conflit(client_admin_a, admin_a, dep_a):
    url = reverse("spie:admin_parametres")
    autre_onglet = client_de(admin_a)
    premier = client_admin_a.get(url)
    second = autre_onglet.get(url)

    enregistre = client_admin_a.post(
        url, donnees_parametres(version_du_formulaire(premier), delai_orientation_cible="21")
    )
    assert enregistre.status_code == 302
    conflit = autre_onglet.post(url, donnees_parametres(version_du_formulaire(second), delai_orientation_cible="45"))

    assert conflit.status_code == 200
    assert CONFLIT in texte(conflit)
    assert 'name="delai_orientation_cible" value="45"' in conflit.content.decode()
    dep_a.refresh_from_db()
    assert dep_a.delai_orientation_cible == 21
    # Saving again from the conflict page is a knowing overwrite and goes through.
    response = autre_onglet.post(url, donnees_parametres(version_du_formulaire(conflit), delai_orientation_cible="45"))
    assert response.status_code == 302
    assert Departement.objects.get(pk=dep_a.pk).delai_orientation_cible == 45


def test_les_parametres_d_un_departement_ne_touchent_pas_l_autre(client_admin_b, dep_a, dep_b):
    formulaire = client_admin_b.get(reverse("spie:admin_parametres"))

    client_admin_b.post(
        reverse("spie:admin_parametres"),
        donnees_parametres(version_du_formulaire(formulaire), delai_orientation_cible="60"),
    )

    assert Departement.objects.get(pk=dep_b.pk).delai_orientation_cible == 60
    assert Departement.objects.get(pk=dep_a.pk).delai_orientation_cible == 30


def test_un_utilisateur_sans_totp_ne_voit_pas_l_administration(structure_a):
    # Guard rail for the fixtures above: the admin pages are reached only by admins with MFA.
    sans_mfa = MembershipFactory(structure=structure_a, role="admin_departement", user__totp=False).user
    response = client_de(sans_mfa).get(reverse("spie:admin_tableau_de_bord"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
