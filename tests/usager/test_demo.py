"""The demo gives two persons a personal space, reachable with the one-time link the demo command prints."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from spie.models import Departement
from spie.tenancy import departement_scope
from usager.dev import demo
from usager.models import CompteUsager, DemandeLiaison

pytestmark = pytest.mark.django_db


def test_deux_personnes_de_demo_ouvrent_leur_espace_avec_le_lien_imprime():
    call_command("charger_referentiels", stdout=StringIO())
    out = StringIO()
    call_command("charger_demo", "--je-sais-ce-que-je-fais", stdout=out)
    assert "lien_usager_demo lefèvre" in out.getvalue() or "lien_usager_demo lefevre" in out.getvalue()
    departement = Departement.objects.get(code="76")
    with departement_scope(departement):
        comptes = CompteUsager.objects.filter(beneficiaire__in=demo.beneficiaires(departement))
        assert comptes.count() == 2
    call_command("charger_demo", "--quiet-logins", "--je-sais-ce-que-je-fais", stdout=StringIO())
    assert CompteUsager.unscoped_objects.count() == 2  # idempotent

    printed = StringIO()
    call_command("lien_usager_demo", "Lefèvre", stdout=printed)
    path = re.search(r"https?://[^/\s]+(/mon-espace/lien/[^\s]+/)", printed.getvalue()).group(1)
    client = Client()
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].endswith("/mon-espace/code/")
    with departement_scope(departement):
        demande = DemandeLiaison.objects.get()
        assert demande.beneficiaire.nom_usage == "Lefèvre"
