"""Writes of the person's space. Keyword-only functions named `<entity>_<action>`; each runs in the
département scope of the person concerned. Messages to the person go through the outbox (suivi.outbox) and
point to the space instead of carrying details."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import MembreGroupe, StatutRendezVous
from carnet.services import RegleMetier
from sanctions import services as sanctions_services
from spie.notifications import notify
from suivi import outbox
from suivi.models import Canal as CanalMessage
from usager.models import (
    AccuseReception,
    CanalCode,
    CompteUsager,
    DemandeDroits,
    DemandeLiaison,
    LienAcces,
    ModeLiaison,
    ReponseAuRendezVous,
    ReponseRendezVous,
    TypeCourrier,
    hash_secret,
    nouveau_code,
    nouveau_jeton,
)

MESSAGE_VERROU = (
    "Trop de codes faux ont été saisis. Pour votre sécurité, l'accès à votre espace est bloqué pendant 24 heures. "
    "Votre référent peut vous aider : appelez-le ou passez le voir."
)
MESSAGE_SANS_CONTACT = (
    "Votre référent n'a pas noté d'adresse électronique ni de numéro de téléphone portable pour vous. "
    "Nous ne pouvons pas vous envoyer de code. Demandez à votre référent de les ajouter."
)


class LiaisonRefusee(Exception):
    """The link or the code is refused; the message is shown to the person as is."""


def _contact(beneficiaire, canal=None):
    """(canal, destination) of the contact the référent recorded: e-mail first, then mobile phone."""
    options = []
    if beneficiaire.courriel:
        options.append((CanalCode.EMAIL, beneficiaire.courriel))
    if beneficiaire.telephone:
        options.append((CanalCode.SMS, beneficiaire.telephone))
    if canal is not None:
        options = [option for option in options if option[0] == canal]
    return options[0] if options else (None, "")


def masquer(destination):
    """ "c******@exemple.fr" or "06 ** ** ** 78": enough for the person to recognise it, not to read it."""
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"
    digits = [c for c in destination if c.isdigit()]
    return f"{''.join(digits[:2])} ** ** ** {''.join(digits[-2:])}" if len(digits) >= 4 else "****"


def contact_masque(beneficiaire):
    canal, destination = _contact(beneficiaire)
    return (canal, masquer(destination)) if canal else (None, "")


def est_verrouille(beneficiaire) -> bool:
    depuis = timezone.now() - timedelta(hours=settings.USAGER_VERROU_HEURES)
    return DemandeLiaison.objects.filter(beneficiaire=beneficiaire, verrouillee_le__gt=depuis).exists()


def _envoyer(*, beneficiaire, canal, destination, corps, cle, sujet):
    outbox.mettre_en_file(
        departement_id=beneficiaire.departement_id,
        canal=CanalMessage.EMAIL if canal == CanalCode.EMAIL else CanalMessage.SMS,
        destinataire=destination,
        corps=corps,
        cle=cle,
        sujet=sujet,
    )


def liaison_demander(*, beneficiaire, mode, franceconnect_sub="") -> DemandeLiaison:
    """Send a confirmation code to the contact the référent recorded."""
    if est_verrouille(beneficiaire):
        raise LiaisonRefusee(MESSAGE_VERROU)
    canal, destination = _contact(beneficiaire)
    if canal is None:
        raise LiaisonRefusee(MESSAGE_SANS_CONTACT)
    code = nouveau_code()
    demande = DemandeLiaison.objects.create(
        departement_id=beneficiaire.departement_id,
        beneficiaire=beneficiaire,
        mode=mode,
        franceconnect_sub=franceconnect_sub,
        canal=canal,
        code_hash=hash_secret(code),
        expires_at=timezone.now() + timedelta(minutes=settings.USAGER_CODE_MINUTES),
    )
    _envoyer(
        beneficiaire=beneficiaire,
        canal=canal,
        destination=destination,
        corps=(
            f"Votre code : {code}\n\nC'est le code pour ouvrir votre espace personnel SPIE. "
            f"Il marche pendant {settings.USAGER_CODE_MINUTES} minutes. Ne le donnez à personne."
        ),
        cle=f"usager-code-{demande.uid}",
        sujet="Votre code pour ouvrir votre espace",
    )
    return demande


def liaison_confirmer(*, demande, code) -> CompteUsager:
    """Check the code; the fifth wrong code locks the linking. Success links (or reopens) the account."""
    demande = DemandeLiaison.objects.select_for_update(of=("self",)).get(pk=demande.pk)
    now = timezone.now()
    if demande.verrouillee_le is not None or est_verrouille(demande.beneficiaire):
        raise LiaisonRefusee(MESSAGE_VERROU)
    if demande.confirmee_le is not None:
        raise LiaisonRefusee("Ce code a déjà servi. Recommencez la connexion pour recevoir un nouveau code.")
    if demande.expires_at <= now:
        raise LiaisonRefusee("Ce code n'est plus valable. Recommencez la connexion pour recevoir un nouveau code.")
    if hash_secret((code or "").strip()) != demande.code_hash:
        demande.tentatives += 1
        fields = ["tentatives"]
        if demande.tentatives >= settings.USAGER_CODE_ESSAIS:
            demande.verrouillee_le = now
            fields.append("verrouillee_le")
        demande.save(update_fields=fields)
        if demande.verrouillee_le is not None:
            raise LiaisonRefusee(MESSAGE_VERROU)
        restants = settings.USAGER_CODE_ESSAIS - demande.tentatives
        raise LiaisonRefusee(
            "Ce code n'est pas le bon. Vérifiez le message reçu. "
            f"Il vous reste {restants} essai{'s' if restants > 1 else ''}."
        )
    compte = CompteUsager.objects.filter(beneficiaire=demande.beneficiaire).first()
    if (
        demande.mode == ModeLiaison.FRANCECONNECT
        and compte is not None
        and compte.franceconnect_sub
        not in (
            None,
            demande.franceconnect_sub,
        )
    ):
        raise LiaisonRefusee("Votre dossier est déjà relié à un autre compte FranceConnect. Contactez votre référent.")
    demande.confirmee_le = now
    demande.save(update_fields=["confirmee_le"])
    if compte is None:
        compte = CompteUsager(departement_id=demande.departement_id, beneficiaire=demande.beneficiaire)
    if demande.mode == ModeLiaison.FRANCECONNECT:
        compte.franceconnect_sub = demande.franceconnect_sub
    compte.actif = True
    compte.save()
    return compte


def lien_emettre(*, beneficiaire, canal, emis_par) -> LienAcces:
    """The référent sends a one-time link to the person's recorded e-mail or phone."""
    canal, destination = _contact(beneficiaire, canal)
    if canal is None:
        raise RegleMetier("Aucune adresse électronique ou aucun téléphone n'est noté pour cette personne.")
    token = nouveau_jeton()
    lien = LienAcces.objects.create(
        departement_id=beneficiaire.departement_id,
        beneficiaire=beneficiaire,
        token_hash=hash_secret(token),
        canal=canal,
        emis_par=emis_par,
        expires_at=timezone.now() + timedelta(hours=settings.USAGER_LIEN_HEURES),
    )
    url = settings.SPIE_BASE_URL.rstrip("/") + reverse("usager:lien", kwargs={"token": token})
    _envoyer(
        beneficiaire=beneficiaire,
        canal=canal,
        destination=destination,
        corps=(
            f"Bonjour,\n\nVotre référent vous invite à ouvrir votre espace personnel SPIE.\n"
            f"Ouvrez ce lien : {url}\n\nLe lien marche une seule fois, pendant {settings.USAGER_LIEN_HEURES} heures."
        ),
        cle=f"usager-lien-{lien.uid}",
        sujet="Votre espace personnel",
    )
    lien.url = url  # the clear link lives only here and in the message (erased once sent); never stored
    return lien


