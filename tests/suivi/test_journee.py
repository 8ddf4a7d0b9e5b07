""" "Ma journée" and its action lists: computed at each reading from the appointments, contracts, exits and
group rows, on hand-built carnets at the suite's frozen instant (Monday 7 December 2026, 09:30 in Paris)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet.models import Carnet, DemandeAdhesion, Situation, SituationConstatee, Sortie
from spie.models import AccessLog, Membership
from spie.tenancy import departement_scope
from suivi.services import listes
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory, RendezVousFactory
from tests.conftest import logged_client
from tests.offre.factories import PrescriptionFactory
from tests.orientation.factories import OrientationFactory
from tests.spie.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

JOUR = datetime.timedelta(days=1)


@pytest.fixture
def suivre(dep_a, structure_a, agent_a):
    """`suivre("Nom")`: a carnet of département A followed by the agent (référent unless told)."""

    def make(nom, *, referent=True, user=None, **beneficiaire):
        carnet = CarnetFactory(
            departement=dep_a,
            beneficiaire__nom_usage=nom,
            beneficiaire__prenoms="Léa",
            **{f"beneficiaire__{k}": v for k, v in beneficiaire.items()},
        )
        MembreGroupeFactory(carnet=carnet, user=user or agent_a, structure=structure_a, est_referent=referent)
        return carnet

    return make


def rdv(carnet, quand, statut="prevu", **kwargs):
    return RendezVousFactory(carnet=carnet, date_heure=timezone.now() + quand, statut=statut, **kwargs)


def contrat(carnet, *, debut, fin, statut="signe", **kwargs):
    today = timezone.localdate()
    return ContratFactory(
        carnet=carnet,
        statut=statut,
        date_debut=today + debut,
        date_fin=today + fin,
        date_signature=today + debut if statut != "brouillon" else None,
        **kwargs,
    )


def noms(queryset):
    return sorted(c.beneficiaire.nom_usage for c in queryset.select_related("beneficiaire"))


@pytest.fixture
def perimetre(scope_a, agent_a):
    return lambda: listes.perimetre_professionnel(agent_a)


def test_no_appointment_within_the_window(suivre, perimetre):
    suivre("Jamaisvue")
    rdv(suivre("Recue"), -10 * JOUR, "present")
    rdv(suivre("Anciennement"), -90 * JOUR, "present")
    rdv(suivre("Bientot"), 5 * JOUR)
    rdv(suivre("Lointain"), 90 * JOUR)
    rdv(suivre("Absente"), -10 * JOUR, "absent")
    assert noms(listes.sans_rendez_vous(perimetre(), jours=60)) == ["Absente", "Anciennement", "Jamaisvue", "Lointain"]
    assert noms(listes.sans_rendez_vous(perimetre(), jours=120)) == ["Absente", "Jamaisvue"]


def test_an_unmarked_past_appointment_is_no_contact_even_when_the_carnet_says_next(suivre, perimetre):
    """The stale case: the carnet's denormalised "next appointment" still shows a past, unmarked appointment."""
    carnet = suivre("Oubliee")
    passe = rdv(carnet, -10 * JOUR)
    Carnet.unscoped_objects.filter(pk=carnet.pk).update(prochain_rendez_vous=passe.date_heure)
    assert noms(listes.sans_rendez_vous(perimetre(), jours=30)) == ["Oubliee"]
    assert noms(listes.presence_non_renseignee(perimetre())) == ["Oubliee"]
    # The old portfolio filter hides her: that is what the lists replace.
    assert not Carnet.objects.portefeuille("sans_rdv", 30).filter(pk=carnet.pk).exists()


def test_lists_move_with_time_without_any_write(suivre, perimetre, _clock):
    carnet = suivre("Demain")
    rdv(carnet, 1 * JOUR + datetime.timedelta(hours=1))
    assert noms(listes.presence_non_renseignee(perimetre())) == []
    assert noms(listes.sans_rendez_vous(perimetre(), jours=30)) == []
    _clock.shift(3 * JOUR)
    assert noms(listes.presence_non_renseignee(perimetre())) == ["Demain"]
    assert noms(listes.sans_rendez_vous(perimetre(), jours=30)) == ["Demain"]


