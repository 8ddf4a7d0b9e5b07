"""Who may see and do what on a carnet: need to know, narrow by default (CASF L.262-44).

The relation of the acting user to a carnet is computed once (`relation_of`) and every predicate
reads it. A professional is in the group when they hold an active `MembreGroupe` row for the
carnet *in the structure they act for*.
"""

from dataclasses import dataclass

from django.utils import timezone

from carnet.models import AccesExceptionnel, Carnet, InformationPersonne, MembreGroupe, OppositionPartage
from carnet.models.beneficiaire import STRUCTURES_INSTITUTIONNELLES
from spie.models import Role


@dataclass(frozen=True)
class Relation:
    est_referent: bool = False
    est_membre: bool = False
    est_admin: bool = False
    est_orientation: bool = False
    # The reason code of an exceptional access in progress (admins and orientation staff outside the group).
    motif_exceptionnel: str = ""

    @property
    def lit_le_carnet(self):
        return self.est_membre or self.est_admin or self.est_orientation

    @property
    def lit_le_contenu(self):
        """The group's general notes and documents: the members, or whoever opened an exceptional access."""
        return self.est_membre or (self.lit_le_carnet and bool(self.motif_exceptionnel))


def relation_of(acting, carnet) -> Relation:
    if acting.departement is None or carnet.departement_id != acting.departement.pk:
        return Relation()
    rows = [
        m
        for m in _active_memberships(carnet)
        if m.user_id == acting.user_id and m.structure_id == getattr(acting.structure, "pk", None)
    ]
    est_admin = acting.has_role(Role.ADMIN_DEPARTEMENT)
    est_orientation = acting.has_role(Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION)
    return Relation(
        est_referent=any(m.est_referent for m in rows),
        est_membre=bool(rows),
        est_admin=est_admin,
        est_orientation=est_orientation,
        motif_exceptionnel=_exceptional_access(acting, carnet) if (est_admin or est_orientation) and not rows else "",
    )


def _exceptional_access(acting, carnet):
    """The reason of this user's exceptional access to the carnet still in progress ("" if none), once a request."""
    cache = getattr(carnet, "_acces_exceptionnels", None)
    if cache is None:
        cache = carnet._acces_exceptionnels = {}
    if acting.user_id not in cache:
        row = (
            AccesExceptionnel.objects.en_cours(timezone.now())
            .filter(carnet=carnet, user_id=acting.user_id)
            .order_by("-expire_le")
            .values_list("motif", flat=True)
            .first()
        )
        cache[acting.user_id] = row or ""
    return cache[acting.user_id]


def _active_memberships(carnet):
    cache = getattr(carnet, "_membres_actifs", None)
    if cache is None:
        cache = list(MembreGroupe.objects.actifs().filter(carnet=carnet))
        carnet._membres_actifs = cache
    return cache


def can_create_beneficiaire(acting) -> bool:
    """Any professional of the département may open a carnet for a person (the orientation
    queue then takes them); the person is never created twice thanks to the NIR check."""
    return acting.departement is not None


def can_see_structure_portfolio(acting) -> bool:
    """Structure managers see every person followed by someone of their structure."""
    return acting.has_role(Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT)


def can_export_portfolio(acting, structure=False) -> bool:
    """A référent (professional) or a manager exports the people they follow; only a structure's manager or an
    administrator exports the whole structure's portfolio. Orientation staff, who follow nobody, export nothing."""
    if acting.departement is None or acting.structure is None:
        return False
    if structure:
        return can_see_structure_portfolio(acting)
    return acting.has_role(Role.PROFESSIONNEL, Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT)


def can_hand_over_portfolio(acting, structure) -> bool:
    """A leaving professional's carnets are handed over by the manager of the structure they act for, or by
    an administrator of the département (for any structure of it)."""
    if acting.departement is None or structure is None or structure.departement_id != acting.departement.pk:
        return False
    if acting.has_role(Role.ADMIN_DEPARTEMENT):
        return True
    est_la_sienne = acting.structure is not None and acting.structure.pk == structure.pk
    return est_la_sienne and acting.has_role(Role.RESPONSABLE_STRUCTURE)


