"""Plan d'action, rendez-vous and contrats of a carnet: permissions, timeline, optimistic locking,
contract lifecycle and renewal, the contract PDF, query counts of the list pages.

Personas: `agent_a` (référent of the carnet, structure A), `collegue` (another member of the group),
`admin_a` (département admin: reads, never writes), `partner_a` (professional of the same département
outside the group: 403 everywhere).
"""

import datetime
import io

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.models import (
    Action,
    AxeDeTravail,
    Carnet,
    Contrat,
    Evenement,
    Objectif,
    ObjectifReference,
    RendezVous,
    Sensibilite,
    StatutContrat,
    TypeEvenement,
)
from spie import pdf
from spie.models import AccessLog
from spie.models import Action as Journal
from spie.tenancy import departement_scope
from spie.versioning import VersionConflict
from tests.carnet.factories import (
    ActionFactory,
    AxeFactory,
    CarnetFactory,
    ContratFactory,
    MembreGroupeFactory,
    ObjectifFactory,
    RendezVousFactory,
    theme,
)
from tests.conftest import logged_client
from tests.spie.factories import MembershipFactory, StructureFactory

NIR = "295109912611193"


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(
        departement=dep_a,
        beneficiaire__nom_usage="Dupont",
        beneficiaire__prenoms="Léa Marie",
        beneficiaire__nir=NIR,
    )
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


@pytest.fixture
def collegue(carnet, structure_a):
    """A second member of the group, to edit at the same time as agent_a."""
    user = MembershipFactory(structure=structure_a).user
    MembreGroupeFactory(carnet=carnet, user=user, structure=structure_a)
    return user


@pytest.fixture
def contenu(carnet, agent_a, structure_a):
    """One object of each kind in the carnet, for the permission matrix."""
    axe = AxeFactory(carnet=carnet, theme=theme("emploi"), created_by=agent_a)
    objectif = ObjectifFactory(axe=axe)
    action = ActionFactory(objectif=objectif, structure=structure_a)
    rdv = RendezVousFactory(carnet=carnet, professionnel=agent_a, structure=structure_a)
    contrat = ContratFactory(carnet=carnet, structure=structure_a, created_by=agent_a, statut=StatutContrat.SIGNE)
    return {"axe": axe, "objectif": objectif, "action": action, "rdv": rdv, "contrat": contrat}


def url(name, carnet, **kwargs):
    return reverse(f"carnet:{name}", kwargs={"uid": carnet.uid, **kwargs})


def route_kwargs(contenu):
    return {
        "plan": {},
        "axe_ajouter": {},
        "objectif_ajouter": {"axe_uid": contenu["axe"].uid},
        "objectif_modifier": {"objectif_uid": contenu["objectif"].uid},
        "action_ajouter": {"objectif_uid": contenu["objectif"].uid},
        "action_modifier": {"action_uid": contenu["action"].uid},
        "rendez_vous": {},
        "rendez_vous_modifier": {"rdv_uid": contenu["rdv"].uid},
        "contrats": {},
        "contrat_detail": {"contrat_uid": contenu["contrat"].uid},
        "contrat_signer": {"contrat_uid": contenu["contrat"].uid},
        "contrat_terminer": {"contrat_uid": contenu["contrat"].uid},
        "contrat_renouveler": {"contrat_uid": contenu["contrat"].uid},
        "contrat_pdf": {"contrat_uid": contenu["contrat"].uid},
    }


READ_PAGES = ["plan", "rendez_vous", "contrats", "contrat_detail", "contrat_pdf"]
WRITE_PAGES = [
    "axe_ajouter",
    "objectif_ajouter",
    "objectif_modifier",
    "action_ajouter",
    "action_modifier",
    "rendez_vous_modifier",
    "contrat_renouveler",
]
POST_ONLY = ["contrat_signer", "contrat_terminer"]
WRITES = ["rendez_vous", "contrats", "contrat_detail", *WRITE_PAGES, *POST_ONLY]
ALL_ROUTES = READ_PAGES + WRITE_PAGES + POST_ONLY


def events(carnet, type):
    with departement_scope(carnet.departement_id):
        return list(Evenement.objects.filter(carnet=carnet, type=type).order_by("created_at", "id"))