def test_attendance_not_recorded_leads_to_the_oldest_unmarked_appointment(suivre, perimetre):
    carnet = suivre("Amarquer")
    vieux = rdv(carnet, -20 * JOUR)
    rdv(carnet, -5 * JOUR)
    rdv(suivre("Marquee"), -5 * JOUR, "present")
    rdv(suivre("Excusee"), -5 * JOUR, "excuse")
    rdv(suivre("Avenir"), 2 * JOUR)
    [ligne] = listes.listes_professionnel(user=carnet.membres.get().user, jours=60)[0].lignes
    assert ligne.libelle == "Léa AMARQUER"
    assert ligne.lien == reverse("carnet:rendez_vous_modifier", kwargs={"uid": carnet.uid, "rdv_uid": vieux.uid})


def test_attended_but_no_diagnostic_or_no_contract(suivre, perimetre, structure_a, agent_a):
    complet = suivre("Complet")
    rdv(complet, -3 * JOUR, "present")
    SituationConstatee.objects.create(
        departement_id=complet.departement_id,
        carnet=complet,
        situation=Situation.objects.first(),
        constatee_le=timezone.localdate(),
        auteur=agent_a,
        structure=structure_a,
    )
    contrat(complet, debut=-10 * JOUR, fin=100 * JOUR)
    rien = suivre("Rien")
    rdv(rien, -3 * JOUR, "present")
    brouillon = suivre("Brouillon")
    rdv(brouillon, -3 * JOUR, "present")
    contrat(brouillon, debut=0 * JOUR, fin=100 * JOUR, statut="brouillon")
    # The stale case: a contract past its end still "in force" on the carnet.
    expire = suivre("Expire")
    rdv(expire, -3 * JOUR, "present")
    contrat(expire, debut=-200 * JOUR, fin=-1 * JOUR)
    Carnet.unscoped_objects.filter(pk=expire.pk).update(fin_contrat_en_cours=timezone.localdate() - JOUR)
    suivre("Jamaisrecue")
    assert noms(listes.recus_sans_diagnostic(perimetre())) == ["Brouillon", "Expire", "Rien"]
    assert noms(listes.recus_sans_contrat(perimetre())) == ["Brouillon", "Expire", "Rien"]


def test_contract_ending_within_30_days_unless_the_next_one_is_ready(suivre, perimetre):
    contrat(suivre("Dixjours"), debut=-100 * JOUR, fin=10 * JOUR)
    contrat(suivre("Quarante"), debut=-100 * JOUR, fin=40 * JOUR)
    suite = suivre("Suite")
    contrat(suite, debut=-100 * JOUR, fin=10 * JOUR)
    contrat(suite, debut=11 * JOUR, fin=200 * JOUR, statut="brouillon")
    assert noms(listes.contrats_se_terminant(perimetre())) == ["Dixjours"]


def test_ended_contract_without_next_appointment(suivre, perimetre):
    # Past its end but never terminated (its status still "signé"): the carnet's date is stale.
    echu = suivre("Echu")
    contrat(echu, debut=-200 * JOUR, fin=-5 * JOUR)
    Carnet.unscoped_objects.filter(pk=echu.pk).update(fin_contrat_en_cours=timezone.localdate() + 5 * JOUR)
    contrat(suivre("Termine"), debut=-200 * JOUR, fin=50 * JOUR, statut="termine", termine_le=timezone.localdate())
    avec_rdv = suivre("Avecrdv")
    contrat(avec_rdv, debut=-200 * JOUR, fin=-5 * JOUR)
    rdv(avec_rdv, 4 * JOUR)
    renouvele = suivre("Renouvele")
    contrat(renouvele, debut=-200 * JOUR, fin=-5 * JOUR)
    contrat(renouvele, debut=-4 * JOUR, fin=100 * JOUR)
    assert noms(listes.contrats_termines_sans_rdv(perimetre())) == ["Echu", "Termine"]


