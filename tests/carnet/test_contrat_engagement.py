"""The contrat d'engagement of the loi pour le plein emploi: the weekly hours target of the département, the
legal reason when it is reduced (restricted to the group), and the bad input refused with nothing half-saved:
a reduced target without a reason, two overlapping active contracts, a signature before the orientation."""

import datetime
import io

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from carnet import services
from carnet.models import Contrat, Evenement, StatutContrat, TypeEvenement
from carnet.services.base import RegleMetier
from spie.tenancy import departement_scope
from tests.carnet.factories import CarnetFactory, ContratFactory, MembreGroupeFactory
from tests.conftest import logged_client
from tests.orientation.factories import OrientationFactory

CE = "contrat_engagement"
SENTINELLE_MOTIF = "SENTINELLE-MOTIF-REDUCTION-5e2d"


@pytest.fixture
def carnet(dep_a, agent_a, structure_a):
    carnet = CarnetFactory(departement=dep_a)
    MembreGroupeFactory(carnet=carnet, user=agent_a, structure=structure_a, est_referent=True)
    return carnet


def data(structure, **overrides):
    today = timezone.localdate()
    return {
        "type": CE,
        "structure": structure,
        "date_debut": today,
        "date_fin": today + datetime.timedelta(days=180),
        "heures_hebdomadaires": 15,
        "engagements_personne": "",
        "engagements_structure": "",
        **overrides,
    }


def create(carnet, agent, structure, **overrides):
    return services.contrat_create(
        carnet=carnet, data=data(structure, **overrides), objectifs=[], auteur=agent, structure=structure
    )


def counts(carnet):
    with departement_scope(carnet.departement_id):
        contrats = Contrat.objects.filter(carnet=carnet).count()
        evenements = Evenement.objects.filter(carnet=carnet, type=TypeEvenement.CONTRAT).count()
    return contrats, evenements


# --- Hours target and reason ---------------------------------------------------------------------


def test_reduced_hours_without_reason_refused_nothing_saved(carnet, agent_a, structure_a, scope_a):
    with pytest.raises(RegleMetier, match="moins de 15 heures par semaine doit indiquer le motif"):
        create(carnet, agent_a, structure_a, heures_hebdomadaires=10)
    assert counts(carnet) == (0, 0)


def test_reduced_hours_with_legal_reason_kept(carnet, agent_a, structure_a, scope_a):
    contrat = create(
        carnet,
        agent_a,
        structure_a,
        heures_hebdomadaires=8,
        motif_reduction_heures="aidant",
        precision_reduction_heures="Accompagne sa mère",
    )
    contrat.refresh_from_db()
    assert (contrat.heures_hebdomadaires, contrat.motif_reduction_heures) == (8, "aidant")
    assert contrat.precision_reduction_heures == "Accompagne sa mère"
    # The timeline (read beyond the group) never carries the reason.
    with departement_scope(carnet.departement_id):
        resumes = " ".join(Evenement.objects.filter(carnet=carnet).values_list("resume", flat=True))
    assert "aidant" not in resumes.lower() and "mère" not in resumes


def test_no_reason_kept_at_target_or_on_other_contract_types(carnet, agent_a, structure_a, scope_a):
    reason = {"motif_reduction_heures": "sante", "precision_reduction_heures": "x"}
    ce = create(carnet, agent_a, structure_a, heures_hebdomadaires=15, **reason)
    cer = create(carnet, agent_a, structure_a, type="cer", heures_hebdomadaires=5, **reason)
    for contrat in (ce, cer):
        contrat.refresh_from_db()
        assert (contrat.motif_reduction_heures, contrat.precision_reduction_heures) == ("", "")


def test_target_is_the_departement_setting(carnet, dep_a, agent_a, structure_a, client_agent_a, scope_a):
    dep_a.heures_activite_cible = 20
    dep_a.save(update_fields=["heures_activite_cible"])
    carnet.departement.refresh_from_db()
    with pytest.raises(RegleMetier, match="moins de 20 heures"):
        create(carnet, agent_a, structure_a, heures_hebdomadaires=18)
    assert create(carnet, agent_a, structure_a, heures_hebdomadaires=20).motif_reduction_heures == ""
    form = client_agent_a.get(reverse("carnet:contrats", kwargs={"uid": carnet.uid})).context["form"]
    assert form["heures_hebdomadaires"].value() == 20


