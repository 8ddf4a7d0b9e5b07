"""The queue of new entrants: derived from the carnets (whatever created them), late flag against the
département's target, territory and other filters, constant query count."""

import datetime
import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carnet import services as carnet_services
from orientation.models import StatutDossier
from orientation.queue import file_queryset, filtrer
from spie.models import Departement, Territoire
from tests.carnet.factories import BeneficiaireFactory, CarnetFactory, MembreGroupeFactory
from tests.orientation.factories import DossierFactory, OrientationFactory, SecteurFactory, make_commune
from tests.spie.factories import TerritoireFactory

URL = reverse("orientation:file")


def _names(client, params=None):
    response = client.get(URL, params or {})
    assert response.status_code == 200
    return {row.beneficiaire.nom_usage for row in response.context["rows"]}


def _entrant(dep, nom, jours=20, **beneficiaire):
    return CarnetFactory(
        departement=dep,
        beneficiaire__nom_usage=nom,
        beneficiaire__date_entree_rsa=timezone.localdate() - datetime.timedelta(days=jours),
        **{f"beneficiaire__{k}": v for k, v in beneficiaire.items()},
    )


def test_every_creation_channel_lands_in_the_queue_without_hook(client_charge, dep_a, scope_a):
    # By hand or by the API/import/flux: they all end in beneficiaire_create (or a bare insert).
    carnet_services.beneficiaire_create(
        departement=dep_a,
        data={
            "nom_usage": "Service",
            "prenoms": "Alix",
            "date_naissance": datetime.date(1990, 1, 1),
            "date_entree_rsa": timezone.localdate() - datetime.timedelta(days=3),
            "etat_droit_rsa": "0",
        },
    )
    _entrant(dep_a, "Insertion")
    assert {"Service", "Insertion"} <= _names(client_charge)


def test_who_is_not_a_new_entrant_is_not_in_the_queue(client_charge, dep_a, accompagne, scope_a):
    _entrant(dep_a, "Attendu")
    _entrant(dep_a, "Refuse", etat_droit_rsa="1")
    _entrant(dep_a, "Clos", etat_droit_rsa="5")
    _entrant(dep_a, "Suspendu", etat_droit_rsa="3")
    CarnetFactory(departement=dep_a, beneficiaire__nom_usage="Sansdate", beneficiaire__date_entree_rsa=None)
    oriente = _entrant(dep_a, "Oriente")
    OrientationFactory(dossier__carnet=oriente, dossier__statut=StatutDossier.ORIENTE, validee=True)
    accompagne.beneficiaire.__class__.objects.filter(pk=accompagne.beneficiaire_id).update(nom_usage="Accompagne")
    names = _names(client_charge)
    assert {"Attendu", "Suspendu"} <= names
    assert not names & {"Refuse", "Clos", "Sansdate", "Oriente", "Accompagne"}


def test_an_open_dossier_stays_in_the_queue_until_the_decision(client_charge, dep_a, scope_a):
    carnet = _entrant(dep_a, "Enplace")
    dossier = DossierFactory(carnet=carnet, statut=StatutDossier.ORIENTATION_PROPOSEE)
    # A référent arrived meanwhile: the open dossier still keeps the person in the queue.
    MembreGroupeFactory(carnet=carnet, est_referent=True)
    assert "Enplace" in _names(client_charge)
    dossier.__class__.objects.filter(pk=dossier.pk).update(statut=StatutDossier.ORIENTE)
    assert "Enplace" not in _names(client_charge)


def test_late_flag_follows_the_departement_target(client_charge, dep_a, scope_a):
    _entrant(dep_a, "Recent", jours=10)
    _entrant(dep_a, "Limite", jours=30)
    _entrant(dep_a, "Tardif", jours=31)
    rows = {r.beneficiaire.nom_usage: r for r in client_charge.get(URL).context["rows"]}
    assert {n: (r.jours, r.en_retard) for n, r in rows.items()} == {
        "Recent": (10, False),
        "Limite": (30, False),
        "Tardif": (31, True),
    }
    assert _names(client_charge, {"en_retard": "on"}) == {"Tardif"}
    assert client_charge.get(URL).context["nb_en_retard"] == 1
    Departement.objects.filter(pk=dep_a.pk).update(delai_orientation_cible=15)
    assert _names(client_charge, {"en_retard": "on"}) == {"Limite", "Tardif"}


def test_oldest_first(client_charge, dep_a, scope_a):
    _entrant(dep_a, "Deux", jours=2)
    _entrant(dep_a, "Quarante", jours=40)
    _entrant(dep_a, "Dix", jours=10)
    rows = client_charge.get(URL).context["rows"]
    assert [r.beneficiaire.nom_usage for r in rows] == ["Quarante", "Dix", "Deux"]


@pytest.fixture
def territoires(dep_a):
    nord, sud = make_commune("76001", "Nordville"), make_commune("76002", "Sudville")
    boucles = TerritoireFactory(departement=dep_a, nom="Boucles de Seine")
    plateau = TerritoireFactory(departement=dep_a, nom="Plateau")
    boucles.communes.add(nord)
    plateau.communes.add(sud)
    return boucles, plateau, nord, sud


