"""Bénéficiaires: identity matching, creation (with the carnet), update."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from carnet.models import Beneficiaire, Carnet, TypeEvenement
from carnet.nir import nir_hash
from carnet.services.base import RegleMetier, evenement_record
from spie.versioning import save_versioned


@dataclass
class Correspondance:
    beneficiaire: Beneficiaire | None
    regle: str = ""
    conflit: str = ""


def beneficiaire_match(*, departement, nir="", identifiant_departement="", courriel="", telephone="", prenom=""):
    """Identity matching inside a département (DOMAIN.md): NIR, then the département's id, then
    e-mail + first name, then phone + first name. A different NIR on the candidate blocks the match."""
    queryset = Beneficiaire.objects.filter(departement=departement)
    if nir:
        found = queryset.filter(nir_hash=nir_hash(nir)).first()
        if found:
            return Correspondance(found, "nir")
    first = (prenom or "").strip().split(" ")[0]
    candidates = []
    if identifiant_departement:
        candidates.append(("identifiant_departement", Q(identifiant_departement=identifiant_departement)))
    if courriel and first:
        candidates.append(("courriel", Q(courriel__iexact=courriel, prenoms__istartswith=first)))
    if telephone and first:
        candidates.append(("telephone", Q(telephone=telephone, prenoms__istartswith=first)))
    for regle, condition in candidates:
        found = queryset.filter(condition).first()
        if found:
            if nir and found.nir_hash and found.nir_hash != nir_hash(nir):
                return Correspondance(None, regle, conflit="Un NIR différent est déjà enregistré pour cette personne.")
            return Correspondance(found, regle)
    return Correspondance(None)


@transaction.atomic
def beneficiaire_create(*, departement, data, nir="", auteur=None, structure=None) -> Beneficiaire:
    """Create the person and their carnet. `nir` must come from `carnet.nir.normalise_nir`."""
    if nir and Beneficiaire.objects.filter(departement=departement, nir_hash=nir_hash(nir)).exists():
        raise RegleMetier("Ce NIR est déjà utilisé par une autre personne du département.")
    beneficiaire = Beneficiaire(departement=departement, **data)
    beneficiaire.set_nir(nir)
    beneficiaire.save()
    carnet = Carnet.objects.create(departement=departement, beneficiaire=beneficiaire)
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.CARNET_CREE,
        resume="Carnet de bord ouvert",
        auteur=auteur,
        structure=structure,
    )
    return beneficiaire


@transaction.atomic
def beneficiaire_update(*, beneficiaire, data, version, nir=None, auteur=None, structure=None) -> Beneficiaire:
    """Update identity and administrative fields; `nir=None` leaves the NIR unchanged."""
    fields = list(data)
    for name, value in data.items():
        setattr(beneficiaire, name, value)
    if nir is not None:
        clash = Beneficiaire.objects.filter(nir_hash=nir_hash(nir)).exclude(pk=beneficiaire.pk) if nir else None
        if clash is not None and clash.exists():
            raise RegleMetier("Ce NIR est déjà utilisé par une autre personne du département.")
        beneficiaire.set_nir(nir)
        fields += ["nir_chiffre", "nir_hash"]
    from carnet.search import name_trigrams, search_text

    beneficiaire.nom_recherche = search_text(beneficiaire.nom_usage, beneficiaire.nom_naissance, beneficiaire.prenoms)
    beneficiaire.trigrammes = name_trigrams(beneficiaire.nom_usage, beneficiaire.nom_naissance, beneficiaire.prenoms)
    save_versioned(beneficiaire, version=version, fields=fields + ["nom_recherche", "trigrammes", "updated_at"])
    changed = ", ".join(sorted(Beneficiaire._meta.get_field(f).verbose_name for f in data)) or "NIR"
    evenement_record(
        carnet=beneficiaire.carnet,
        type=TypeEvenement.BENEFICIAIRE_MODIFIE,
        resume=f"Modifié : {changed}",
        auteur=auteur,
        structure=structure,
    )
    return beneficiaire