def can_view_carnet(acting, carnet) -> bool:
    """The group's members, the département's admins and its chargés d'orientation read the carnet;
    every other professional of the département only sees the minimal card."""
    return relation_of(acting, carnet).lit_le_carnet


def can_edit_carnet(acting, carnet) -> bool:
    """Only the members of the follow-up group write in the carnet, and only while it is open (a closed carnet
    is read-only until it is reopened)."""
    return relation_of(acting, carnet).est_membre and carnet.cloture_le is None


def can_manage_group(acting, carnet) -> bool:
    """The référent manages the group (adds members, answers join requests, hands over);
    the département admin may too, to repair a group left without référent. Not on a closed carnet."""
    relation = relation_of(acting, carnet)
    return (relation.est_referent or relation.est_admin) and carnet.cloture_le is None


def can_record_exit(acting, carnet) -> bool:
    """The members of the group record the exit and its closing review (which closes the carnet, or starts the
    check-ins after an exit into work), and the check-ins themselves."""
    return can_edit_carnet(acting, carnet)


def can_reopen_carnet(acting, carnet) -> bool:
    """A closed carnet is reopened by its référent or by an administrator of the département, with a reason (the
    CAF/MSA flux reopens it by itself on a new RSA entry). Other members ask them."""
    relation = relation_of(acting, carnet)
    return relation.est_referent or relation.est_admin


def can_read_closing_review(acting, carnet) -> bool:
    """The closing review's own words (what helped, what the person says, the objectives reached, some of them in
    health or family themes) and its PDF: the group's members, as for the sensitive themes."""
    return relation_of(acting, carnet).est_membre


# Predicates that only ever allow writing: on a closed carnet, their pages answer "closed" (409), not 403.
WRITE_PREDICATES = (can_edit_carnet, can_manage_group, can_record_exit)


def can_ask_to_join(acting, carnet) -> bool:
    """Any professional of the département outside the group may ask to join it."""
    return acting.departement is not None and not relation_of(acting, carnet).est_membre


def can_request_exceptional_access(acting, carnet) -> bool:
    """Admins, chargés d'orientation and validators outside the group may open the carnet's content for a short
    time, after stating a reason; the group's members never need to."""
    relation = relation_of(acting, carnet)
    return relation.lit_le_carnet and not relation.est_membre


def needs_exceptional_access(acting, carnet) -> bool:
    """Reading the general notes and documents first asks this user for a reason."""
    relation = relation_of(acting, carnet)
    return relation.lit_le_carnet and not relation.lit_le_contenu


def can_list_exceptional_accesses(acting) -> bool:
    """The département admin (for the data protection officer) sees every exceptional access of the département."""
    return acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_read_sensitive(acting, carnet, obj) -> bool:
    """An item with a sensitivity class (note, document, event): the one rule of `carnet.sensibilite`."""
    from carnet import sensibilite

    lecteur = sensibilite.lecteur_professionnel(acting, carnet, notes_et_documents=True)
    return sensibilite.peut_lire(lecteur, obj.sensibilite, auteur_id=getattr(obj, "auteur_id", None))


def can_read_sensitive_themes(acting, carnet) -> bool:
    """Every sensitive theme at once (health and family): the views that show or hide them as a whole (the
    orientation diagnostic, the reason for reduced hours). The situations and plan pages filter theme by theme."""
    from carnet import sensibilite

    return sensibilite.lit_toutes_les_classes_des_themes(sensibilite.lecteur_professionnel(acting, carnet))


# --- Partner structures (API tokens, webhooks): a structure acts, not a person ----------------------


def can_partner_read_carnet(structure, carnet) -> bool:
    """A partner structure reads a carnet (API, webhooks) when one of its professionals is in the group
    (need to know); the département's own services read every carnet of their département. Beyond the référent's
    structure, only once the person was informed and if they did not object (`Carnet.objects.partages_avec`)."""
    return Carnet.objects.suivis_par_structure(structure).filter(pk=carnet.pk).exists()