def contrat_post(structure, **overrides):
    today = timezone.localdate()
    data = {
        "type": "contrat_engagement",
        "structure": structure.pk,
        "date_debut": today.isoformat(),
        "date_fin": (today + datetime.timedelta(days=180)).isoformat(),
        "heures_hebdomadaires": "15",
        "engagements_personne": "Participer aux ateliers de recherche d'emploi.",
        "engagements_structure": "Recevoir la personne tous les quinze jours.",
    }
    data.update(overrides)
    return data


# --- Plan d'action --------------------------------------------------------------------------


def test_membre_cree_axe_objectif_action_avec_evenements(client_agent_a, carnet, structure_a, scope_a):
    response = client_agent_a.post(url("axe_ajouter", carnet), {"theme": theme("emploi").pk})
    assert response.status_code == 302
    axe = AxeDeTravail.objects.get(carnet=carnet)

    response = client_agent_a.post(
        url("objectif_ajouter", carnet, axe_uid=axe.uid), {"suggestion": "Trouver un emploi", "consentement": "on"}
    )
    assert response.status_code == 302
    objectif = Objectif.objects.get(axe=axe)
    assert objectif.libelle == "Trouver un emploi"

    response = client_agent_a.post(
        url("action_ajouter", carnet, objectif_uid=objectif.uid),
        {
            "libelle": "Atelier CV",
            "statut": "en_cours",
            "date_debut": "2026-01-05",
            "date_fin": "2026-01-30",
            "structure": structure_a.pk,
        },
    )
    assert response.status_code == 302
    action = Action.objects.get(objectif=objectif)
    assert (action.structure, action.date_debut) == (structure_a, datetime.date(2026, 1, 5))

    assert [e.resume for e in events(carnet, TypeEvenement.AXE)] == ["Axe de travail ajouté : Emploi"]
    assert "Trouver un emploi" in events(carnet, TypeEvenement.OBJECTIF)[0].resume
    assert "Atelier CV" in events(carnet, TypeEvenement.ACTION)[0].resume
    page = client_agent_a.get(url("plan", carnet)).content.decode()
    assert "Trouver un emploi" in page and "Atelier CV" in page and structure_a.nom in page


def test_consentement_enregistre_avec_sa_date_puis_retire(client_agent_a, carnet, scope_a):
    axe = AxeFactory(carnet=carnet, theme=theme("mobilite"))
    client_agent_a.post(
        url("objectif_ajouter", carnet, axe_uid=axe.uid), {"libelle": "Passer le code", "consentement": "on"}
    )
    objectif = Objectif.objects.get(axe=axe)
    assert objectif.consentement and objectif.consentement_le is not None
    assert "accord de la personne recueilli" in events(carnet, TypeEvenement.OBJECTIF)[-1].resume

    response = client_agent_a.post(
        url("objectif_modifier", carnet, objectif_uid=objectif.uid),
        {"libelle": "Passer le code", "statut": "en_cours", "version": objectif.version},
    )
    assert response.status_code == 302
    objectif.refresh_from_db()
    assert not objectif.consentement and objectif.consentement_le is None
    assert "accord de la personne retiré" in events(carnet, TypeEvenement.OBJECTIF)[-1].resume