def test_update_to_reduced_hours_without_reason_refused(carnet, agent_a, structure_a, scope_a):
    contrat = create(carnet, agent_a, structure_a)
    with pytest.raises(RegleMetier, match="motif"):
        services.contrat_update(
            contrat=contrat,
            data=data(structure_a, heures_hebdomadaires=12),
            objectifs=[],
            version=1,
            auteur=agent_a,
            structure=structure_a,
        )
    contrat = Contrat.unscoped_objects.get(pk=contrat.pk)
    assert (contrat.heures_hebdomadaires, contrat.version) == (15, 1)


def test_form_refuses_reduced_hours_without_reason(carnet, structure_a, client_agent_a, scope_a):
    today = timezone.localdate()
    post = {
        "type": CE,
        "structure": structure_a.pk,
        "date_debut": today.isoformat(),
        "date_fin": (today + datetime.timedelta(days=180)).isoformat(),
        "heures_hebdomadaires": "10",
    }
    response = client_agent_a.post(reverse("carnet:contrats", kwargs={"uid": carnet.uid}), post)
    assert response.status_code == 200
    assert response.context["form"].errors["motif_reduction_heures"] == [
        "En dessous de 15 heures par semaine, indiquez le motif de la réduction."
    ]
    assert counts(carnet) == (0, 0)
    response = client_agent_a.post(
        reverse("carnet:contrats", kwargs={"uid": carnet.uid}), {**post, "motif_reduction_heures": "logement"}
    )
    assert response.status_code == 302
    assert Contrat.unscoped_objects.get(carnet=carnet).motif_reduction_heures == "logement"


# --- Overlapping active contracts ----------------------------------------------------------------


def test_overlapping_active_contrats_engagement_refused(carnet, agent_a, structure_a, scope_a):
    today = timezone.localdate()
    ContratFactory(carnet=carnet, structure=structure_a, type=CE, statut=StatutContrat.SIGNE)
    before = counts(carnet)
    with pytest.raises(RegleMetier, match="Un autre contrat d'engagement en cours"):
        create(carnet, agent_a, structure_a, date_debut=today + datetime.timedelta(days=180))
    assert counts(carnet) == before
    # The day after its end, or another contract type, or beside an ended one: accepted.
    create(
        carnet,
        agent_a,
        structure_a,
        date_debut=today + datetime.timedelta(days=181),
        date_fin=today + datetime.timedelta(days=300),
    )
    create(carnet, agent_a, structure_a, type="cer")


def test_draft_counts_as_active_and_ended_does_not(carnet, agent_a, structure_a, scope_a):
    brouillon = create(carnet, agent_a, structure_a)
    with pytest.raises(RegleMetier, match="brouillon"):
        create(carnet, agent_a, structure_a)
    services.contrat_sign(
        contrat=brouillon, date_signature=timezone.localdate(), version=1, auteur=agent_a, structure=structure_a
    )
    brouillon.refresh_from_db()
    services.contrat_terminate(contrat=brouillon, version=brouillon.version, auteur=agent_a, structure=structure_a)
    create(carnet, agent_a, structure_a)


def test_update_into_overlap_refused(carnet, agent_a, structure_a, scope_a):
    today = timezone.localdate()
    create(carnet, agent_a, structure_a, date_fin=today + datetime.timedelta(days=30))
    second = create(
        carnet,
        agent_a,
        structure_a,
        date_debut=today + datetime.timedelta(days=31),
        date_fin=today + datetime.timedelta(days=90),
    )
    with pytest.raises(RegleMetier, match="Un autre contrat d'engagement en cours"):
        services.contrat_update(
            contrat=second,
            data=data(structure_a, date_debut=today + datetime.timedelta(days=30)),
            objectifs=[],
            version=1,
            auteur=agent_a,
            structure=structure_a,
        )
    assert Contrat.unscoped_objects.get(pk=second.pk).date_debut == today + datetime.timedelta(days=31)


def test_renewal_of_a_signed_contrat_engagement_is_not_an_overlap(carnet, agent_a, structure_a, scope_a):
    contrat = create(carnet, agent_a, structure_a)
    services.contrat_sign(
        contrat=contrat, date_signature=timezone.localdate(), version=1, auteur=agent_a, structure=structure_a
    )
    contrat.refresh_from_db()
    suivant = services.contrat_renew(
        contrat=contrat,
        data=data(structure_a),
        objectifs=[],
        version=contrat.version,
        auteur=agent_a,
        structure=structure_a,
    )
    assert suivant.numero_version == 2