def lien_consommer(*, lien) -> bool:
    """Use the link once (a conditional UPDATE: two tabs cannot both use it)."""
    now = timezone.now()
    return bool(LienAcces.objects.filter(pk=lien.pk, utilise_le=None, expires_at__gt=now).update(utilise_le=now))


def _notifier_groupe(*, carnet, titre, message, cle, lien, aussi=()):
    """Tell the référent (and `aussi`) that the person did something; never the details."""
    users = {m.user for m in MembreGroupe.objects.referents().filter(carnet=carnet).select_related("user")}
    users |= set(aussi)
    for user in users:
        notify(
            user=user,
            titre=titre,
            message=message,
            cle=f"{cle}-{user.pk}",
            lien=lien,
            departement_id=carnet.departement_id,
        )


def rendez_vous_repondre(*, rendez_vous, reponse, motif="") -> ReponseAuRendezVous:
    carnet_services.exiger_carnet_ouvert_en_base(rendez_vous.carnet_id)
    if rendez_vous.statut != StatutRendezVous.PREVU or rendez_vous.date_heure <= timezone.now():
        raise RegleMetier("Ce rendez-vous est passé ou annulé : vous ne pouvez plus y répondre.")
    motif = (motif or "").strip()
    if reponse == ReponseRendezVous.EMPECHE and not motif:
        raise RegleMetier("Dites-nous pourquoi vous ne pouvez pas venir.")
    with transaction.atomic():
        row = ReponseAuRendezVous.objects.create(
            departement_id=rendez_vous.departement_id,
            rendez_vous=rendez_vous,
            reponse=reponse,
            motif=motif if reponse == ReponseRendezVous.EMPECHE else "",
        )
        carnet = rendez_vous.carnet
        _notifier_groupe(
            carnet=carnet,
            titre="Réponse à un rendez-vous"
            if reponse == ReponseRendezVous.CONFIRME
            else "Rendez-vous : la personne ne peut pas venir",
            message=(
                f"{carnet.beneficiaire.nom_complet} a répondu au rendez-vous du "
                f"{timezone.localtime(rendez_vous.date_heure):%d/%m/%Y à %H:%M}."
            ),
            cle=f"usager-rdv-{row.uid}",
            lien=reverse("carnet:rendez_vous", kwargs={"uid": carnet.uid}),
            aussi=[rendez_vous.professionnel],
        )
    return row