def test_objectif_sans_libelle_refuse_sur_le_champ(client_agent_a, carnet, scope_a):
    axe = AxeFactory(carnet=carnet, theme=theme("emploi"))
    response = client_agent_a.post(url("objectif_ajouter", carnet, axe_uid=axe.uid), {"consentement": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors["libelle"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Objectif.objects.filter(axe=axe).exists()


def test_suggestions_d_objectifs_du_theme_et_du_departement(client_agent_a, carnet, dep_a, dep_b, scope_a):
    ObjectifReference.objects.create(theme=theme("emploi"), libelle="Objectif local de A", departement=dep_a)
    ObjectifReference.objects.create(theme=theme("emploi"), libelle="Objectif local de B", departement=dep_b)
    axe = AxeFactory(carnet=carnet, theme=theme("emploi"))
    page = client_agent_a.get(url("objectif_ajouter", carnet, axe_uid=axe.uid)).content.decode()
    assert "Créer une entreprise" in page and "Objectif local de A" in page
    assert "Objectif local de B" not in page and "Accéder à un logement" not in page


def test_axe_en_double_refuse(client_agent_a, carnet, scope_a):
    AxeFactory(carnet=carnet, theme=theme("emploi"))
    response = client_agent_a.post(url("axe_ajouter", carnet), {"theme": theme("emploi").pk})
    assert response.status_code == 200
    assert response.context["form"].errors["theme"]
    assert AxeDeTravail.objects.filter(carnet=carnet).count() == 1


def test_axe_sensible_reserve_au_groupe_et_evenements_restreints(client_agent_a, client_admin_a, carnet, scope_a):
    client_agent_a.post(url("axe_ajouter", carnet), {"theme": theme("sante").pk})
    axe = AxeDeTravail.objects.get(carnet=carnet)
    client_agent_a.post(url("objectif_ajouter", carnet, axe_uid=axe.uid), {"suggestion": "Accéder aux soins"})

    for type in (TypeEvenement.AXE, TypeEvenement.OBJECTIF):
        (event,) = events(carnet, type)
        assert event.sensibilite == Sensibilite.SANTE
        assert "Santé" not in event.resume and "soins" not in event.resume
    assert "Accéder aux soins" in client_agent_a.get(url("plan", carnet)).content.decode()
    page = client_admin_a.get(url("plan", carnet)).content.decode()
    assert "Santé" not in page and "Accéder aux soins" not in page


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_ROUTES)
def test_professionnel_hors_groupe_recoit_403_partout(partner_a, carnet, contenu, name):
    client = logged_client(partner_a)
    target = url(name, carnet, **route_kwargs(contenu)[name])
    response = client.get(target)
    assert response.status_code == 403
    assert response.wsgi_request.departement == carnet.departement  # refused by the carnet rule, not the tenant
    assert client.post(target, {}).status_code == 403


@pytest.mark.parametrize("name", READ_PAGES)
def test_admin_du_departement_lit_les_pages(client_admin_a, carnet, contenu, name):
    response = client_admin_a.get(url(name, carnet, **route_kwargs(contenu)[name]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", WRITES)
def test_admin_du_departement_ne_modifie_pas(client_admin_a, carnet, contenu, structure_a, name):
    target = url(name, carnet, **route_kwargs(contenu)[name])
    assert client_admin_a.post(target, contrat_post(structure_a, version="1")).status_code == 403
    with departement_scope(carnet.departement_id):
        assert Contrat.objects.count() == 1 and RendezVous.objects.count() == 1


def test_admin_ne_voit_pas_les_formulaires(client_admin_a, carnet, contenu):
    for name in ("plan", "rendez_vous", "contrats", "contrat_detail"):
        page = client_admin_a.get(url(name, carnet, **route_kwargs(contenu)[name])).content.decode()
        assert 'method="post" novalidate' not in page, name
        assert "Modifier<span" not in page and "Renouveler le contrat" not in page, name
    assert client_admin_a.post(url("plan", carnet)).status_code == 405  # the plan page takes no write


OBJECT_ROUTES = [n for n in ALL_ROUTES if n not in ("plan", "axe_ajouter", "rendez_vous", "contrats")]


@pytest.mark.parametrize("name", OBJECT_ROUTES)
def test_objet_d_un_autre_carnet_donne_404(client_agent_a, carnet, contenu, dep_a, agent_a, structure_a, name):
    """agent_a is in both groups: only the object's carnet decides."""
    autre = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=autre, user=agent_a, structure=structure_a)
    target = url(name, autre, **route_kwargs(contenu)[name])
    if name not in POST_ONLY:
        assert client_agent_a.get(target).status_code == 404
    if name != "contrat_pdf":
        assert client_agent_a.post(target, {"version": "1"}).status_code == 404


def test_lecture_du_pdf_journalisee(client_agent_a, carnet, contenu, scope_a):
    client_agent_a.get(url("contrat_pdf", carnet, contrat_uid=contenu["contrat"].uid))
    entry = AccessLog.objects.filter(object_uid=carnet.uid, action=Journal.CONSULTATION).latest("created_at")
    assert entry.details == {"page": "contrat_pdf"}


# --- Optimistic locking ---------------------------------------------------------------------


def test_conflit_sur_objectif_garde_la_saisie_et_n_ecrase_rien(carnet, agent_a, collegue, scope_a):
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet), libelle="Trouver un emploi")
    target = url("objectif_modifier", carnet, objectif_uid=objectif.uid)
    moi, autre = logged_client(agent_a), logged_client(collegue)
    assert moi.get(target).context["form"]["version"].value() == 1  # both read version 1
    assert autre.get(target).status_code == 200

    autre.post(target, {"libelle": "Trouver un emploi dans la logistique", "statut": "en_cours", "version": 1})
    response = moi.post(target, {"libelle": "Trouver un CDI", "statut": "atteint", "version": 1})

    assert response.status_code == 200
    page = response.content.decode()
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in page
    assert 'value="Trouver un CDI"' in page  # my input is kept
    assert "Trouver un emploi dans la logistique" in page  # the saved version is shown beside it
    objectif.refresh_from_db()
    assert (objectif.libelle, objectif.statut, objectif.version) == (
        "Trouver un emploi dans la logistique",
        "en_cours",
        2,
    )
    assert response.context["form"].data["version"] == 2  # saving again is a knowing overwrite

    moi.post(target, {"libelle": "Trouver un CDI", "statut": "atteint", "version": 2})
    objectif.refresh_from_db()
    assert objectif.libelle == "Trouver un CDI"


def test_conflit_sur_action_garde_la_saisie(carnet, agent_a, collegue, structure_a, scope_a):
    action = ActionFactory(objectif=ObjectifFactory(axe=AxeFactory(carnet=carnet)), libelle="Atelier CV")
    target = url("action_modifier", carnet, action_uid=action.uid)
    logged_client(collegue).post(target, {"libelle": "Atelier CV et lettre", "statut": "realisee", "version": 1})
    response = logged_client(agent_a).post(
        target, {"libelle": "Atelier entretien", "statut": "en_cours", "version": 1}
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'value="Atelier entretien"' in page
    action.refresh_from_db()
    assert (action.libelle, action.statut) == ("Atelier CV et lettre", "realisee")


def test_conflit_sur_contrat_brouillon_garde_la_saisie(carnet, agent_a, collegue, structure_a, scope_a):
    contrat = ContratFactory(carnet=carnet, structure=structure_a)
    target = url("contrat_detail", carnet, contrat_uid=contrat.uid)
    reduit = {"heures_hebdomadaires": "12", "motif_reduction_heures": "sante", "version": 1}
    logged_client(collegue).post(target, contrat_post(structure_a, **reduit))
    response = logged_client(agent_a).post(target, contrat_post(structure_a, heures_hebdomadaires="20", version=1))
    assert response.status_code == 200
    assert response.context["form"].conflict
    assert 'value="20"' in response.content.decode()
    contrat.refresh_from_db()
    assert (contrat.heures_hebdomadaires, contrat.version) == (12, 2)


def test_conflit_decouvert_a_l_enregistrement_n_ecrit_rien(carnet, agent_a, structure_a, scope_a):
    """Both edits passed their form checks; the second UPDATE ... WHERE version finds nothing to update."""
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet))
    action = ActionFactory(objectif=objectif)
    contrat = ContratFactory(carnet=carnet, structure=structure_a)
    common = {"auteur": agent_a, "structure": structure_a}
    services.objectif_update(
        objectif=objectif, libelle="A", statut="en_cours", consentement=False, version=1, **common
    )
    services.action_update(action=action, data={"libelle": "A"}, version=1, **common)
    data = {"date_debut": contrat.date_debut, "date_fin": contrat.date_fin, "heures_hebdomadaires": 10}
    services.contrat_update(contrat=contrat, data=data, objectifs=[], version=1, **common)
    before = len(events(carnet, TypeEvenement.OBJECTIF))

    with pytest.raises(VersionConflict):
        services.objectif_update(
            objectif=objectif, libelle="B", statut="atteint", consentement=True, version=1, **common
        )
    with pytest.raises(VersionConflict):
        services.action_update(action=action, data={"libelle": "B"}, version=1, **common)
    with pytest.raises(VersionConflict):
        services.contrat_update(
            contrat=contrat, data={**data, "heures_hebdomadaires": 30}, objectifs=[], version=1, **common
        )

    assert Objectif.objects.get(pk=objectif.pk).libelle == "A"
    assert Action.objects.get(pk=action.pk).libelle == "A"
    assert Contrat.objects.get(pk=contrat.pk).heures_hebdomadaires == 10
    assert len(events(carnet, TypeEvenement.OBJECTIF)) == before


