"""Main menu entries per role; each app adds its entries here."""

from spie.models import Role
from spie.perms import can_administer_departement
from spie.routes import reverse_once


def _entries(acting):
    """(url name, label, description, url-name prefix marking the current section)"""
    yield ("carnet:portefeuille", "Mes bénéficiaires", "Les personnes que vous accompagnez.", "carnet:portefeuille")
    yield (
        "carnet:recherche",
        "Rechercher une personne",
        "Par nom, date de naissance, numéro CAF ou NIR.",
        "carnet:rech",
    )
    if acting.has_role(Role.RESPONSABLE_STRUCTURE, Role.ADMIN_DEPARTEMENT):
        yield (
            "carnet:portefeuille_structure",
            "Personnes suivies par la structure",
            "Le portefeuille de toute votre structure, et les personnes sans référent.",
            "carnet:portefeuille_structure",
        )
    from orientation.perms import can_validate_orientation, can_work_queue

    if can_work_queue(acting):
        yield (
            "orientation:file",
            "Orientation : nouveaux entrants",
            "Les personnes entrées au RSA à convoquer, diagnostiquer et orienter.",
            "orientation:file",
        )
    if can_validate_orientation(acting):
        yield (
            "orientation:a_valider",
            "Orientations à valider",
            "Les orientations proposées qui attendent votre validation.",
            "orientation:a_valider",
        )
    yield (
        "offre:recherche",
        "Offre d'insertion",
        "Les services du territoire : formations, ateliers, immersions, mobilité, logement…",
        "offre:recherche",
    )
    if acting.structure is not None:
        yield (
            "offre:prescriptions_recues",
            "Prescriptions reçues",
            "Les personnes adressées à votre structure : accepter ou refuser.",
            "offre:prescription",
        )
    from offre.perms import can_manage_catalogue, can_moderate_catalogue

    if can_manage_catalogue(acting):
        yield (
            "offre:catalogue",
            "Catalogue de ma structure",
            "Vos services et leurs sessions au format data·inclusion.",
            "offre:catalogue",
        )
    if can_moderate_catalogue(acting):
        yield (
            "offre:moderation",
            "Catalogue du département",
            "Modération, qualité, import et export data·inclusion.",
            "offre:moderation",
        )
    from sanctions.perms import can_list_dossiers

    if can_list_dossiers(acting):
        yield (
            "sanctions:liste",
            "Dossiers de manquement",
            "Suspension-remobilisation du RSA : dossiers à notifier, à décider, sanctions en cours.",
            "sanctions:",
        )
    from sanctions.perms_ep import can_list_seances

    if can_list_seances(acting):
        yield (
            "sanctions:ep_seances",
            "Équipes pluridisciplinaires",
            "Séances : ordre du jour, convocations, présences, avis, décisions et procès-verbaux.",
            "sanctions:ep_",
        )
    if can_administer_departement(acting):
        yield (
            "spie:admin_tableau_de_bord",
            "Administration du département",
            "Territoires, structures, utilisateurs, dispositifs et secteurs d'orientation, flux, rapports, journal.",
            "spie:admin_",
        )
    from suivi.perms import (
        can_view_all_evaluations,
        can_view_evaluations,
        can_view_indicateurs,
        can_view_rapports_legaux,
    )

    if can_view_indicateurs(acting):
        yield (
            "suivi:tableau_de_bord",
            "Indicateurs",
            "Délais d'orientation, suivi, contrats, sorties : par mois, territoire et structure.",
            "suivi:tableau_de_bord",
        )
    if can_view_rapports_legaux(acting):
        yield (
            "suivi:rapports_legaux",
            "Rapports réglementaires",
            "Données d'orientation pour les comités pour l'emploi, tableau annuel de la DREES, délais légaux.",
            "suivi:rapports_legaux",
        )

    if can_view_evaluations(acting) and not can_view_all_evaluations(acting):
        # Administrators reach the evaluations from the administration menu.
        yield (
            "suivi:evaluations",
            "Évaluations",
            "L'avis des personnes accompagnées par votre structure, en moyennes seulement.",
            "suivi:evaluations",
        )
    yield (
        "suivi:preferences",
        "Mes préférences de notification",
        "Recevoir le point sur vos personnes suivies chaque semaine, chaque jour ou jamais par courriel.",
        "suivi:preferences",
    )


def nav_items(request):
    acting = getattr(request, "acting", None)
    if acting is None or acting.departement is None:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    return [
        {
            "url": reverse_once(name),
            "label": label,
            "description": description,
            "current": current.startswith(prefix),
        }
        for name, label, description, prefix in _entries(acting)
    ]