def test_queue_defaults_to_the_chargés_sectors_with_a_territory_filter(
    client_charge, charge, dep_a, territoires, scope_a
):
    boucles, plateau, nord, sud = territoires
    _entrant(dep_a, "Aunord", commune=nord)
    _entrant(dep_a, "Ausud", commune=sud)
    _entrant(dep_a, "Nullepart")
    # No sector: the whole département.
    assert _names(client_charge) == {"Aunord", "Ausud", "Nullepart"}
    SecteurFactory(user=charge, territoire=boucles)
    response = client_charge.get(URL)
    assert {r.beneficiaire.nom_usage for r in response.context["rows"]} == {"Aunord"}
    assert "Boucles de Seine" in response.content.decode() and "dans vos secteurs" in response.content.decode()
    assert _names(client_charge, {"territoire": "tous"}) == {"Aunord", "Ausud", "Nullepart"}
    assert _names(client_charge, {"territoire": str(plateau.uid)}) == {"Ausud"}


def test_mine_and_status_filters(client_charge, charge, valideur, dep_a, scope_a):
    DossierFactory(carnet=_entrant(dep_a, "Amoi"), charge_orientation=charge)
    DossierFactory(carnet=_entrant(dep_a, "Alautre"), charge_orientation=valideur, statut=StatutDossier.ENTRETIEN)
    _entrant(dep_a, "Libre")
    assert _names(client_charge, {"mes_dossiers": "on"}) == {"Amoi"}
    assert _names(client_charge, {"statut": "a_prendre"}) == {"Libre"}
    assert _names(client_charge, {"statut": "entretien"}) == {"Alautre"}
    assert _names(client_charge, {"q": "libr"}) == {"Libre"}


def test_reorientation_counts_from_the_accepted_request(dep_a, scope_a):
    from tests.orientation.factories import DemandeReorientationFactory

    carnet = _entrant(dep_a, "Reoriente", jours=400)
    demande = DemandeReorientationFactory(carnet=carnet, statut="acceptee")
    DossierFactory(carnet=carnet, demande_reorientation=demande, statut=StatutDossier.DIAGNOSTIC_TERMINE)
    row = filtrer(file_queryset()).get(pk=carnet.pk)
    assert row.date_reference == timezone.localdate()


def test_other_departement_never_shows(client_charge, dep_a, dep_b, unscoped):
    _entrant(dep_a, "Ici")
    CarnetFactory(departement=dep_b, beneficiaire__departement=dep_b, beneficiaire__nom_usage="Ailleurs")
    assert _names(client_charge) == {"Ici"}


def test_taking_a_person_opens_their_dossier(client_charge, charge, dep_a, scope_a):
    carnet = _entrant(dep_a, "Prise")
    response = client_charge.post(reverse("orientation:dossier_ouvrir", kwargs={"uid": carnet.uid}))
    dossier = carnet.dossiers_orientation.get()
    assert response["Location"] == reverse("orientation:dossier", kwargs={"uid": dossier.uid})
    assert (dossier.statut, dossier.charge_orientation, dossier.date_entree_rsa) == (
        StatutDossier.A_CONVOQUER,
        charge,
        carnet.beneficiaire.date_entree_rsa,
    )
    assert carnet.evenements.filter(type="orientation", resume__startswith="Dossier d'orientation ouvert").exists()
    # Taking them twice is refused with a message, nothing doubled.
    response = client_charge.post(reverse("orientation:dossier_ouvrir", kwargs={"uid": carnet.uid}), follow=True)
    assert "déjà un dossier d'orientation ouvert" in html.unescape(response.content.decode())
    assert carnet.dossiers_orientation.count() == 1


def test_someone_accompanied_cannot_be_taken(client_charge, accompagne, scope_a):
    response = client_charge.post(reverse("orientation:dossier_ouvrir", kwargs={"uid": accompagne.uid}), follow=True)
    assert "n'attend pas d'orientation" in html.unescape(response.content.decode())
    assert not accompagne.dossiers_orientation.exists()