# --- Rendez-vous ----------------------------------------------------------------------------


def rdv_post(user, structure, when, **overrides):
    local = timezone.localtime(when)
    data = {
        "date": local.date().isoformat(),
        "heure": local.strftime("%H:%M"),
        "duree_minutes": "45",
        "professionnel": user.pk,
        "structure": structure.pk,
        "mode": "sur_place",
        "lieu": "Antenne de Rouen",
        "objet": "Point d'étape",
        "statut": "prevu",
    }
    data.update(overrides)
    return data


def test_rendez_vous_cree_et_dates_du_portefeuille(client_agent_a, carnet, agent_a, structure_a, scope_a):
    passe = timezone.now() - datetime.timedelta(days=10)
    futur = timezone.now() + datetime.timedelta(days=7)
    target = url("rendez_vous", carnet)
    assert client_agent_a.post(target, rdv_post(agent_a, structure_a, passe, statut="present")).status_code == 302
    assert client_agent_a.post(target, rdv_post(agent_a, structure_a, futur)).status_code == 302

    carnet.refresh_from_db()
    assert carnet.dernier_rendez_vous == passe.replace(second=0, microsecond=0)
    assert carnet.prochain_rendez_vous == futur.replace(second=0, microsecond=0)
    assert len(events(carnet, TypeEvenement.RENDEZ_VOUS)) == 2
    assert "Point d'étape" not in events(carnet, TypeEvenement.RENDEZ_VOUS)[0].resume


