"""Bénéficiaires: creation (with the carnet), update. Matching: `carnet.services.correspondance`; many people at
once: `carnet.services.bulk`."""

from django.db import transaction

from carnet.models import Beneficiaire, Carnet, RoleFoyer, Sensibilite, TypeEvenement
from carnet.nir import nir_hash
from carnet.services.base import RegleMetier, evenement_record, exiger_carnet_ouvert_en_base
from carnet.services.bulk import colonnes_recherche
from carnet.services.correspondance import Correspondance, allocataire_verifier, beneficiaire_match
from spie.versioning import save_versioned

__all__ = ["Correspondance", "beneficiaire_create", "beneficiaire_match", "beneficiaire_update"]


@transaction.atomic
def beneficiaire_create(*, departement, data, nir="", auteur=None, structure=None) -> Beneficiaire:
    """Create the person and their carnet. `nir` must come from `carnet.nir.normalise_nir`."""
    if nir and Beneficiaire.objects.filter(departement=departement, nir_hash=nir_hash(nir)).exists():
        raise RegleMetier("Ce NIR est déjà utilisé par une autre personne du département.")
    _verifier_allocataire(data, nir)
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
    """Update identity and administrative fields; `nir=None` leaves the NIR unchanged.

    The timeline gets the names of the fields changed (general), and a restricted event (the référent and the
    author) with their old and new values, so that a wrong change can be traced and undone; the NIR's value never
    goes to the timeline. Refused when the person's carnet is closed (`CarnetClos`)."""
    exiger_carnet_ouvert_en_base(beneficiaire.carnet.pk)
    fields = list(data)
    anciennes = {name: getattr(beneficiaire, name) for name in data}
    for name, value in data.items():
        setattr(beneficiaire, name, value)
    if any(name in data and anciennes[name] != data[name] for name in CHAMPS_RAPPROCHEMENT):
        valeurs = {name: getattr(beneficiaire, name) for name in CHAMPS_RAPPROCHEMENT}
        _verifier_allocataire(valeurs, nir or "", digest=beneficiaire.nir_hash, exclure=beneficiaire.pk)
    if nir is not None:
        clash = Beneficiaire.objects.filter(nir_hash=nir_hash(nir)).exclude(pk=beneficiaire.pk) if nir else None
        if clash is not None and clash.exists():
            raise RegleMetier("Ce NIR est déjà utilisé par une autre personne du département.")
        beneficiaire.set_nir(nir)
        fields += ["nir_chiffre", "nir_hash"]
    beneficiaire.nom_recherche, beneficiaire.trigrammes = colonnes_recherche(
        beneficiaire.nom_usage, beneficiaire.nom_naissance, beneficiaire.prenoms
    )
    save_versioned(beneficiaire, version=version, fields=fields + ["nom_recherche", "trigrammes", "updated_at"])
    changed = ", ".join(sorted(Beneficiaire._meta.get_field(f).verbose_name for f in data)) or "NIR"
    evenement_record(
        carnet=beneficiaire.carnet,
        type=TypeEvenement.BENEFICIAIRE_MODIFIE,
        resume=f"Modifié : {changed}",
        auteur=auteur,
        structure=structure,
    )
    valeurs = [
        f"{Beneficiaire._meta.get_field(name).verbose_name} : « {_affiche(anciennes[name])} » → « {_affiche(value)} »"
        for name, value in sorted(data.items())
        if anciennes[name] != value
    ]
    if nir is not None:
        valeurs.append("NIR modifié")
    if valeurs:
        evenement_record(
            carnet=beneficiaire.carnet,
            type=TypeEvenement.BENEFICIAIRE_MODIFIE,
            resume=_tronque("Identité, valeurs modifiées — " + " ; ".join(valeurs)),
            auteur=auteur,
            structure=structure,
            sensibilite=Sensibilite.JUSTICE,  # the référent's class: old identity values are not the group's
        )
    return beneficiaire


# What the CAF/MSA number + role rule compares (`correspondance.allocataire_verifier`).
CHAMPS_RAPPROCHEMENT = ("numero_allocataire", "role_foyer", "nom_usage", "nom_naissance", "prenoms", "date_naissance")


def _verifier_allocataire(valeurs, nir, digest="", exclure=None):
    """The CAF/MSA number and role given must not be those of another person of the département (the flux would
    then merge them): refused with a clear message, never merged."""
    correspondance = allocataire_verifier(valeurs=valeurs, nir=nir, digest=digest, exclure=exclure)
    if correspondance.beneficiaire is None:
        return
    numero, role = valeurs["numero_allocataire"].strip(), RoleFoyer(valeurs["role_foyer"]).label.lower()
    if correspondance.conflit:
        raise RegleMetier(
            f"Le numéro d'allocataire {numero} avec le rôle « {role} » est déjà celui d'une autre personne du "
            f"département. {correspondance.conflit} Vérifiez le numéro et le rôle : deux personnes différentes ne "
            "peuvent pas le partager, et elles ne sont jamais fusionnées."
        )
    raise RegleMetier(
        f"Cette personne est déjà connue : même numéro d'allocataire ({numero}), même rôle dans le foyer et même "
        "identité. Retrouvez son carnet par la recherche plutôt que d'en créer un second."
    )


def _affiche(value):
    if value is None or value == "":
        return "vide"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _tronque(text, size=255):
    return text if len(text) <= size else text[: size - 1] + "…"
