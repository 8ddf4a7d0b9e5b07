"""Demo orientation data: sectors, and new entrants at each stage of the queue (development only).

Idempotent: sectors are found before being created, people by name and birth date. The carnet demo's own
new entrants (no référent) stay untouched in the queue, ready to be taken. Written through the services,
so that the timeline and the milestone dates tell the same story as real use; past events (an interview
that already took place) are backdated where the services would refuse a date in the past.
"""

import datetime

from django.utils import timezone

from carnet import services as carnet_services
from carnet.models import Beneficiaire, ModeRendezVous, RendezVous, StatutRendezVous
from orientation import diagnostic as steps
from orientation import services, workflow
from orientation.models import Convocation, Dispositif, DossierOrientation, Secteur, TypeOrientation
from spie.models import Membership, Structure, Territoire, User

SECTEURS = {"76": ("orientation", "Boucles de Seine"), "08": ("orientation", "Cœur d'Ardenne")}

# civilité, nom, prénoms, naissance, commune, days since RSA entry, stage
PERSONNES = {
    "76": [
        ("mme", "Martin", "Sophie", (1995, 5, 3), "Elbeuf", 12, "convoque"),
        ("m", "Leroy", "Thomas", (1989, 8, 21), "Canteleu", 25, "brouillon"),
        ("mme", "Fontaine", "Amina", (1991, 1, 9), "Le Petit-Quevilly", 45, "proposee"),
        ("m", "Garnier", "Paul", (1980, 10, 30), "Grand-Couronne", 50, "file"),
    ],
    "08": [("m", "Lemoine", "Bruno", (1987, 3, 12), "Nouzonville", 10, "convoque")],
}


def _user(local, code):
    return User.objects.filter(email=f"{local}.{code}@demo.spie.fr").first()


def _structure_of(user):
    membership = Membership.objects.actifs().filter(user=user).select_related("structure").first()
    return membership.structure if membership else None