def test_rendez_vous_just_after_midnight_shows_its_own_day(client_agent_a, carnet, agent_a, structure_a, scope_a):
    # 00:30 in Paris is 23:30 the day before in UTC: the timeline and the message print the local day.
    when = timezone.make_aware(datetime.datetime(2026, 12, 10, 0, 30))
    response = client_agent_a.post(url("rendez_vous", carnet), rdv_post(agent_a, structure_a, when), follow=True)
    assert "Le rendez-vous du 10/12/2026 à 00:30 est ajouté." in response.content.decode()
    [event] = events(carnet, TypeEvenement.RENDEZ_VOUS)
    assert event.resume == "Rendez-vous du 10/12/2026 à 00:30 planifié (sur place, prévu)"
    rdv = RendezVous.objects.get()
    local = timezone.localtime(rdv.date_heure)
    modifier = {"date": local.date().isoformat(), "heure": "00:30", "mode": "visio", "statut": "prevu", "version": 1}
    assert client_agent_a.post(url("rendez_vous_modifier", carnet, rdv_uid=rdv.uid), modifier).status_code == 302
    assert events(carnet, TypeEvenement.RENDEZ_VOUS)[-1].resume == (
        "Rendez-vous du 10/12/2026 à 00:30 mis à jour (en visioconférence, prévu)"
    )


def test_rendez_vous_modifie_statut_et_portefeuille(client_agent_a, carnet, agent_a, structure_a, scope_a):
    when = timezone.now() - datetime.timedelta(days=2)
    rdv = RendezVousFactory(carnet=carnet, professionnel=agent_a, structure=structure_a, date_heure=when)
    local = timezone.localtime(when)
    response = client_agent_a.post(
        url("rendez_vous_modifier", carnet, rdv_uid=rdv.uid),
        {
            "date": local.date().isoformat(),
            "heure": local.strftime("%H:%M"),
            "mode": "telephone",
            "statut": "present",
            "version": 1,
        },
    )
    assert response.status_code == 302
    rdv.refresh_from_db()
    carnet.refresh_from_db()
    assert (rdv.statut, rdv.mode, rdv.version) == ("present", "telephone", 2)
    assert carnet.dernier_rendez_vous == rdv.date_heure


def test_conflit_sur_rendez_vous_montre_la_version_enregistree(carnet, agent_a, collegue, structure_a, scope_a):
    when = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
    rdv = RendezVousFactory(carnet=carnet, professionnel=agent_a, structure=structure_a, date_heure=when)
    target = url("rendez_vous_modifier", carnet, rdv_uid=rdv.uid)
    base = {"date": "2026-03-02", "heure": "10:00", "mode": "sur_place", "statut": "prevu", "version": 1}
    logged_client(collegue).post(target, {**base, "heure": "11:30"})
    response = logged_client(agent_a).post(target, {**base, "mode": "visio", "lieu": "Lien envoyé par SMS"})
    page = response.content.decode()
    assert response.status_code == 200 and "02/03/2026 à 11:30" in page and 'value="Lien envoyé par SMS"' in page
    rdv.refresh_from_db()
    assert (timezone.localtime(rdv.date_heure).hour, rdv.mode) == (11, "sur_place")