# --- Signature after the orientation decision ----------------------------------------------------


def test_signature_before_the_orientation_decision_refused(carnet, agent_a, structure_a, scope_a):
    today = timezone.localdate()
    decision = timezone.now() - datetime.timedelta(days=3)
    OrientationFactory(dossier__carnet=carnet, dossier__statut="oriente", validee=True, decidee_le=decision)
    contrat = create(carnet, agent_a, structure_a)
    with pytest.raises(RegleMetier, match="avant la décision d'orientation du"):
        services.contrat_sign(
            contrat=contrat,
            date_signature=today - datetime.timedelta(days=4),
            version=1,
            auteur=agent_a,
            structure=structure_a,
        )
    contrat = Contrat.unscoped_objects.get(pk=contrat.pk)
    assert (contrat.statut, contrat.date_signature, contrat.version) == (StatutContrat.BROUILLON, None, 1)
    services.contrat_sign(
        contrat=contrat,
        date_signature=today - datetime.timedelta(days=3),
        version=1,
        auteur=agent_a,
        structure=structure_a,
    )
    assert Contrat.unscoped_objects.get(pk=contrat.pk).statut == StatutContrat.SIGNE


def test_signature_without_orientation_or_on_other_types_accepted(carnet, agent_a, structure_a, scope_a):
    long_ago = timezone.localdate() - datetime.timedelta(days=400)
    ce = create(carnet, agent_a, structure_a)
    services.contrat_sign(contrat=ce, date_signature=long_ago, version=1, auteur=agent_a, structure=structure_a)
    OrientationFactory(dossier__carnet=carnet, dossier__statut="oriente", validee=True)
    cer = create(carnet, agent_a, structure_a, type="cer")
    services.contrat_sign(contrat=cer, date_signature=long_ago, version=1, auteur=agent_a, structure=structure_a)


# --- The reason stays in the group ---------------------------------------------------------------


def test_reason_shown_to_the_group_only(carnet, agent_a, admin_a, structure_a, scope_a):
    contrat = create(
        carnet,
        agent_a,
        structure_a,
        heures_hebdomadaires=10,
        motif_reduction_heures="sante",
        precision_reduction_heures=SENTINELLE_MOTIF,
    )
    page = reverse("carnet:contrat_detail", kwargs={"uid": carnet.uid, "contrat_uid": contrat.uid})
    pdf_url = reverse("carnet:contrat_pdf", kwargs={"uid": carnet.uid, "contrat_uid": contrat.uid})
    member_page = logged_client(agent_a).get(page).content.decode()
    assert SENTINELLE_MOTIF in member_page and "Santé" in member_page
    admin_page = logged_client(admin_a).get(page)
    assert admin_page.status_code == 200
    assert SENTINELLE_MOTIF not in admin_page.content.decode() and "Santé" not in admin_page.content.decode()
    assert "Visible du seul groupe de suivi" in admin_page.content.decode()
    reader = pypdf.PdfReader(io.BytesIO(logged_client(agent_a).get(pdf_url).content))
    texte = " ".join(page.extract_text() for page in reader.pages)
    assert "10 heures d'activité par semaine" in texte.replace("\n", " ")
    assert SENTINELLE_MOTIF not in texte and "Santé" not in texte


def test_signature_page_says_why_it_refuses(carnet, agent_a, structure_a, client_agent_a, scope_a):
    decision = timezone.now() - datetime.timedelta(days=1)
    OrientationFactory(dossier__carnet=carnet, dossier__statut="oriente", validee=True, decidee_le=decision)
    contrat = create(carnet, agent_a, structure_a)
    avant = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()
    response = client_agent_a.post(
        reverse("carnet:contrat_signer", kwargs={"uid": carnet.uid, "contrat_uid": contrat.uid}),
        {"signature-date_signature": avant, "signature-version": 1},
        follow=True,
    )
    decidee = timezone.localdate(decision).strftime("%d/%m/%Y")
    assert f"ne peut pas être signé avant la décision d&#x27;orientation du {decidee}" in response.content.decode()
    assert Contrat.unscoped_objects.get(pk=contrat.pk).statut == StatutContrat.BROUILLON
