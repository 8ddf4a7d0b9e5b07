"""The issue's "done when", from the run command's demo data: a chargé d'orientation takes a new entrant,
convokes them, runs the interview, proposes an orientation that a valideur accepts, and the person's référent
sees the carnet; the three PDFs render."""

import datetime
import html
import io
from io import StringIO

import pypdf
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carnet.models import Beneficiaire, MembreGroupe, RendezVous
from orientation.models import Diagnostic, Dispositif, DossierOrientation, Orientation, StatutDossier
from spie.models import Departement, Structure, User
from spie.tenancy import departement_scope


def _client(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def _pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@pytest.mark.django_db
def test_from_the_demo_a_new_entrant_is_oriented_and_the_referent_sees_the_carnet(django_capture_on_commit_callbacks):
    call_command("charger_referentiels", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())  # idempotent
    departement = Departement.objects.get(code="76")
    charge = _client("orientation.76@demo.spie.fr")

    # The queue of the chargé's sector: the demo's new entrants at each stage.
    queue = charge.get(reverse("orientation:file"))
    rows = {row.beneficiaire.nom_usage: row for row in queue.context["rows"]}
    assert {"Lambert", "Nguyen", "Garnier", "Martin", "Leroy", "Fontaine"} <= set(rows)
    assert rows["Nguyen"].en_retard and not rows["Lambert"].en_retard
    assert (rows["Martin"].dossier_statut, rows["Leroy"].dossier_statut, rows["Fontaine"].dossier_statut) == (
        StatutDossier.CONVOQUE,
        StatutDossier.ENTRETIEN,
        StatutDossier.ORIENTATION_PROPOSEE,
    )
    with departement_scope(departement):
        assert Diagnostic.objects.filter(carnet=rows["Leroy"], statut="brouillon").exists()
        lambert = Beneficiaire.objects.get(nom_usage="Lambert", prenoms="Christophe").carnet

    # Take Lambert, convoke him (tomorrow), and the day comes.
    charge.post(reverse("orientation:dossier_ouvrir", kwargs={"uid": lambert.uid}))
    with departement_scope(departement):
        dossier = DossierOrientation.objects.get(carnet=lambert)
    demain = timezone.localdate() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        charge.post(
            reverse("orientation:convoquer", kwargs={"uid": dossier.uid}),
            {
                "date": demain.isoformat(),
                "heure": "09:30",
                "duree_minutes": 60,
                "mode": "sur_place",
                "lieu": "Antenne insertion, Sotteville-lès-Rouen",
                "envoyer_courriel": "on",
            },
        )
    with departement_scope(departement):
        convocation = dossier.convocations.get()
        RendezVous.objects.filter(pk=convocation.rendez_vous_id).update(
            date_heure=timezone.now() - datetime.timedelta(minutes=20)
        )
    convocation_pdf = _pdf_text(charge.get(reverse("orientation:convocation_pdf", kwargs={"uid": convocation.uid})))
    assert "Convocation à un entretien d'orientation" in convocation_pdf and "Seine-Maritime" in convocation_pdf

    # The interview: presence, a few steps, then finish.
    response = charge.post(reverse("orientation:presence", kwargs={"uid": convocation.uid}), {"statut": "present"})
    with departement_scope(departement):
        diagnostic = Diagnostic.objects.get(carnet=lambert)
    assert response["Location"].endswith("/etapes/logement/")
    step = lambda etape, data: charge.post(  # noqa: E731
        reverse("orientation:diagnostic_etape", kwargs={"uid": diagnostic.uid, "etape": etape}),
        {"version": Diagnostic.unscoped_objects.get(pk=diagnostic.pk).version, **data},
    )
    step("projet", {"metier": "Magasinier", "code_rome": "N1103", "contrat_souhaite": "cdi"})
    step("disponibilite", {"delai": "immediate", "temps_travail": "temps_plein"})
    step("souhaits", {"accompagnement": "emploi"})
    step("recapitulatif", {"personne_informee": "on", "terminer": "1"})
    assert DossierOrientation.unscoped_objects.get(pk=dossier.pk).statut == StatutDossier.DIAGNOSTIC_TERMINE

    # The proposal, to France Travail with its conseillère as référent; the valideur accepts it.
    with departement_scope(departement):
        ft = Structure.objects.get(type="france_travail")
        dispositif = Dispositif.objects.get(nom="Accompagnement vers l'emploi")
    conseillere = User.objects.get(email="conseiller-ft.76@demo.spie.fr")
    charge.post(
        reverse("orientation:proposer", kwargs={"uid": dossier.uid}),
        {
            "type_orientation": "pro",
            "dispositif": dispositif.pk,
            "structure": ft.pk,
            "referent": str(conseillere.uid),
            "motif": "Projet de magasinier, disponible tout de suite.",
        },
    )
    orientation = Orientation.unscoped_objects.get(dossier=dossier)
    valideur = _client("validation.76@demo.spie.fr")
    assert lambert.beneficiaire.nom_complet in valideur.get(reverse("orientation:a_valider")).content.decode()
    valideur.post(reverse("orientation:valider", kwargs={"uid": orientation.uid}))
    assert Orientation.unscoped_objects.get(pk=orientation.pk).statut == "validee"

    # The référent sees the carnet, in their portfolio, with the orientation.
    referent = _client("conseiller-ft.76@demo.spie.fr")
    assert MembreGroupe.unscoped_objects.get(carnet=lambert, est_referent=True, fin=None).user == conseillere
    page = referent.get(reverse("carnet:detail", kwargs={"uid": lambert.uid})).content.decode()
    assert "Fiche minimale" not in page and "Accompagnement vers l&#x27;emploi" in page
    portefeuille = referent.get(reverse("carnet:portefeuille"))
    assert lambert.pk in {row.carnet_id for row in portefeuille.context["page"]}
    situation = html.unescape(referent.get(reverse("carnet:situation", kwargs={"uid": lambert.uid})).content.decode())
    assert "Magasinier" in situation and "version 1</a>, terminé le" in situation

    # The decision letter and "Ma synthèse".
    decision = _pdf_text(referent.get(reverse("orientation:decision_pdf", kwargs={"uid": orientation.uid})))
    assert "Votre orientation" in decision and ft.nom in decision
    synthese = _pdf_text(referent.get(reverse("orientation:synthese", kwargs={"uid": lambert.uid})))
    assert "Ma synthèse" in synthese and "magasinier" in synthese