def test_rendez_vous_refuse_un_professionnel_hors_groupe_et_garde_la_saisie(
    client_agent_a, carnet, partner_a, structure_a, scope_a
):
    when = timezone.now() + datetime.timedelta(days=1)
    response = client_agent_a.post(url("rendez_vous", carnet), rdv_post(partner_a, structure_a, when, lieu="Salle 12"))
    assert response.status_code == 200
    assert response.context["form"].errors["professionnel"]
    assert 'value="Salle 12"' in response.content.decode()
    assert not RendezVous.objects.exists()


def test_rendez_vous_a_venir_ne_peut_pas_etre_note_present(client_agent_a, carnet, agent_a, structure_a, scope_a):
    when = timezone.now() + datetime.timedelta(days=1)
    response = client_agent_a.post(url("rendez_vous", carnet), rdv_post(agent_a, structure_a, when, statut="present"))
    assert response.context["form"].errors["statut"]
    assert not RendezVous.objects.exists()


# --- Contrats -------------------------------------------------------------------------------


def test_contrat_cree_en_brouillon_avec_objectifs_du_carnet(client_agent_a, carnet, structure_a, scope_a):
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet))
    response = client_agent_a.post(url("contrats", carnet), contrat_post(structure_a, objectifs=[objectif.pk]))
    assert response.status_code == 302
    contrat = Contrat.objects.get(carnet=carnet)
    assert (contrat.statut, contrat.numero_version, contrat.heures_hebdomadaires) == ("brouillon", 1, 15)
    assert list(contrat.objectifs.all()) == [objectif]
    assert "Contrat d'engagement v1 préparé" in events(carnet, TypeEvenement.CONTRAT)[0].resume


def test_contrat_refuse_fin_avant_debut_et_objectif_d_un_autre_carnet(
    client_agent_a, carnet, dep_a, structure_a, scope_a
):
    etranger = ObjectifFactory(axe=AxeFactory(carnet=CarnetFactory(departement=dep_a)))
    data = contrat_post(structure_a, date_fin="2020-01-01", objectifs=[etranger.pk], engagements_personne="Mon texte")
    response = client_agent_a.post(url("contrats", carnet), data)
    form = response.context["form"]
    assert form.errors["date_fin"] and form.errors["objectifs"]
    assert "Mon texte" in response.content.decode()
    assert not Contrat.objects.filter(carnet=carnet).exists()


def test_heures_par_defaut_15(client_agent_a, carnet):
    assert client_agent_a.get(url("contrats", carnet)).context["form"]["heures_hebdomadaires"].value() == 15


def test_cycle_de_vie_signature_puis_fin(client_agent_a, carnet, structure_a, scope_a):
    contrat = ContratFactory(carnet=carnet, structure=structure_a)
    today = timezone.localdate().isoformat()
    client_agent_a.post(
        url("contrat_signer", carnet, contrat_uid=contrat.uid),
        {"signature-date_signature": today, "signature-version": 1},
    )
    contrat.refresh_from_db()
    carnet.refresh_from_db()
    assert contrat.statut == "signe" and contrat.date_signature == timezone.localdate()
    assert carnet.fin_contrat_en_cours == contrat.date_fin

    client_agent_a.post(
        url("contrat_terminer", carnet, contrat_uid=contrat.uid), {"transition-version": contrat.version}
    )
    contrat.refresh_from_db()
    carnet.refresh_from_db()
    assert contrat.statut == "termine" and contrat.termine_le == timezone.localdate()
    assert carnet.fin_contrat_en_cours is None
    assert len(events(carnet, TypeEvenement.CONTRAT)) == 2


def test_transitions_invalides_refusees(client_agent_a, carnet, structure_a, scope_a):
    termine = ContratFactory(carnet=carnet, structure=structure_a, statut=StatutContrat.TERMINE)
    signe = ContratFactory(carnet=carnet, structure=structure_a, statut=StatutContrat.SIGNE, type="ppae")
    brouillon = ContratFactory(carnet=carnet, structure=structure_a, type="cej")
    today = timezone.localdate().isoformat()

    response = client_agent_a.post(
        url("contrat_signer", carnet, contrat_uid=termine.uid),
        {"signature-date_signature": today, "signature-version": 1},
        follow=True,
    )
    assert "Seul un contrat en brouillon peut être signé." in response.content.decode()
    response = client_agent_a.post(
        url("contrat_detail", carnet, contrat_uid=signe.uid),
        contrat_post(structure_a, heures_hebdomadaires="30", version=1),
        follow=True,
    )
    assert "Seul un contrat en brouillon peut être modifié." in response.content.decode()
    response = client_agent_a.post(
        url("contrat_terminer", carnet, contrat_uid=brouillon.uid), {"transition-version": 1}, follow=True
    )
    assert "Seul un contrat signé peut être terminé." in response.content.decode()

    assert Contrat.objects.get(pk=termine.pk).statut == "termine"
    assert Contrat.objects.get(pk=signe.pk).heures_hebdomadaires == 15
    assert Contrat.objects.get(pk=brouillon.pk).statut == "brouillon"
    assert not events(carnet, TypeEvenement.CONTRAT)
    with pytest.raises(services.RegleMetier):
        services.contrat_sign(
            contrat=termine, date_signature=timezone.localdate(), version=1, auteur=None, structure=None
        )


