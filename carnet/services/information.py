"""Information of the person about the sharing of their carnet, and their opposition to it.

Sharing beyond the structure of the référent (a member of another structure added to the group, a partner
structure's API read, a webhook) needs the person to have been informed (`carnet.perms.refus_de_partage`). An
opposition, recorded by the référent, ends at once the membership of the other structures' professionals; the
search, the partner API and the webhooks leave the carnet out for every other structure from then on.
"""

from django.db import transaction
from django.utils import timezone

from carnet.models import Carnet, InformationPersonne, MembreGroupe, OppositionPartage, TypeEvenement
from carnet.services.base import RegleMetier, evenement_record

MOTIF_FIN_OPPOSITION = "opposition de la personne au partage"


@transaction.atomic
def information_record(*, carnet, informee_le, canal, version_notice, auteur, structure) -> InformationPersonne:
    version_notice = (version_notice or "").strip()
    if informee_le is None or informee_le > timezone.localdate():
        raise RegleMetier("La date d'information ne peut pas être dans le futur.")
    if not version_notice:
        raise RegleMetier("Indiquez la version de la notice d'information remise à la personne.")
    information = InformationPersonne.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        informee_le=informee_le,
        canal=canal,
        version_notice=version_notice,
        auteur=auteur,
        structure=structure,
    )
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.INFORMATION,
        resume=f"Personne informée du partage le {informee_le:%d/%m/%Y} ({information.get_canal_display().lower()}, "
        f"notice {version_notice})"[:255],
        auteur=auteur,
        structure=structure,
        obj=information,
    )
    carnet.__dict__.pop("_etat_du_partage", None)
    return information


@transaction.atomic
def opposition_record(*, carnet, opposee_le, motif, auteur, structure) -> OppositionPartage:
    """Only the structure of the référent who records it keeps the carnet; the others' members leave the group."""
    motif = (motif or "").strip()
    Carnet.objects.select_for_update().filter(pk=carnet.pk).first()
    if OppositionPartage.objects.filter(carnet=carnet).exists():
        raise RegleMetier("L'opposition de la personne est déjà enregistrée.")
    if opposee_le is None or opposee_le > timezone.localdate():
        raise RegleMetier("La date de l'opposition ne peut pas être dans le futur.")
    if not motif:
        raise RegleMetier("Indiquez le motif de l'opposition, tel que la personne l'exprime.")
    referent = MembreGroupe.objects.referents().filter(carnet=carnet).first()
    if referent is None or referent.structure_id != structure.pk:
        raise RegleMetier("Seul le référent enregistre l'opposition : sa structure garde le carnet.")
    opposition = OppositionPartage.objects.create(
        departement_id=carnet.departement_id,
        carnet=carnet,
        opposee_le=opposee_le,
        motif=motif,
        auteur=auteur,
        structure=structure,
    )
    autres = MembreGroupe.objects.actifs().filter(carnet=carnet).exclude(structure=structure)
    retires = autres.count()
    autres.update(fin=timezone.now(), motif_fin=MOTIF_FIN_OPPOSITION)
    evenement_record(
        carnet=carnet,
        type=TypeEvenement.OPPOSITION,
        resume=f"Opposition de la personne au partage hors de {structure.nom} (exprimée le {opposee_le:%d/%m/%Y}) ; "
        f"{retires} professionnel(s) d'autres structures retiré(s) du groupe"[:255],
        auteur=auteur,
        structure=structure,
        obj=opposition,
    )
    for cache in ("_etat_du_partage", "_membres_actifs"):
        carnet.__dict__.pop(cache, None)
    return opposition