def test_ce_unsigned_a_month_after_orientation(suivre, perimetre):
    en_retard = suivre("Enretard")
    OrientationFactory(
        carnet=en_retard, dossier__carnet=en_retard, validee=True, decidee_le=timezone.now() - 40 * JOUR
    )
    signe = suivre("Signe")
    OrientationFactory(carnet=signe, dossier__carnet=signe, validee=True, decidee_le=timezone.now() - 40 * JOUR)
    contrat(signe, debut=-35 * JOUR, fin=100 * JOUR, type="contrat_engagement")
    recent = suivre("Recent")
    OrientationFactory(carnet=recent, dossier__carnet=recent, validee=True, decidee_le=timezone.now() - 10 * JOUR)
    # A CE signed before a later réorientation does not answer the new decision.
    reoriente = suivre("Reoriente")
    contrat(reoriente, debut=-300 * JOUR, fin=-100 * JOUR, type="contrat_engagement")
    OrientationFactory(
        carnet=reoriente, dossier__carnet=reoriente, validee=True, decidee_le=timezone.now() - 50 * JOUR
    )
    assert noms(listes.ce_non_signe(perimetre())) == ["Enretard", "Reoriente"]


def test_people_who_exited_are_in_no_list_until_a_new_rsa_entry(suivre, perimetre, agent_a, structure_a):
    sortie = suivre("Sortie", date_entree_rsa=timezone.localdate() - 400 * JOUR)
    revenue = suivre("Revenue", date_entree_rsa=timezone.localdate() - 10 * JOUR)
    dans_emploi = suivre("Dansemploi", date_entree_rsa=timezone.localdate() - 400 * JOUR)
    for carnet, suivi in ((sortie, False), (revenue, False), (dans_emploi, True)):
        Sortie.objects.create(
            departement_id=carnet.departement_id,
            carnet=carnet,
            date_sortie=timezone.localdate() - 30 * JOUR,
            motif="emploi",
            suivi_dans_emploi=suivi,
            auteur=agent_a,
            structure=structure_a,
        )
        rdv(carnet, -40 * JOUR)
    assert noms(listes.sans_rendez_vous(perimetre(), jours=30)) == ["Dansemploi", "Revenue"]
    assert noms(listes.presence_non_renseignee(perimetre())) == ["Dansemploi", "Revenue"]
    rdv(sortie, 2 * JOUR)
    aujourdhui, semaine = listes.rendez_vous_a_venir(structure=structure_a)
    assert sortie.pk not in {r.carnet_id for r in aujourdhui + semaine}


def test_deactivated_referent_counts_as_no_referent(scope_a, dep_a, structure_a, suivre):
    actif = MembershipFactory(structure=structure_a, role="professionnel").user
    parti = MembershipFactory(structure=structure_a, role="professionnel").user
    desactive = MembershipFactory(structure=structure_a, role="professionnel").user
    suivre("Suivie", user=actif)
    suivre("Sansreferent", referent=False)
    suivre("Comptedesactive", user=desactive)
    suivre("Rattachementclos", user=parti)
    type(desactive).objects.filter(pk=desactive.pk).update(is_active=False)
    Membership.objects.filter(user=parti).update(is_active=False)
    carnets = listes.perimetre_structure(structure_a)
    assert noms(listes.sans_referent_actif(carnets)) == ["Comptedesactive", "Rattachementclos", "Sansreferent"]
    from suivi.services.alertes import carnets_sans_referent

    assert noms(carnets_sans_referent()) == ["Comptedesactive", "Rattachementclos", "Sansreferent"]


def test_join_requests_and_prescriptions_where_the_professional_is_referent(suivre, agent_a, structure_a):
    referent = suivre("Referente")
    membre = suivre("Membre", referent=False)
    for carnet in (referent, membre):
        DemandeAdhesion.unscoped_objects.create(
            departement_id=carnet.departement_id, carnet=carnet, user=UserFactory(), structure=structure_a, motif="x"
        )
        PrescriptionFactory(carnet=carnet, service__structure=structure_a, structure_prescriptrice=structure_a)
    with departement_scope(structure_a.departement):
        par_code = {liste.code: liste for liste in listes.listes_professionnel(user=agent_a, jours=60)}
    assert [ligne.libelle for ligne in par_code["demandes_adhesion"].lignes] == ["Léa REFERENTE"]
    assert par_code["demandes_adhesion"].lignes[0].lien == reverse("carnet:groupe", kwargs={"uid": referent.uid})
    assert [ligne.libelle for ligne in par_code["prescriptions_envoyees"].lignes] == ["Léa REFERENTE"]