def test_actions_invalides_absentes_des_pages(client_agent_a, carnet, structure_a, scope_a):
    termine = ContratFactory(carnet=carnet, structure=structure_a, statut=StatutContrat.TERMINE)
    page = client_agent_a.get(url("contrat_detail", carnet, contrat_uid=termine.uid)).content.decode()
    assert url("contrat_signer", carnet, contrat_uid=termine.uid) not in page
    assert url("contrat_terminer", carnet, contrat_uid=termine.uid) not in page
    assert "Modifier le brouillon" not in page
    assert url("contrat_renouveler", carnet, contrat_uid=termine.uid) in page


def test_signature_sur_version_perimee_refusee(carnet, agent_a, collegue, structure_a, scope_a):
    """One cannot sign a draft someone changed after one read it."""
    contrat = ContratFactory(carnet=carnet, structure=structure_a)
    logged_client(collegue).post(
        url("contrat_detail", carnet, contrat_uid=contrat.uid), contrat_post(structure_a, version=1)
    )
    today = timezone.localdate().isoformat()
    response = logged_client(agent_a).post(
        url("contrat_signer", carnet, contrat_uid=contrat.uid),
        {"signature-date_signature": today, "signature-version": 1},
        follow=True,
    )
    assert "modifié entre-temps" in response.content.decode()
    contrat.refresh_from_db()
    assert (contrat.statut, contrat.version) == ("brouillon", 2)


def test_renouvellement_garde_l_historique(client_agent_a, carnet, structure_a, scope_a):
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet))
    v1 = ContratFactory(carnet=carnet, structure=structure_a, statut=StatutContrat.SIGNE, heures_hebdomadaires=12)
    v1.objectifs.set([objectif])
    target = url("contrat_renouveler", carnet, contrat_uid=v1.uid)
    form = client_agent_a.get(target).context["form"]
    assert form["heures_hebdomadaires"].value() == 12 and form["objectifs"].value() == [objectif.pk]

    debut = v1.date_fin + datetime.timedelta(days=1)
    data = contrat_post(
        structure_a,
        type="cer",
        date_debut=debut.isoformat(),
        date_fin=(debut + datetime.timedelta(days=90)).isoformat(),
        version=1,
    )
    response = client_agent_a.post(target, data)
    assert response.status_code == 302

    v1.refresh_from_db()
    v2 = Contrat.objects.get(precedent=v1)
    assert (v1.statut, v1.termine_le) == ("termine", timezone.localdate())
    assert (v2.statut, v2.numero_version, v2.type) == ("brouillon", 2, "cer")
    page = client_agent_a.get(url("contrat_detail", carnet, contrat_uid=v2.uid)).content.decode()
    assert "Historique des versions" in page and url("contrat_detail", carnet, contrat_uid=v1.uid) in page

    # A version is renewed once: its successor carries on.
    assert client_agent_a.post(target, {**data, "version": v1.version}).status_code == 302
    assert Contrat.objects.filter(carnet=carnet).count() == 2


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_du_contrat(client_agent_a, carnet, structure_a, dep_a, scope_a, monkeypatch):
    dep_a.contact_nom = "Direction de l'insertion"
    dep_a.contact_telephone = "02 35 00 00 00"
    dep_a.save()
    objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet), libelle="Trouver un emploi de cariste")
    contrat = ContratFactory(
        carnet=carnet,
        structure=structure_a,
        type="cer",
        date_debut=datetime.date(2026, 2, 1),
        date_fin=datetime.date(2026, 7, 31),
        heures_hebdomadaires=15,
        engagements_personne="Venir aux ateliers du mardi.",
    )
    contrat.objectifs.set([objectif])

    fed = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html, real=pdf.html_to_pdf: fed.append(html) or real(html))

    response = client_agent_a.get(url("contrat_pdf", carnet, contrat_uid=contrat.uid))

    assert response.status_code == 200
    assert NIR not in fed[0] and "Léa Marie DUPONT" in fed[0]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="contrat-cer-v1.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Léa Marie DUPONT",
        "Contrat d'engagement réciproque (CER)",
        "01/02/2026",
        "31/07/2026",
        "15 heures d'activité par semaine",
        "Trouver un emploi de cariste",
        "Venir aux ateliers du mardi.",
        "Direction de l'insertion",
        structure_a.nom,
        "Version 1",
    ):
        assert expected in text, expected
    compact = text.replace(" ", "")
    assert NIR not in compact and NIR[:13] not in compact


