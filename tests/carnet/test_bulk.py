"""The carnet's bulk writes (`carnet.services.bulk`) and its matching module (`carnet.services.correspondance`)."""

import datetime
from types import SimpleNamespace

from django.db import transaction

from carnet.models import Beneficiaire, Carnet, Evenement, TypeEvenement
from carnet.nir import nir_hash
from carnet.services.bulk import (
    Modification,
    beneficiaire_apply,
    beneficiaires_create,
    beneficiaires_update,
    carnets_create_missing,
)
from carnet.services.correspondance import IndexAllocataires, nir_en_conflit, rapprocher_lignes
from spie.crypto import decrypt
from tests.carnet.factories import BeneficiaireFactory

NIR_1 = "295109912611193"
NIR_2 = "176057654012347"


def test_bulk_creation_writes_what_save_and_beneficiaire_create_write(scope_a):
    valeurs = {
        "nom_usage": "Lefèvre",
        "nom_naissance": "Dupont",
        "prenoms": "Françoise Émilie",
        "date_naissance": datetime.date(1985, 3, 14),
        "numero_allocataire": "1234567",
        "nir": NIR_1,
    }
    with transaction.atomic():
        [pk] = beneficiaires_create(scope_a.pk, [valeurs], resume=lambda v: f"Ouvert pour {v['prenoms']}")
    created = Beneficiaire.objects.select_related("carnet").get(pk=pk)
    assert decrypt(created.nir_chiffre) == NIR_1 and created.nir_hash == nir_hash(NIR_1)
    assert (created.departement_id, created.carnet.departement_id) == (scope_a.pk, scope_a.pk)
    [evenement] = Evenement.objects.filter(carnet=created.carnet)
    assert (evenement.type, evenement.resume) == (TypeEvenement.CARNET_CREE, "Ouvert pour Françoise Émilie")
    # The same person saved one by one gets the same derived columns.
    saved = Beneficiaire(departement=scope_a, **{k: v for k, v in valeurs.items() if k != "nir"})
    saved.save()
    assert (created.nom_recherche, created.trigrammes) == (saved.nom_recherche, saved.trigrammes)
    assert created.nom_recherche and created.trigrammes and created.uid and created.version == 1