def test_valideur_assigns_a_dossier_and_the_charge_is_notified(client_valideur, valideur, charge, dep_a, scope_a):
    dossier = DossierFactory(carnet=_entrant(dep_a, "Confie"))
    url = reverse("orientation:dossier_attribuer", kwargs={"uid": dossier.uid})
    assert client_valideur.post(url, {"charge": charge.pk}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.charge_orientation == charge
    assert charge.notifications.filter(titre__contains="vous est confiée").exists()


def _queue(dep, n):
    territoire = Territoire.objects.first()
    for i in range(n):
        carnet = _entrant(dep, f"Personne{i:02d}{n}", jours=i * 7, commune=territoire.communes.first())
        if i % 2:
            DossierFactory(carnet=carnet, statut=StatutDossier.CONVOQUE)


def test_queue_query_count_does_not_grow_with_rows(client_charge, charge, dep_a, territoires, scope_a):
    SecteurFactory(user=charge, territoire=territoires[0])
    _queue(dep_a, 3)
    client_charge.get(URL)
    with CaptureQueriesContext(connection) as three:
        assert len(client_charge.get(URL).context["rows"]) == 3
    _queue(dep_a, 3)
    with CaptureQueriesContext(connection) as six:
        assert len(client_charge.get(URL).context["rows"]) == 6
    assert len(three) == len(six)


def test_beneficiaire_factory_default_is_a_new_entrant(dep_a, scope_a):
    # The carnet factories make new entrants by default: the other apps' tests rely on it.
    carnet = CarnetFactory(departement=dep_a, beneficiaire=BeneficiaireFactory(departement=dep_a))
    assert file_queryset().filter(pk=carnet.pk).exists()


def test_lists_of_decisions_to_take_keep_a_constant_query_count(client_valideur, valideur, dep_a, scope_a):
    """ "Orientations à valider" and "Demandes de réorientation", with 3 then 6 rows."""
    from tests.orientation.factories import DemandeReorientationFactory

    def add(n):
        for i in range(n):
            OrientationFactory(dossier__carnet=_entrant(dep_a, f"Propose{n}{i}"), referent=valideur)
            DemandeReorientationFactory(carnet=_entrant(dep_a, f"Demande{n}{i}"))

    for name in ("orientation:a_valider", "orientation:reorientations"):
        client_valideur.get(reverse(name))
    add(3)
    counts = {}
    for name in ("orientation:a_valider", "orientation:reorientations"):
        with CaptureQueriesContext(connection) as three:
            assert len(client_valideur.get(reverse(name)).context["page"]) == 3
        counts[name] = len(three)
    add(3)
    for name in ("orientation:a_valider", "orientation:reorientations"):
        with CaptureQueriesContext(connection) as six:
            assert len(client_valideur.get(reverse(name)).context["page"]) == 6
        assert len(six) == counts[name], name


def test_admin_lists_keep_a_constant_query_count(client_admin_a, dep_a, scope_a):
    from tests.orientation.factories import DispositifFactory
    from tests.spie.factories import MembershipFactory

    def add(n):
        for i in range(n):
            DispositifFactory(departement=dep_a)
            charge = MembershipFactory(structure__departement=dep_a, role="charge_orientation").user
            SecteurFactory(user=charge, territoire=TerritoireFactory(departement=dep_a))

    for name in ("orientation:dispositifs", "orientation:secteurs"):
        client_admin_a.get(reverse(name))
    add(3)
    counts = {}
    for name in ("orientation:dispositifs", "orientation:secteurs"):
        with CaptureQueriesContext(connection) as three:
            assert client_admin_a.get(reverse(name)).status_code == 200
        counts[name] = len(three)
    add(3)
    for name in ("orientation:dispositifs", "orientation:secteurs"):
        with CaptureQueriesContext(connection) as six:
            assert client_admin_a.get(reverse(name)).status_code == 200
        assert len(six) == counts[name], name


def test_the_stock_before_the_first_file_and_people_not_subject_to_duties_are_not_new_entrants(
    client_charge, dep_a, scope_a
):
    """A département's first CAF/MSA file brings its whole stock: only people who entered the RSA from the start
    date chosen at that first file are new entrants; the CAF/MSA's "not subject to rights and duties" is kept out."""
    _entrant(dep_a, "Stock", jours=400)
    _entrant(dep_a, "Nouveau", jours=10)
    _entrant(dep_a, "Horsdd", jours=10, soumis_droits_devoirs=False)
    _entrant(dep_a, "Saisiamain", jours=10, soumis_droits_devoirs=False, numero_allocataire="")
    assert {"Stock", "Nouveau", "Saisiamain"} <= _names(client_charge)  # no start date yet: nobody is stock
    assert "Horsdd" not in _names(client_charge)
    Departement.objects.filter(pk=dep_a.pk).update(
        debut_file_orientation=timezone.localdate() - datetime.timedelta(days=30)
    )
    names = _names(client_charge)
    assert {"Nouveau", "Saisiamain"} <= names
    assert not names & {"Stock", "Horsdd"}


@pytest.mark.clock("2026-12-07T09:30:00+01:00")
def test_the_first_file_sets_the_start_of_the_queue_once(dep_a, scope_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partenaires.flux.services import flux_deposer

    def deposer(**kwargs):
        contenu = b'<?xml version="1.0" encoding="windows-1252"?><Racine></Racine>'
        return flux_deposer(
            departement=Departement.objects.get(pk=dep_a.pk),
            fichier=SimpleUploadedFile("flux.xml", contenu, content_type="application/xml"),
            **kwargs,
        )

    premier = deposer()
    assert premier.date_limite_file == datetime.date(2026, 12, 1)  # the first day of this month
    assert Departement.objects.get(pk=dep_a.pk).debut_file_orientation == datetime.date(2026, 12, 1)
    second = deposer(debut_file=datetime.date(2020, 1, 1))
    assert second.date_limite_file is None
    assert Departement.objects.get(pk=dep_a.pk).debut_file_orientation == datetime.date(2026, 12, 1)