def partner_refusal(structure, carnet) -> str:
    """Why a structure may not read the carnet through the API: the person's opposition (whose professionals left
    the group when it was recorded), or their information still missing for a structure that follows the carnet
    ("" otherwise: it may, or it does not follow the carnet at all)."""
    opposition = opposition_of(carnet)
    if opposition is not None and structure.pk != opposition.structure_id:
        return REFUS_OPPOSITION
    if structure.type not in STRUCTURES_INSTITUTIONNELLES:
        if not Carnet.objects.avec_membre_de(structure).filter(pk=carnet.pk).exists():
            return ""
    return refus_de_partage(carnet, structure)


# --- Information and opposition: sharing beyond the référent's structure -----------------------------

REFUS_NON_INFORMEE = (
    "La personne n'a pas encore été informée du partage de son carnet : son référent doit enregistrer cette "
    "information (date, canal, version de la notice) avant tout partage hors de sa structure."
)
REFUS_OPPOSITION = (
    "La personne s'est opposée au partage de son carnet au-delà de la structure de son référent : seule cette "
    "structure y a accès."
)


def _etat_du_partage(carnet):
    """(informed, the opposition or None), once a request."""
    cache = getattr(carnet, "_etat_du_partage", None)
    if cache is None:
        informee = InformationPersonne.objects.filter(carnet=carnet).exists()
        opposition = OppositionPartage.objects.filter(carnet=carnet).first()
        cache = carnet._etat_du_partage = (informee, opposition)
    return cache


def structure_du_referent_id(carnet):
    return next((m.structure_id for m in _active_memberships(carnet) if m.est_referent), None)


def est_informee(carnet) -> bool:
    return _etat_du_partage(carnet)[0]


def opposition_of(carnet):
    return _etat_du_partage(carnet)[1]


def refus_de_partage(carnet, structure) -> str:
    """Why sharing `carnet` with `structure` (a member added to the group, a partner's API read, a webhook) is
    refused, "" if it is not. The référent's own structure always shares; any other one only after the person was
    informed, and never after they objected (then only the structure recorded with the opposition keeps it)."""
    informee, opposition = _etat_du_partage(carnet)
    if opposition is not None:
        return "" if structure.pk == opposition.structure_id else REFUS_OPPOSITION
    if structure.pk == structure_du_referent_id(carnet):
        return ""
    return "" if informee else REFUS_NON_INFORMEE


def hors_opposition(queryset, acting, *, prefixe=""):
    """`queryset` (carnets, or rows reaching a carnet through `prefixe`) without the carnets whose person objected
    to sharing beyond a structure other than the acting one. The Département's admins and orientation staff keep
    them (their statutory role), as on the carnet's own pages."""
    if acting.has_role(Role.ADMIN_DEPARTEMENT, Role.CHARGE_ORIENTATION, Role.VALIDATEUR_ORIENTATION):
        return queryset
    oppositions = OppositionPartage.objects.exclude(structure_id=getattr(acting.structure, "pk", None))
    return queryset.exclude(**{f"{prefixe}pk__in": oppositions.values("carnet_id")})


def can_record_information(acting, carnet) -> bool:
    """The référent records that the person was informed, and their opposition (the person's space shows both)."""
    return relation_of(acting, carnet).est_referent and carnet.cloture_le is None


def can_read_information(acting, carnet) -> bool:
    """Whoever reads the carnet sees whether the person was informed or objected (it tells them what they may
    share)."""
    return relation_of(acting, carnet).lit_le_carnet


def can_partner_handle_rendez_vous(structure, rendez_vous) -> bool:
    """A partner structure reads and updates only its own appointments, not those of the other members."""
    return rendez_vous.structure_id == structure.pk


def can_manage_retention(acting) -> bool:
    """The département admin sees the carnets due for anonymisation and the people to be deleted (retention)."""
    return acting.has_role(Role.ADMIN_DEPARTEMENT)


def can_justify_retention(acting, carnet) -> bool:
    """The référent keeps a carnet past its due date, for a stated reason (dated and logged)."""
    return relation_of(acting, carnet).est_referent


def can_produce_subject_access_report(acting, carnet) -> bool:
    """The département admin produces a person's subject-access report (everything held, and who read it)."""
    return relation_of(acting, carnet).est_admin