def test_bulk_update_bumps_the_version_and_recomputes_search_columns_only_on_a_name_change(scope_a, agent_a):
    renamed = BeneficiaireFactory(departement=scope_a, nom_usage="Martin", prenoms="Léa")
    moved = BeneficiaireFactory(departement=scope_a, nom_usage="Petit", prenoms="Hugo", code_postal="76000")
    Carnet.objects.create(departement=scope_a, beneficiaire=renamed)
    Carnet.objects.create(departement=scope_a, beneficiaire=moved)
    Beneficiaire.objects.filter(pk=moved.pk).update(nom_recherche="stale")
    people = {b.pk: b for b in Beneficiaire.objects.select_related("carnet")}
    first, second = people[renamed.pk], people[moved.pk]
    assert beneficiaire_apply(first, {"nom_usage": "Bernard", "prenoms": "Léa"}, ["nom_usage", "prenoms"]) == [
        "nom_usage"
    ]
    assert beneficiaire_apply(second, {"code_postal": "76100", "nir": NIR_2}, ["code_postal", "nir"]) == [
        "code_postal",
        "nir",
    ]
    beneficiaires_update(
        [
            Modification(first, ["nom_usage"], [(TypeEvenement.BENEFICIAIRE_MODIFIE, "Nom changé")]),
            Modification(second, ["code_postal", "nir"]),
        ],
        auteur=agent_a,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.version == 2 and second.version == 2
    assert "bernard" in first.nom_recherche and "martin" not in first.nom_recherche
    assert second.nom_recherche == "stale"  # no name changed: the search columns are left alone
    assert second.code_postal == "76100" and second.nir_hash == nir_hash(NIR_2)
    [evenement] = Evenement.objects.filter(carnet__beneficiaire=first)
    assert (evenement.resume, evenement.auteur) == ("Nom changé", agent_a)
    assert not Evenement.objects.filter(carnet__beneficiaire=second).exists()


def test_missing_carnets_are_created_once(scope_a):
    without = BeneficiaireFactory(departement=scope_a)
    with_carnet = BeneficiaireFactory(departement=scope_a)
    Carnet.objects.create(departement=scope_a, beneficiaire=with_carnet)
    people = list(Beneficiaire.objects.select_related("carnet").order_by("pk"))
    assert [b.pk for b in carnets_create_missing(scope_a.pk, people)] == [without.pk]
    assert Carnet.objects.filter(beneficiaire=without).count() == 1
    people = list(Beneficiaire.objects.select_related("carnet"))
    assert carnets_create_missing(scope_a.pk, people) == []


def test_a_conflicting_nir_blocks_a_match_by_another_rule():
    assert nir_en_conflit("a", "b")
    assert not nir_en_conflit("a", "a") and not nir_en_conflit("", "b") and not nir_en_conflit("a", "")


def test_flux_index_nir_first_then_number_and_role_confirmed_by_identity_never_merging_another_nir():
    born = datetime.date(1985, 3, 14)
    ident = {"nom_usage": "Martin", "nom_naissance": "", "prenoms": "Claire", "date_naissance": born}
    index = IndexAllocataires()
    known = SimpleNamespace(nir_hash="h1", numero_allocataire="123", role_foyer="dem", nir_chiffre="", **ident)
    index.ajouter(known, remplacer=False)
    index.ajouter(SimpleNamespace(nir_hash="h9", numero_allocataire="123", role_foyer="dem", **ident), remplacer=False)
    by_nir = index.trouver(nir_hash="h1", numero_allocataire="999", role_foyer="cjt", identite={})
    assert (by_nir.beneficiaire, by_nir.regle, by_nir.conflit) == (known, "nir", "")
    by_number = index.trouver(nir_hash="", numero_allocataire="123", role_foyer="dem", identite=ident)
    assert (by_number.beneficiaire, by_number.regle, by_number.conflit) == (known, "allocataire", "")
    accents = dict(ident, nom_usage="Durand", nom_naissance="MARTÍN", prenoms="CLAIRE Anne")
    assert not index.trouver(nir_hash="", numero_allocataire="123", role_foyer="dem", identite=accents).conflit
    other = dict(ident, date_naissance=datetime.date(1990, 1, 1))
    assert index.trouver(nir_hash="", numero_allocataire="123", role_foyer="dem", identite=other).conflit
    conflict = index.trouver(nir_hash="h2", numero_allocataire="123", role_foyer="dem", identite=ident)
    assert conflict.beneficiaire is known and conflict.conflit
    missing = index.trouver(nir_hash="h2", numero_allocataire="123", role_foyer="cjt", identite=ident)
    assert missing.beneficiaire is None


def test_import_matching_tries_the_identity_only_when_no_identifier_found_anyone(scope_a):
    born = datetime.date(1990, 1, 1)
    same_identity = BeneficiaireFactory(departement=scope_a, nom_usage="Roux", prenoms="Zoé", date_naissance=born)
    BeneficiaireFactory(departement=scope_a, courriel="eve@exemple.fr", prenoms="Eve", nir=NIR_1)
    BeneficiaireFactory(departement=scope_a, nom_usage="Blanc", prenoms="Eve", date_naissance=born)
    results = rapprocher_lignes(
        [
            {"nom_usage": "ROUX", "prenoms": "Zoe Anne", "date_naissance": born},
            # Found by e-mail with another NIR: a conflict, not retried by identity although one matches.
            {
                "nom_usage": "Blanc",
                "prenoms": "Eve",
                "date_naissance": born,
                "courriel": "eve@exemple.fr",
                "nir": NIR_2,
            },
            {"nom_usage": "Inconnu", "prenoms": "Max", "date_naissance": born},
        ]
    )
    assert (results[0].beneficiaire.pk, results[0].regle) == (same_identity.pk, "identite")
    assert (results[1].regle, bool(results[1].conflit)) == ("courriel", True)
    assert results[2].beneficiaire is None and not results[2].conflit


def test_search_columns_folded_part_by_part_are_those_of_the_whole_name():
    """`search_text` and `name_trigrams` fold each part once (cached): the same result as folding the joined name."""
    import unicodedata

    from carnet.search import name_trigrams, search_text
    from spie.text import normalise

    cases = [
        ("Lefèvre", "Dupont", "Françoise Émilie"),
        ("D'Artagnan-", "", "  Jean--Pierre "),
        ("Œuvre", "Straße", "Æsa"),
        ("-", "L'Haÿ-les-Roses", "ß"),
        ("", "", ""),
        (unicodedata.normalize("NFD", "Éloïse"), "\u0301Noël", "Zoé_Anne"),
    ]
    for parts in cases:
        whole = normalise(" ".join(p for p in parts if p))
        assert search_text(*parts) == whole, parts
        grams = set()
        for word in whole.split():
            padded = f"  {word} "
            grams |= {padded[i : i + 3] for i in range(len(padded) - 2)}
        assert name_trigrams(*parts) == sorted(grams), parts