def test_pdf_sans_objectif_sensible_pour_l_admin(client_admin_a, carnet, structure_a, scope_a):
    contrat = ContratFactory(carnet=carnet, structure=structure_a)
    contrat.objectifs.set(
        [ObjectifFactory(axe=AxeFactory(carnet=carnet, theme=theme("sante")), libelle="Accéder aux soins")]
    )
    response = client_admin_a.get(url("contrat_pdf", carnet, contrat_uid=contrat.uid))
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Accéder aux soins" not in text and "thème protégé" in text


# --- Query counts ---------------------------------------------------------------------------


def count_queries(client, target):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(target).status_code == 200
    return len(ctx.captured_queries)


def test_plan_sans_n_plus_1(client_agent_a, carnet, agent_a, structure_a, scope_a):
    codes = ["emploi", "formation", "mobilite", "logement", "numerique", "sante"]

    def add(code):
        objectif = ObjectifFactory(axe=AxeFactory(carnet=carnet, theme=theme(code), created_by=agent_a))
        ActionFactory(objectif=objectif, structure=StructureFactory(departement=carnet.departement))
        ActionFactory(objectif=objectif, structure=structure_a)

    for code in codes[:3]:
        add(code)
    with_three = count_queries(client_agent_a, url("plan", carnet))
    for code in codes[3:]:
        add(code)
    assert count_queries(client_agent_a, url("plan", carnet)) == with_three


def test_rendez_vous_sans_n_plus_1(client_agent_a, carnet, scope_a):
    def add(n):
        for i in range(n):
            RendezVousFactory(carnet=carnet, date_heure=timezone.now() + datetime.timedelta(days=i - 2))

    add(3)
    with_three = count_queries(client_agent_a, url("rendez_vous", carnet))
    add(3)
    assert count_queries(client_agent_a, url("rendez_vous", carnet)) == with_three


def test_contrats_sans_n_plus_1(client_agent_a, carnet, scope_a):
    def add(n):
        for _ in range(n):
            ContratFactory(carnet=carnet)

    add(3)
    with_three = count_queries(client_agent_a, url("contrats", carnet))
    add(3)
    assert count_queries(client_agent_a, url("contrats", carnet)) == with_three


# --- Portfolio dates ------------------------------------------------------------------------


def test_carnet_refresh_dates(carnet, agent_a, structure_a, scope_a):
    now = timezone.now()
    RendezVousFactory(carnet=carnet, date_heure=now - datetime.timedelta(days=30), statut="present")
    dernier = RendezVousFactory(carnet=carnet, date_heure=now - datetime.timedelta(days=5), statut="present")
    RendezVousFactory(carnet=carnet, date_heure=now - datetime.timedelta(days=1), statut="absent")
    prochain = RendezVousFactory(carnet=carnet, date_heure=now + datetime.timedelta(days=3))
    RendezVousFactory(carnet=carnet, date_heure=now + datetime.timedelta(days=9))
    signe = ContratFactory(carnet=carnet, statut=StatutContrat.SIGNE)
    ContratFactory(carnet=carnet, date_fin=timezone.localdate() + datetime.timedelta(days=400))  # a draft: ignored

    services.carnet_refresh_dates(carnet)

    fresh = Carnet.objects.get(pk=carnet.pk)
    assert fresh.dernier_rendez_vous == dernier.date_heure
    assert fresh.prochain_rendez_vous == prochain.date_heure
    assert fresh.fin_contrat_en_cours == signe.date_fin