def document_envoye_notifier(*, carnet, document):
    _notifier_groupe(
        carnet=carnet,
        titre="Nouveau document envoyé par la personne",
        message=f"{carnet.beneficiaire.nom_complet} a envoyé un document depuis son espace.",
        cle=f"usager-document-{document.uid}",
        lien=reverse("carnet:documents", kwargs={"uid": carnet.uid}),
    )


@transaction.atomic
def courrier_accuser(*, beneficiaire, type_courrier, courrier_uid, courrier=None) -> AccuseReception:
    """The person's dated acknowledgement; for a sanction notice, the file records it too (for a notice sent through
    the space, it is the certain date that starts the ten days)."""
    accuse, _ = AccuseReception.objects.get_or_create(
        courrier_uid=courrier_uid,
        defaults={
            "departement_id": beneficiaire.departement_id,
            "beneficiaire": beneficiaire,
            "type_courrier": type_courrier,
        },
    )
    if type_courrier == TypeCourrier.NOTIFICATION_SANCTION and courrier is not None:
        sanctions_services.notification_accuser(dossier=courrier)
    return accuse


def demande_droits_creer(*, beneficiaire, type, texte) -> DemandeDroits:
    texte = (texte or "").strip()
    if not texte:
        raise RegleMetier("Écrivez votre demande.")
    demande = DemandeDroits.objects.create(
        departement_id=beneficiaire.departement_id, beneficiaire=beneficiaire, type=type, texte=texte[:2000]
    )
    carnet = beneficiaire.carnet
    _notifier_groupe(
        carnet=carnet,
        titre="Demande sur ses données à traiter",
        message=f"{beneficiaire.nom_complet} a fait une demande ({demande.get_type_display().lower()}). Répondez-lui.",
        cle=f"usager-droits-{demande.uid}",
        lien=reverse("usager:pro_demandes", kwargs={"uid": carnet.uid}),
    )
    return demande


def demande_droits_repondre(*, demande, reponse) -> DemandeDroits:
    reponse = (reponse or "").strip()
    if not reponse:
        raise RegleMetier("Écrivez la réponse.")
    updated = DemandeDroits.objects.filter(pk=demande.pk, statut="en_attente").update(
        statut="repondue", reponse=reponse[:2000], repondue_le=timezone.now()
    )
    if not updated:
        raise RegleMetier("Cette demande a déjà reçu une réponse.")
    demande.refresh_from_db()
    return demande


def objectif_avis_donner(*, objectif, accord, commentaire="", version):
    """The person's agreement or disagreement on an objective (written by the carnet); the référent is told."""
    with transaction.atomic():
        objectif = carnet_services.objectif_avis_personne(
            objectif=objectif, accord=accord, commentaire=commentaire, version=version
        )
        carnet = objectif.axe.carnet
        _notifier_groupe(
            carnet=carnet,
            titre="Accord sur un objectif" if accord else "Désaccord sur un objectif",
            message=f"{carnet.beneficiaire.nom_complet} a donné son avis sur un objectif de son plan d'action.",
            cle=f"usager-avis-{objectif.uid}-{objectif.version}",
            lien=reverse("carnet:plan", kwargs={"uid": carnet.uid}),
        )
    return objectif


def observation_envoyer(*, carnet, texte, demande_audition=False):
    """The person's observations (written by the carnet, dated on receipt); the référent is told. Refused once the
    carnet is closed (the answers to a sanction notice stay open: `sanction_observation_envoyer`)."""
    carnet_services.exiger_carnet_ouvert_en_base(carnet.pk)
    with transaction.atomic():
        observation = carnet_services.observation_envoyer(
            carnet=carnet, texte=texte, demande_audition=demande_audition
        )
        _notifier_groupe(
            carnet=carnet,
            titre="Observations de la personne à lire",
            message=f"{carnet.beneficiaire.nom_complet} vous a écrit depuis son espace. Lisez son message.",
            cle=f"usager-observation-{observation.uid}",
            lien=reverse("usager:pro_observations", kwargs={"uid": carnet.uid}),
        )
    return observation


def sanction_observation_envoyer(*, dossier, texte, demande_audition=False):
    """The person answers a sanction notice from their space (written by the carnet, copied into the sanction file);
    the référent is told, without any detail."""
    with transaction.atomic():
        observation = sanctions_services.observation_espace_recevoir(
            dossier=dossier, texte=texte, demande_audition=demande_audition
        )
        carnet = dossier.carnet
        _notifier_groupe(
            carnet=carnet,
            titre="Réponse de la personne à lire",
            message=f"{carnet.beneficiaire.nom_complet} a répondu à un courrier depuis son espace.",
            cle=f"usager-sanction-{observation.uid}",
            lien=reverse("sanctions:dossier", kwargs={"uid": dossier.uid}),
        )
    return observation
