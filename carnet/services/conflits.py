"""Identity conflicts: a person received whose CAF/MSA number and role are a known person's, but not the identity
(`carnet.services.correspondance`). Recorded once (`conflits_signaler`), decided by an administrator
(`conflit_resoudre`):

- "même personne": the known person takes the identity received (and its NIR when nobody else has it); the next
  file then matches them and applies the rest;
- "personne différente": the known person loses the CAF/MSA number and role (kept in their history); the next file
  creates the person received.
"""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from carnet.models import Beneficiaire, ConflitIdentite, StatutConflit, TypeEvenement
from carnet.nir import nir_hash
from carnet.services.base import RegleMetier, evenement_record
from carnet.services.bulk import Modification, beneficiaire_apply, beneficiaires_update
from spie.crypto import decrypt, encrypt

CHAMPS_RECUS = ["civilite", "nom_usage", "nom_naissance", "prenoms", "date_naissance", "lieu_naissance"]


def _cle(beneficiaire_id, numero, role, recu, nir):
    data = (beneficiaire_id, numero, role, *(str(recu.get(name) or "") for name in CHAMPS_RECUS), nir)
    return hashlib.sha256(repr(data).encode()).hexdigest()


def conflits_signaler(departement_id, conflits):
    """Record conflicts not recorded yet. `conflits`: dicts with beneficiaire_id, motif, origine, position,
    numero_allocataire, role_foyer, recu (a dict of `CHAMPS_RECUS`, dates as date), nir (clear or ""). Returns how
    many were new; a conflict repeated by a later file writes nothing."""
    rows = {}
    for conflit in conflits:
        recu = {name: conflit["recu"].get(name) for name in CHAMPS_RECUS}
        if recu["date_naissance"] is not None:
            recu["date_naissance"] = recu["date_naissance"].isoformat()
        cle = _cle(
            conflit["beneficiaire_id"], conflit["numero_allocataire"], conflit["role_foyer"], recu, conflit["nir"]
        )
        rows[cle] = ConflitIdentite(
            departement_id=departement_id,
            beneficiaire_id=conflit["beneficiaire_id"],
            motif=conflit["motif"][:255],
            origine=conflit["origine"][:100],
            position=conflit.get("position"),
            numero_allocataire=conflit["numero_allocataire"],
            role_foyer=conflit["role_foyer"],
            recu=recu,
            nir_chiffre=encrypt(conflit["nir"]) if conflit["nir"] else "",
            cle=cle,
        )
    if not rows:
        return 0
    known = set(ConflitIdentite.objects.filter(cle__in=list(rows)).values_list("cle", flat=True))
    new = [row for cle, row in rows.items() if cle not in known]
    ConflitIdentite.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def conflits_a_resoudre():
    return ConflitIdentite.objects.filter(statut=StatutConflit.A_RESOUDRE).select_related("beneficiaire")


@transaction.atomic
def conflit_resoudre(*, conflit, decision, auteur):
    """Apply an administrator's decision (`StatutConflit.MEME_PERSONNE` or `PERSONNE_DIFFERENTE`)."""
    conflit = ConflitIdentite.objects.select_for_update(of=("self",)).get(pk=conflit.pk)
    if conflit.statut != StatutConflit.A_RESOUDRE:
        raise RegleMetier("Ce conflit a déjà été résolu.")
    beneficiaire = Beneficiaire.objects.select_related("carnet").get(pk=conflit.beneficiaire_id)
    if decision == StatutConflit.MEME_PERSONNE:
        recu = dict(conflit.recu)
        if recu.get("date_naissance"):
            recu["date_naissance"] = datetime.date.fromisoformat(recu["date_naissance"])
        names = [name for name in CHAMPS_RECUS if recu.get(name)]
        changed = beneficiaire_apply(beneficiaire, recu, names)
        nir = decrypt(conflit.nir_chiffre) if conflit.nir_chiffre else ""
        if nir and nir_hash(nir) != beneficiaire.nir_hash:
            if Beneficiaire.objects.filter(nir_hash=nir_hash(nir)).exclude(pk=beneficiaire.pk).exists():
                raise RegleMetier(
                    "Le NIR reçu est déjà celui d'une autre personne : rapprochez-les depuis leur fiche."
                )
            changed += beneficiaire_apply(beneficiaire, {"nir": nir}, ["nir"])
        resume = "Conflit d'identité résolu : même personne, identité reçue de la CAF/MSA enregistrée"
    elif decision == StatutConflit.PERSONNE_DIFFERENTE:
        resume = (
            f"Conflit d'identité résolu : personne différente, numéro d'allocataire {beneficiaire.numero_allocataire} "
            "retiré (il désigne désormais une autre personne)"
        )
        changed = beneficiaire_apply(
            beneficiaire, {"numero_allocataire": "", "role_foyer": ""}, ["numero_allocataire", "role_foyer"]
        )
    else:
        raise RegleMetier("Décision inconnue.")
    modification = Modification(beneficiaire, changed, [(TypeEvenement.CONFLIT_IDENTITE, resume)])
    if changed:
        beneficiaires_update([modification], auteur=auteur)
    else:
        evenement_record(carnet=beneficiaire.carnet, type=TypeEvenement.CONFLIT_IDENTITE, resume=resume, auteur=auteur)
    conflit.statut, conflit.resolu_le, conflit.resolu_par = decision, timezone.now(), auteur
    conflit.save(update_fields=["statut", "resolu_le", "resolu_par"])
    return conflit
