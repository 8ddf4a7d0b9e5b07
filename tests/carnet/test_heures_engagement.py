"""The hours of a contrat d'engagement: the weekly and monthly sums against the target, the weeks under the target,
the appointments attended counted as done, the entry page of the group, and the bad input refused with nothing
half-saved (a draft, done hours in the future, a day outside the contract, a week over 70 hours).

The suite's instant is Monday 7 December 2026: the weeks of 16, 23 and 30 November are over, the week of
7 December is in progress."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.models import ActiviteEngagement, Evenement, TypeEvenement
from carnet.services.activites import releve_hebdomadaire
from carnet.services.base import RegleMetier
from spie.models import AccessLog
from spie.models import Action as Journal
from spie.tenancy import departement_scope
from tests.carnet.factories import (
    ActiviteEngagementFactory,
    CarnetFactory,
    ContratFactory,
    DocumentFactory,
    MembreGroupeFactory,
    RendezVousFactory,
)

pytestmark = pytest.mark.clock("2026-12-07T09:30:00+01:00")

D = datetime.date


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


@pytest.fixture
def ce(carnet, structure_a, agent_a):
    """Signed on Monday 16 November 2026, 15 hours a week until the end of May."""
    return ContratFactory(
        carnet=carnet,
        structure=structure_a,
        created_by=agent_a,
        type="contrat_engagement",
        statut="signe",
        date_signature=D(2026, 11, 16),
        date_debut=D(2026, 11, 16),
        date_fin=D(2027, 5, 31),
        heures_hebdomadaires=15,
    )


def activite(ce, jour, minutes, etat="realisee"):
    return ActiviteEngagementFactory(contrat=ce, date=jour, duree_minutes=minutes, etat=etat)


def record(ce, agent, structure, **data):
    return services.activite_record(
        contrat=ce,
        data={"type": "formation", "date": D(2026, 12, 1), "duree_minutes": 120, "etat": "realisee", **data},
        auteur=agent,
        structure=structure,
    )


def counts(carnet):
    with departement_scope(carnet.departement_id):
        return (
            ActiviteEngagement.objects.filter(carnet=carnet).count(),
            Evenement.objects.filter(carnet=carnet, type=TypeEvenement.CONTRAT).count(),
        )


def paris(jour, heure):
    return datetime.datetime.combine(jour, datetime.time(heure), tzinfo=timezone.get_current_timezone())


# --- The sums ------------------------------------------------------------------------------------


def test_weekly_sums_against_the_target_and_weeks_under_it_flagged(ce, carnet, agent_a, structure_a, scope_a):
    # Week of 16/11: 10 h done + a 60-minute appointment attended = 11 h, under 15 h.
    activite(ce, D(2026, 11, 17), 600)
    RendezVousFactory(carnet=carnet, date_heure=paris(D(2026, 11, 18), 10), duree_minutes=60, statut="present")
    # An appointment missed counts for nothing.
    RendezVousFactory(carnet=carnet, date_heure=paris(D(2026, 11, 19), 10), duree_minutes=60, statut="absent")
    # Week of 23/11: 16 h done over two days.
    activite(ce, D(2026, 11, 23), 480)
    activite(ce, D(2026, 11, 29), 480)
    # Week of 30/11: exactly 15 h done, and 2 h planned that did not happen.
    activite(ce, D(2026, 12, 2), 900)
    activite(ce, D(2026, 12, 3), 120, etat="prevue")
    # Week of 7/12 (in progress): 5 h planned and a 45-minute appointment to come.
    activite(ce, D(2026, 12, 9), 300, etat="prevue")
    RendezVousFactory(carnet=carnet, date_heure=paris(D(2026, 12, 10), 14), duree_minutes=45, statut="prevu")
    # Another carnet's appointment never counts.
    autre = CarnetFactory(departement=carnet.departement)
    RendezVousFactory(carnet=autre, date_heure=paris(D(2026, 11, 25), 10), duree_minutes=600, statut="present")

    releve = releve_hebdomadaire(ce)

    semaines = {s.lundi: s for s in releve.semaines}
    assert [s.lundi for s in releve.semaines] == [D(2026, 12, 7), D(2026, 11, 30), D(2026, 11, 23), D(2026, 11, 16)]
    assert {d: (s.cible_minutes, s.prevues_minutes, s.realisees_minutes) for d, s in semaines.items()} == {
        D(2026, 11, 16): (900, 0, 660),
        D(2026, 11, 23): (900, 0, 960),
        D(2026, 11, 30): (900, 120, 900),
        D(2026, 12, 7): (900, 345, 0),
    }
    assert {d: s.sous_cible for d, s in semaines.items()} == {
        D(2026, 11, 16): True,
        D(2026, 11, 23): False,
        D(2026, 11, 30): False,
        D(2026, 12, 7): False,  # in progress: not judged before it ends
    }
    assert releve.semaines_sous_cible == 1
    assert (releve.cible_minutes, releve.prevues_minutes, releve.realisees_minutes) == (3600, 465, 2520)
    # By month: a week counts in the month of its Monday.
    assert [
        (m.debut, m.cible_minutes, m.prevues_minutes, m.realisees_minutes, m.semaines_sous_cible) for m in releve.mois
    ] == [
        (D(2026, 12, 1), 900, 345, 0, 0),
        (D(2026, 11, 1), 2700, 120, 2520, 1),
    ]


def test_target_prorated_on_the_days_the_contract_covers(carnet, structure_a, agent_a, scope_a):
    # Starts on Thursday 19/11: 4 days of the first week. Reduced to 8 hours a week (with its reason).
    ce = ContratFactory(
        carnet=carnet,
        structure=structure_a,
        created_by=agent_a,
        type="contrat_engagement",
        statut="signe",
        date_debut=D(2026, 11, 19),
        date_fin=D(2027, 5, 31),
        heures_hebdomadaires=8,
        motif_reduction_heures="sante",
    )
    semaines = {s.lundi: s for s in releve_hebdomadaire(ce).semaines}
    assert semaines[D(2026, 11, 16)].cible_minutes == round(8 * 60 * 4 / 7)
    assert semaines[D(2026, 11, 23)].cible_minutes == 480
    assert semaines[D(2026, 11, 16)].sous_cible  # nothing done


def test_ended_contract_stops_at_its_end(ce, scope_a):
    ce.statut, ce.termine_le = "termine", D(2026, 11, 25)
    ce.save(update_fields=["statut", "termine_le"])
    semaines = releve_hebdomadaire(ce).semaines
    assert [s.lundi for s in semaines] == [D(2026, 11, 23), D(2026, 11, 16)]
    assert semaines[0].cible_minutes == round(900 * 3 / 7)


def test_planned_activities_beyond_the_current_week_extend_the_view(ce, scope_a):
    activite(ce, D(2026, 12, 22), 120, etat="prevue")
    assert releve_hebdomadaire(ce).semaines[0].lundi == D(2026, 12, 21)


# --- Recording --------------------------------------------------------------------------------------


def test_recorded_activity_counts_and_leaves_a_trace(ce, carnet, agent_a, structure_a, scope_a):
    document = DocumentFactory(carnet=carnet, auteur=agent_a, structure=structure_a)
    row = record(ce, agent_a, structure_a, duree_minutes=150, justificatif=document, precision="Atelier CV")
    assert (row.carnet_id, row.source, row.auteur, row.justificatif) == (carnet.pk, "groupe", agent_a, document)
    semaine = {s.lundi: s for s in releve_hebdomadaire(ce).semaines}[D(2026, 11, 30)]
    assert semaine.realisees_minutes == 150
    with departement_scope(carnet.departement_id):
        resume = Evenement.objects.filter(carnet=carnet, object_uid=row.uid).get().resume
    assert resume == "Contrat d'engagement : formation le 01/12/2026, 2 h 30 (réalisée)"


def test_removing_an_activity_keeps_a_trace(ce, carnet, agent_a, structure_a, scope_a):
    row = record(ce, agent_a, structure_a)
    services.activite_delete(activite=row, auteur=agent_a, structure=structure_a)
    assert counts(carnet) == (0, 2)
    assert releve_hebdomadaire(ce).realisees_minutes == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": D(2026, 12, 8)}, "Une activité réalisée ne peut pas être datée dans le futur"),
        ({"date": D(2026, 11, 15)}, "dans la période du contrat, du 16/11/2026 au 31/05/2027"),
        ({"date": D(2027, 6, 1), "etat": "prevue"}, "dans la période du contrat"),
        ({"duree_minutes": 0}, "entre 1 minute et 24 heures"),
        ({"duree_minutes": 24 * 60 + 1}, "entre 1 minute et 24 heures"),
    ],
)
def test_bad_input_refused_nothing_saved(ce, carnet, agent_a, structure_a, scope_a, data, message):
    with pytest.raises(RegleMetier, match=message):
        record(ce, agent_a, structure_a, **data)
    assert counts(carnet) == (0, 0)


def test_planned_hours_may_be_in_the_future(ce, agent_a, structure_a, scope_a):
    row = record(ce, agent_a, structure_a, date=D(2026, 12, 15), etat="prevue")
    assert row.etat == "prevue"


def test_week_over_70_hours_refused(ce, carnet, agent_a, structure_a, scope_a):
    for jour in (D(2026, 11, 23), D(2026, 11, 24)):
        record(ce, agent_a, structure_a, date=jour, duree_minutes=24 * 60)
    RendezVousFactory(carnet=carnet, date_heure=paris(D(2026, 11, 25), 9), duree_minutes=60, statut="present")
    # 48 h + 1 h of appointment + 21 h = 70 h: accepted; one more minute is not.
    record(ce, agent_a, structure_a, date=D(2026, 11, 26), duree_minutes=21 * 60)
    with pytest.raises(RegleMetier, match="La semaine du 23/11/2026 compterait plus de 70 heures réalisées"):
        record(ce, agent_a, structure_a, date=D(2026, 11, 27), duree_minutes=1)
    # Planned hours have their own cap; another week is not concerned.
    record(ce, agent_a, structure_a, date=D(2026, 11, 27), duree_minutes=60, etat="prevue")
    record(ce, agent_a, structure_a, date=D(2026, 11, 30), duree_minutes=60)
    assert counts(carnet) == (5, 5)


def test_draft_or_other_contract_types_refused(carnet, structure_a, agent_a, scope_a):
    brouillon = ContratFactory(
        carnet=carnet, structure=structure_a, type="contrat_engagement", date_debut=D(2026, 11, 16)
    )
    cer = ContratFactory(carnet=carnet, structure=structure_a, type="cer", statut="signe", date_debut=D(2026, 11, 16))
    with pytest.raises(RegleMetier, match="à partir de la signature"):
        record(brouillon, agent_a, structure_a)
    with pytest.raises(RegleMetier, match="se comptent sur un contrat d'engagement"):
        record(cer, agent_a, structure_a)
    assert counts(carnet) == (0, 0)


def test_proof_must_be_a_document_of_the_carnet(ce, carnet, agent_a, structure_a, scope_a):
    ailleurs = DocumentFactory(carnet=CarnetFactory(departement=carnet.departement))
    with pytest.raises(RegleMetier, match="document du carnet de la personne"):
        record(ce, agent_a, structure_a, justificatif=ailleurs)
    assert counts(carnet) == (0, 0)


# --- The page ----------------------------------------------------------------------------------------


def url(carnet, ce):
    return reverse("carnet:contrat_heures", kwargs={"uid": carnet.uid, "contrat_uid": ce.uid})


def test_page_shows_weeks_months_and_activities_in_few_queries(
    ce, carnet, client_agent_a, scope_a, django_assert_max_num_queries
):
    activite(ce, D(2026, 11, 17), 600)
    activite(ce, D(2026, 11, 24), 900)
    activite(ce, D(2026, 12, 2), 60)
    activite(ce, D(2026, 12, 9), 90, etat="prevue")
    with django_assert_max_num_queries(30) as queries:
        response = client_agent_a.get(url(carnet, ce))
    few = len(queries)
    for jour in (D(2026, 11, 18), D(2026, 11, 25), D(2026, 12, 3)):
        activite(ce, jour, 30)
    with django_assert_max_num_queries(few):
        client_agent_a.get(url(carnet, ce))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Objectif : <strong>15 heures par semaine</strong>" in body
    assert "2 semaines terminées sous l'objectif d'heures." in body
    assert "du 16/11/2026 au 22/11/2026" in body and "10 h" in body and "1 h 30" in body
    assert "Novembre 2026" in body and "Décembre 2026" in body
    entry = AccessLog.objects.filter(object_uid=carnet.uid, action=Journal.CONSULTATION).latest("created_at")
    assert entry.details == {"page": "contrat_heures"}


def test_member_records_an_activity_from_the_page(ce, carnet, client_agent_a, scope_a):
    response = client_agent_a.post(
        url(carnet, ce),
        {"type": "atelier", "date": "2026-12-04", "etat": "realisee", "heures": "2", "minutes": "15"},
    )
    assert response.status_code == 302
    row = ActiviteEngagement.objects.get(contrat=ce)
    assert (row.type, row.date, row.duree_minutes) == ("atelier", D(2026, 12, 4), 135)


def test_page_refusal_keeps_the_input_and_saves_nothing(ce, carnet, client_agent_a, scope_a):
    response = client_agent_a.post(
        url(carnet, ce),
        {"type": "atelier", "date": "2026-12-09", "etat": "realisee", "heures": "2", "minutes": "0"},
    )
    assert response.status_code == 200
    assert "ne peut pas être datée dans le futur" in response.content.decode()
    assert counts(carnet) == (0, 0)


def test_page_refuses_an_empty_duration(ce, carnet, client_agent_a, scope_a):
    response = client_agent_a.post(
        url(carnet, ce),
        {"type": "atelier", "date": "2026-12-04", "etat": "realisee", "heures": "0", "minutes": "0"},
    )
    assert "Indiquez une durée entre 1 minute et 24 heures." in response.content.decode()
    assert counts(carnet) == (0, 0)


def test_other_contract_types_have_no_hours_page(carnet, structure_a, client_agent_a, scope_a):
    cer = ContratFactory(carnet=carnet, structure=structure_a, type="cer", statut="signe")
    assert client_agent_a.get(url(carnet, cer)).status_code == 404


def test_removal_from_the_page(ce, carnet, client_agent_a, scope_a):
    row = activite(ce, D(2026, 12, 1), 60)
    target = reverse(
        "carnet:contrat_activite_supprimer", kwargs={"uid": carnet.uid, "contrat_uid": ce.uid, "activite_uid": row.uid}
    )
    assert client_agent_a.post(target).status_code == 302
    assert not ActiviteEngagement.objects.filter(pk=row.pk).exists()
    # A second click says so, and changes nothing.
    response = client_agent_a.post(target, follow=True)
    assert "n&#x27;est plus dans le relevé" in response.content.decode()


def test_contract_pdf_shows_the_last_weeks(ce, carnet, client_agent_a, scope_a):
    import io

    import pypdf

    activite(ce, D(2026, 11, 17), 600)
    activite(ce, D(2026, 11, 24), 930)
    response = client_agent_a.get(reverse("carnet:contrat_pdf", kwargs={"uid": carnet.uid, "contrat_uid": ce.uid}))
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    texte = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Vos heures d'activité des dernières semaines" in texte
    assert "du 16/11/2026 au 22/11/2026 15 h 0 h 10 h (sous l'objectif)" in texte
    assert "du 23/11/2026 au 29/11/2026 15 h 0 h 15 h 30" in texte


def test_draft_pdf_has_no_hours(carnet, structure_a, client_agent_a, scope_a):
    import io

    import pypdf

    brouillon = ContratFactory(carnet=carnet, structure=structure_a, type="contrat_engagement")
    url_pdf = reverse("carnet:contrat_pdf", kwargs={"uid": carnet.uid, "contrat_uid": brouillon.uid})
    reader = pypdf.PdfReader(io.BytesIO(client_agent_a.get(url_pdf).content))
    assert "Vos heures" not in " ".join(page.extract_text() or "" for page in reader.pages)


# --- The demo ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_shows_a_contrat_d_engagement_with_its_hours():
    """The run command loads the demo: the référent sees a CE with six weeks of hours, three under the target, a
    partner's entry and a planned immersion."""
    from io import StringIO

    from django.core.management import call_command

    from carnet.models import Contrat
    from spie.models import Departement, User
    from tests.conftest import logged_client

    call_command("charger_referentiels", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    departement = Departement.objects.get(code="76")
    with departement_scope(departement):
        ce = Contrat.objects.filter(type="contrat_engagement", statut="signe").select_related("carnet").first()
        assert ActiviteEngagement.objects.filter(contrat=ce, source="partenaire").exists()
        assert ActiviteEngagement.objects.filter(contrat=ce, etat="prevue").exists()
        releve = releve_hebdomadaire(ce)
    assert releve.semaines_sous_cible == 3
    referent = User.objects.get(email="referent.76@demo.spie.fr")
    response = logged_client(referent).get(url(ce.carnet, ce))
    assert response.status_code == 200
    assert "3 semaines terminées sous l'objectif d'heures." in response.content.decode()