def test_a_list_names_twenty_people_and_counts_them_all(suivre, agent_a, scope_a):
    for n in range(listes.LIGNES_MAXIMUM + 3):
        suivre(f"Personne{n:02d}")
    liste = {liste.code: liste for liste in listes.listes_professionnel(user=agent_a, jours=60)}["sans_rdv"]
    assert liste.nombre == listes.LIGNES_MAXIMUM + 3 and len(liste.lignes) == listes.LIGNES_MAXIMUM
    assert liste.autres == 3


# --- The page -------------------------------------------------------------------------------------------------


def _page(client, **params):
    response = client.get(reverse("spie:accueil"), params)
    assert response.status_code == 200
    return response


def test_home_page_shows_the_day_and_the_lists_one_click_from_the_action(client_agent_a, suivre, agent_a):
    aujourdhui = suivre("Aujourdhui")
    rendez_vous = rdv(aujourdhui, datetime.timedelta(hours=2), professionnel=agent_a)
    oubliee = suivre("Oubliee")
    passe = rdv(oubliee, -3 * JOUR, professionnel=agent_a)
    page = _page(client_agent_a).content.decode()
    assert "Ma journée" in page
    assert reverse("carnet:rendez_vous_modifier", kwargs={"uid": aujourdhui.uid, "rdv_uid": rendez_vous.uid}) in page
    assert reverse("carnet:rendez_vous_modifier", kwargs={"uid": oubliee.uid, "rdv_uid": passe.uid}) in page
    assert "Rendez-vous passés sans présence renseignée" in page


def test_home_page_records_the_people_it_names(client_agent_a, suivre):
    carnets = [suivre(f"Nom{n}") for n in range(3)]
    _page(client_agent_a)
    log = AccessLog.objects.filter(details__page="ma_journee").get()
    assert {str(c.uid) for c in carnets} <= {str(u) for u in log.object_uids}


def test_home_page_query_count_does_not_grow_with_the_portfolio(
    client_agent_a, suivre, agent_a, structure_a, django_assert_max_num_queries
):
    def peupler(n):
        for i in range(n):
            carnet = suivre(f"Peuple{n}{i}")
            rdv(carnet, -3 * JOUR, professionnel=agent_a)
            rdv(carnet, datetime.timedelta(hours=3), professionnel=agent_a)
            contrat(carnet, debut=-100 * JOUR, fin=10 * JOUR)
            DemandeAdhesion.unscoped_objects.create(
                departement_id=carnet.departement_id,
                carnet=carnet,
                user=UserFactory(),
                structure=structure_a,
                motif="x",
            )

    peupler(3)
    with django_assert_max_num_queries(30) as petit:
        _page(client_agent_a)
    peupler(6)
    with django_assert_max_num_queries(len(petit.captured_queries)):
        _page(client_agent_a)


def test_structure_view_is_for_managers(suivre, structure_a, client_agent_a):
    suivre("Sansreferent", referent=False)
    page = _page(client_agent_a, vue="structure").content.decode()
    assert "Personnes sans référent actif" not in page and "Toute la structure" not in page
    manager = MembershipFactory(structure=structure_a, role="responsable_structure").user
    page = _page(logged_client(manager), vue="structure").content.decode()
    assert "Personnes sans référent actif" in page and "Léa SANSREFERENT" in page
    assert AccessLog.objects.filter(details__page="ma_journee_structure").exists()


def test_other_departement_people_never_appear(suivre, dep_b, client_admin_b):
    suivre("Seinemaritime")
    assert "SEINEMARITIME" not in _page(client_admin_b).content.decode()


def test_page_without_anything_to_do_says_so(client_agent_a):
    assert "Rien à signaler" in _page(client_agent_a).content.decode()