def load(departement):
    """Create the demo orientation data of one département (inside its scope). Returns a summary line."""
    from spie.dev.demo import _commune

    code = departement.code
    charge = _user("orientation", code)
    if charge is None:
        return ""
    structure = _structure_of(charge)
    local, territoire_nom = SECTEURS.get(code, (None, None))
    territoire = Territoire.objects.filter(nom=territoire_nom).first()
    if territoire is not None:
        Secteur.objects.get_or_create(departement=departement, user=charge, territoire=territoire)
    today = timezone.localdate()
    created = 0
    for index, (civ, nom, prenoms, naissance, commune_nom, jours, stage) in enumerate(PERSONNES.get(code, [])):
        birth = datetime.date(*naissance)
        if Beneficiaire.objects.filter(nom_usage=nom, date_naissance=birth).exists():
            continue
        commune = _commune(commune_nom, code)
        beneficiaire = carnet_services.beneficiaire_create(
            departement=departement,
            data={
                "civilite": civ,
                "nom_usage": nom,
                "prenoms": prenoms,
                "date_naissance": birth,
                "commune": commune,
                "code_postal": commune.codes_postaux[0] if commune and commune.codes_postaux else "",
                "adresse": f"{3 + index} place de la Mairie",
                "telephone": f"07 11 22 3{index} 4{index}",
                "courriel": f"{prenoms.lower()}.{nom.lower()}@exemple.fr",
                "numero_allocataire": f"{code}{8000000 + index}",
                "etat_droit_rsa": "2",
                "soumis_droits_devoirs": True,
                "date_entree_rsa": today - datetime.timedelta(days=jours),
                "role_foyer": "dem",
            },
        )
        created += 1
        if stage == "file":
            continue
        carnet = beneficiaire.carnet
        dossier = services.dossier_open(carnet=carnet, charge=charge, auteur=charge, structure=structure)
        if stage == "convoque":
            services.convocation_create(
                dossier=dossier,
                data={
                    "date_heure": _at(today + datetime.timedelta(days=3), 10),
                    "duree_minutes": 60,
                    "mode": ModeRendezVous.SUR_PLACE,
                    "lieu": f"Antenne insertion, {structure.commune.nom if structure.commune else departement.nom}",
                },
                envoyer_courriel=False,
                auteur=charge,
                structure=structure,
            )
            continue
        _interview_held(dossier, charge, structure, today - datetime.timedelta(days=2))
        diagnostic = services.diagnostic_start(dossier=dossier, auteur=charge)
        liste = steps.etapes(departement, sensibles=True)
        _answer(diagnostic, liste, "logement", ["Locataire du parc social"])
        _answer(diagnostic, liste, "mobilite", ["Titulaire du permis B"])
        _save(
            diagnostic,
            liste,
            steps.PROJET,
            {"metier": "Agent de propreté", "code_rome": "K2204", "rayon_mobilite_km": 20, "contrat_souhaite": "cdi"},
        )
        if stage == "brouillon":
            continue
        _save(
            diagnostic,
            liste,
            steps.DISPONIBILITE,
            {"delai": "immediate", "temps_travail": "temps_plein", "precisions": ""},
        )
        _save(diagnostic, liste, steps.SOUHAITS, {"accompagnement": "emploi", "en_ses_mots": "Travailler vite."})
        services.diagnostic_finish(
            diagnostic=diagnostic, version=diagnostic.version, auteur=charge, structure=structure
        )
        conseiller = _user("conseiller-ft", code)
        ft = _structure_of(conseiller) or Structure.objects.filter(type="france_travail").first()
        services.orientation_propose(
            dossier=DossierOrientation.objects.get(pk=dossier.pk),
            type_orientation=TypeOrientation.PRO,
            dispositif=Dispositif.objects.filter(nom="Accompagnement vers l'emploi").first()
            or Dispositif.objects.filter(type_orientation=TypeOrientation.PRO, actif=True).first(),
            structure=ft,
            referent=conseiller,
            motif="Projet clair, disponible tout de suite, mobile : accompagnement vers l'emploi.",
            auteur=charge,
            auteur_structure=structure,
        )
    return f"{departement.nom} : {created} nouvel(s) entrant(s) de démonstration pour l'orientation."


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _interview_held(dossier, charge, structure, day):
    """A convocation whose interview already took place (the service only convokes to a future date)."""
    rendez_vous = RendezVous.objects.create(
        departement_id=dossier.departement_id,
        carnet=dossier.carnet,
        date_heure=_at(day, 14),
        duree_minutes=60,
        professionnel=charge,
        structure=structure,
        mode=ModeRendezVous.SUR_PLACE,
        lieu="Antenne insertion",
        objet="Entretien d'orientation",
        est_accompagnement=False,
        created_by=charge,
    )
    convocation = Convocation.objects.create(
        departement_id=dossier.departement_id, dossier=dossier, rendez_vous=rendez_vous, created_by=charge
    )
    workflow.transition(dossier, workflow.CONVOQUER, date_premier_contact=day - datetime.timedelta(days=7))
    services.convocation_record_attendance(
        convocation=convocation, statut=StatutRendezVous.PRESENT, auteur=charge, structure=structure
    )


def _etape(liste, slug):
    return next(e for e in liste if e.slug == slug)


def _answer(diagnostic, liste, theme_code, libelles):
    etape = _etape(liste, theme_code)
    uids = [str(s.uid) for s in etape.situations if s.libelle in libelles]
    services.diagnostic_save_step(
        diagnostic=diagnostic, etape=etape, valeurs={"situations": uids}, version=diagnostic.version
    )


def _save(diagnostic, liste, slug, valeurs):
    services.diagnostic_save_step(
        diagnostic=diagnostic, etape=_etape(liste, slug), valeurs=valeurs, version=diagnostic.version
    )
