"""Registry of every URL of the project, for the generated security tests (tests/security/test_routes.py) and
the generated page benchmark (`manage.py bench_pages`, spie/dev/bench_pages.py).

It lives outside tests/ so that the benchmark can import it without importing the test suite;
tests/security/registry.py re-exports it. Every named route must appear exactly once below, else
`test_every_route_is_registered` fails:

- `PUBLIC`: reachable without logging in (with the reason). Everything else must answer an
  anonymous request with the login redirect (or 401/403 for the API).
- `OBJECT_ROUTES`: routes that address an object of a département. The builder receives the
  `World` of département A and returns the URL kwargs; every role of département B must get 404.
- `PARAM_ROUTES`: routes with parameters that are not a tenant object (tokens, provider ids);
  the builder gives sample kwargs.
- `PLAIN_ROUTES`: the other routes (no parameter), login required.

Unnamed routes are only accepted under the prefixes of `UNNAMED_PREFIXES`.

To add a route: add it to one dict/set here; for an object route, add the object to `World`
(tests/security/world.py) if it is not there yet, and to the benchmark's data (`BenchWorld` in
spie/dev/bench_pages.py: the builders below read the same attribute names from both).
"""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC = {
    "spie:accueil": "page d'accueil publique (l'espace personnel une fois connecté)",
    "spie:sante": "sonde de santé pour l'hébergeur et docker-compose",
    "spie:invitation_accepter": "lien d'invitation reçu par courriel, protégé par son jeton",
    "account_login": "connexion",
    "account_logout": "déconnexion",
    "account_inactive": "compte inactif",
    "account_signup": "inscription fermée : page d'explication",
    "account_reset_password": "mot de passe oublié",  # nosec B105: a route's description, not a password
    "account_reset_password_done": "mot de passe oublié : message envoyé",  # nosec B105: a route's description, not a password
    "account_reset_password_from_key": "lien de réinitialisation, protégé par sa clé",  # nosec B105: a route's description, not a password
    "account_reset_password_from_key_done": "mot de passe réinitialisé",  # nosec B105: a route's description, not a password
    "account_confirm_login_code": "étape de connexion par code (non activée)",
    "account_email_verification_sent": "vérification d'adresse (non activée)",
    "account_confirm_email": "lien de vérification d'adresse, protégé par sa clé",
    "mfa_authenticate": "deuxième étape de la connexion (code TOTP)",
    "socialaccount_login_cancelled": "retour de ProConnect : connexion annulée",
    "socialaccount_login_error": "retour de ProConnect : erreur",
    "socialaccount_signup": "retour de ProConnect : compte inconnu (inscription fermée)",
    "openid_connect_login": "départ vers ProConnect",
    "openid_connect_callback": "retour de ProConnect, protégé par l'état OIDC",
    "api:schema": "schéma OpenAPI public de l'API des partenaires",
    "api:docs": "documentation publique de l'API des partenaires",
    "evaluation:repondre": "questionnaire reçu par courriel par la personne (sans compte), protégé par son jeton",
    "usager:connexion": "espace de la personne : page de connexion (FranceConnect ou lien)",
    "usager:liaison": "espace de la personne : retour de FranceConnect, protégé par l'identité gardée en session",
    "usager:code": "espace de la personne : saisie du code, protégée par la demande gardée en session",
    "usager:lien": "espace de la personne : lien à usage unique envoyé par le référent, protégé par son jeton",
    "usager:deconnexion": "espace de la personne : déconnexion",
}

OBJECT_ROUTES = {
    "spie:admin_territoire": lambda w: {"uid": w.territoire.uid},
    "spie:admin_territoire_supprimer": lambda w: {"uid": w.territoire.uid},
    "spie:admin_structure": lambda w: {"uid": w.structure.uid},
    "spie:admin_utilisateur": lambda w: {"uid": w.agent.uid},
    "spie:admin_utilisateur_desactiver": lambda w: {"uid": w.agent.uid},
    "spie:admin_rattachement_desactiver": lambda w: {"uid": w.agent_membership.uid},
    "spie:admin_invitation_renvoyer": lambda w: {"uid": w.invitation.uid},
    "spie:admin_invitation_annuler": lambda w: {"uid": w.invitation.uid},
    "spie:notification_lire": lambda w: {"uid": w.notification.uid},
    # Carnet: every route addresses the carnet, and nested objects by their own uid.
    **{
        f"carnet:{name}": (lambda w: {"uid": w.carnet.uid})
        for name in (
            "detail",
            "acces_exceptionnel",
            "beneficiaire_modifier",
            "groupe",
            "adhesion_demander",
            "situation",
            "projet_ajouter",
            "plan",
            "axe_ajouter",
            "rendez_vous",
            "contrats",
            "documents",
            "notes",
            "historique",
            "sorties",
            "point_de_suivi",
            "bilan_pdf",
            "reouvrir",
            "conservation_justifier",
            "rapport_personne_json",
            "rapport_personne_pdf",
            "transfert_proposer",
            "partage",
        )
    },
    # A transfer proposed to the world's département by another one: found by its destination only.
    "carnet:transfert_examiner": lambda w: {"uid": w.transfert_entrant.uid},
    "carnet:transfert_decider": lambda w: {"uid": w.transfert_entrant.uid},
    "carnet:adhesion_decider": lambda w: {"uid": w.carnet.uid, "demande_uid": w.demande.uid},
    "carnet:membre_retirer": lambda w: {"uid": w.carnet.uid, "membre_uid": w.membre.uid},
    "carnet:referent_designer": lambda w: {"uid": w.carnet.uid, "membre_uid": w.membre.uid},
    "carnet:situation_terminer": lambda w: {"uid": w.carnet.uid, "situation_uid": w.situation.uid},
    "carnet:projet_modifier": lambda w: {"uid": w.carnet.uid, "projet_uid": w.projet.uid},
    "carnet:objectif_ajouter": lambda w: {"uid": w.carnet.uid, "axe_uid": w.axe.uid},
    "carnet:objectif_modifier": lambda w: {"uid": w.carnet.uid, "objectif_uid": w.objectif.uid},
    "carnet:action_ajouter": lambda w: {"uid": w.carnet.uid, "objectif_uid": w.objectif.uid},
    "carnet:action_modifier": lambda w: {"uid": w.carnet.uid, "action_uid": w.action.uid},
    "carnet:rendez_vous_modifier": lambda w: {"uid": w.carnet.uid, "rdv_uid": w.rdv.uid},
    **{
        f"carnet:{name}": (lambda w: {"uid": w.carnet.uid, "contrat_uid": w.contrat.uid})
        for name in ("contrat_detail", "contrat_signer", "contrat_terminer", "contrat_renouveler", "contrat_pdf")
    },
    "carnet:contrat_heures": lambda w: {"uid": w.carnet.uid, "contrat_uid": w.contrat_engagement.uid},
    "carnet:contrat_activite_supprimer": lambda w: {
        "uid": w.carnet.uid,
        "contrat_uid": w.contrat_engagement.uid,
        "activite_uid": w.activite.uid,
    },
    "carnet:situation_basculer": lambda w: {"uid": w.situation_locale.uid},
    "carnet:objectif_basculer": lambda w: {"uid": w.objectif_local.uid},
    "partenaires:jeton_revoquer": lambda w: {"uid": w.jeton.uid},
    "partenaires:jeton_appels": lambda w: {"uid": w.jeton.uid},
    # Partner API (département B uses its own token: see test_routes).
    "api:beneficiaire": lambda w: {"uid": w.carnet.beneficiaire.uid},
    "api:carnet": lambda w: {"uid": w.carnet.uid},
    "api:carnet_rendez_vous": lambda w: {"uid": w.carnet.uid},
    "api:rendez_vous": lambda w: {"uid": w.rdv.uid},
    "api:webhook": lambda w: {"uid": w.webhook.uid},
    "api:carnet_contrats_engagement": lambda w: {"uid": w.carnet.uid},
    "api:contrat_engagement": lambda w: {"uid": w.contrat_engagement.uid},
    "api:contrat_engagement_activites": lambda w: {"uid": w.contrat_engagement.uid},
    "carnet:document_telecharger": lambda w: {"uid": w.carnet.uid, "document_uid": w.document.uid},
    # Orientation: each route addresses its own object by uid (the carnet for a person of the queue).
    **{
        f"orientation:{name}": (lambda w: {"uid": w.carnet.uid})
        for name in ("dossier_ouvrir", "synthese", "reorientation_demander")
    },
    **{
        f"orientation:{name}": (lambda w: {"uid": w.dossier_orientation.uid})
        for name in (
            "dossier",
            "dossier_prendre",
            "dossier_attribuer",
            "dossier_reception",
            "convoquer",
            "diagnostic_commencer",
            "proposer",
        )
    },
    "orientation:presence": lambda w: {"uid": w.convocation.uid},
    "orientation:convocation_pdf": lambda w: {"uid": w.convocation.uid},
    "orientation:diagnostic": lambda w: {"uid": w.diagnostic.uid},
    "orientation:diagnostic_etape": lambda w: {"uid": w.diagnostic.uid, "etape": "logement"},
    **{
        f"orientation:{name}": (lambda w: {"uid": w.orientation.uid})
        for name in ("orientation", "valider", "renvoyer", "decision_pdf", "designer_referent")
    },
    "orientation:reorientation": lambda w: {"uid": w.demande_reorientation.uid},
    "orientation:dispositif": lambda w: {"uid": w.dispositif.uid},
    "orientation:secteur_supprimer": lambda w: {"uid": w.secteur.uid},
    "orientation:regles_version": lambda w: {"uid": w.jeu_regles.uid},
    # CAF/MSA flux and spreadsheet imports (partenaires.flux, partenaires.imports).
    **{
        f"partenaires:{name}": (lambda w: {"uid": w.import_flux.uid})
        for name in ("flux_detail", "flux_statut", "flux_rapport", "flux_relancer", "flux_rejouer")
    },
    **{
        f"partenaires:{name}": (lambda w: {"uid": w.import_tableur.uid})
        for name in (
            "import_detail",
            "import_colonnes",
            "import_apercu",
            "import_valider",
            "import_statut",
            "import_rapport",
        )
    },
    "api:flux_caf_detail": lambda w: {"uid": w.import_flux.uid},
    "carnet:conflit_decider": lambda w: {"uid": w.conflit_identite.uid},
    # Suivi: monthly reports.
    "suivi:rapport_detail": lambda w: {"uid": w.rapport.uid},
    "suivi:rapport_statut": lambda w: {"uid": w.rapport.uid},
    "suivi:rapport_pdf": lambda w: {"uid": w.rapport.uid},
    "api:orientation": lambda w: {"uid": w.orientation.uid},
    "api:prescription": lambda w: {"uid": w.prescription.uid},
    "api:prescription_accepter": lambda w: {"uid": w.prescription.uid},
    "api:prescription_refuser": lambda w: {"uid": w.prescription.uid},
    "api:prescription_etapes": lambda w: {"uid": w.prescription.uid},
    "api:offre_service": lambda w: {"uid": w.service.uid},
    # Offre: the catalogue, its sessions and imports, prescriptions (carnet side and receiving structure).
    "offre:service_detail": lambda w: {"uid": w.service.uid},
    "offre:service_modifier": lambda w: {"uid": w.service.uid},
    "offre:sessions": lambda w: {"uid": w.service.uid},
    "offre:session_modifier": lambda w: {"uid": w.service.uid, "session_uid": w.session.uid},
    "offre:session_supprimer": lambda w: {"uid": w.service.uid, "session_uid": w.session.uid},
    "offre:structure_fiche": lambda w: {"uid": w.structure.uid},
    "offre:moderer": lambda w: {"uid": w.service.uid},
    "offre:import_detail": lambda w: {"uid": w.import_catalogue.uid},
    "offre:import_statut": lambda w: {"uid": w.import_catalogue.uid},
    "offre:import_rapport": lambda w: {"uid": w.import_catalogue.uid},
    "offre:prescription_recue": lambda w: {"uid": w.prescription.uid},
    "offre:prescription_repondre": lambda w: {"uid": w.prescription.uid},
    "offre:prescription_etape": lambda w: {"uid": w.prescription.uid},
    "offre:carnet_prescription_etape": lambda w: {"uid": w.carnet.uid, "prescription_uid": w.prescription.uid},
    "offre:carnet_prescriptions": lambda w: {"uid": w.carnet.uid},
    "offre:carnet_recherche": lambda w: {"uid": w.carnet.uid},
    "offre:prescrire": lambda w: {"uid": w.carnet.uid, "service_uid": w.service.uid},
    "offre:prescription_annuler": lambda w: {"uid": w.carnet.uid, "prescription_uid": w.prescription.uid},
    "offre:carnet_suggestions": lambda w: {"uid": w.carnet.uid},
    "offre:correspondance_situation": lambda w: {"uid": w.situation_locale.uid},
    # The professionals' side of the person's space.
    "usager:pro_lien": lambda w: {"uid": w.carnet.uid},
    "usager:pro_demandes": lambda w: {"uid": w.carnet.uid},
    "usager:pro_observations": lambda w: {"uid": w.carnet.uid},
    "usager:pro_document_partager": lambda w: {"uid": w.carnet.uid, "document_uid": w.document.uid},
    # Sanction files (restricted: référent, décideurs des sanctions, département admin).
    "sanctions:carnet_dossiers": lambda w: {"uid": w.carnet.uid},
    "sanctions:ouvrir": lambda w: {"uid": w.carnet.uid},
    **{
        f"sanctions:{name}": (lambda w: {"uid": w.dossier_manquement.uid})
        for name in ("dossier", "etape", "piece_ajouter", "observation_ajouter", "notification_pdf", "decision_pdf")
    },
    "sanctions:piece_telecharger": lambda w: {"uid": w.dossier_manquement.uid, "piece_uid": w.piece_manquement.uid},
    "sanctions:dossier_tribunal": lambda w: {"uid": w.dossier_manquement.uid},
    "sanctions:export_payeur_csv": lambda w: {"uid": w.export_payeur.uid},
    # The paying body's reading (a CAF or MSA token: see the tests' API_TOKENS) and a partner's proposal.
    "api:sanction": lambda w: {"uid": w.dossier_manquement.uid},
    "api:proposition_sanction": lambda w: {"uid": w.proposition_sanction.uid},
    # Équipes pluridisciplinaires: the team (admin), its members, its sessions (organisers; members while open).
    **{f"sanctions:{name}": (lambda w: {"uid": w.equipe_ep.uid}) for name in ("ep_equipe", "ep_membre_ajouter")},
    "sanctions:ep_seance_creer": lambda w: {"uid": w.equipe_ep.uid},
    "sanctions:ep_membre_retirer": lambda w: {"uid": w.membre_ep.uid},
    **{
        f"sanctions:{name}": (lambda w: {"uid": w.seance_ep.uid})
        for name in ("ep_seance", "ep_seance_etape", "ep_proces_verbal_pdf")
    },
    **{f"sanctions:{name}": (lambda w: {"uid": w.passage_ep.uid}) for name in ("ep_resume_pdf", "ep_convocation_pdf")},
}

PARAM_ROUTES = {
    "spie:invitation_accepter": lambda w: {"token": "jeton-inconnu"},  # nosec B105: a sample URL parameter, not a secret
    "account_confirm_email": lambda w: {"key": "cle-inconnue"},
    "account_reset_password_from_key": lambda w: {"uidb36": "1", "key": "cle-inconnue"},
    "openid_connect_login": lambda w: {"provider_id": "proconnect"},
    "openid_connect_callback": lambda w: {"provider_id": "proconnect"},
    "evaluation:repondre": lambda w: {"token": "jeton-inconnu"},  # nosec B105: a sample URL parameter, not a secret
    "offre:export_fichier": lambda w: {"fichier": "services.json"},
    "offre:correspondance_theme": lambda w: {"code": "mobilite"},
    "suivi:indicateur_definition": lambda w: {"code": "delai_orientation"},
    "usager:lien": lambda w: {"token": "jeton-inconnu"},  # nosec B105: a sample URL parameter, not a secret
}

PLAIN_ROUTES = {
    "spie:accueil",
    "spie:sante",
    "spie:changer_structure",
    "spie:admin_tableau_de_bord",
    "spie:admin_parametres",
    "spie:admin_territoires",
    "spie:admin_territoire_creer",
    "spie:admin_structures",
    "spie:admin_structure_creer",
    "spie:admin_utilisateurs",
    "spie:admin_invitations",
    "spie:admin_journal",
    "spie:notifications",
    "carnet:portefeuille",
    "carnet:portefeuille_structure",
    "carnet:portefeuille_transmettre",
    "carnet:portefeuille_exporter",
    "carnet:recherche",
    "carnet:beneficiaire_creer",
    "carnet:referentiels",
    "carnet:conflits",
    "carnet:acces_exceptionnels",
    "carnet:conservation",
    "carnet:transferts",
    "orientation:file",
    "orientation:a_valider",
    "orientation:reorientations",
    "orientation:dispositifs",
    "orientation:dispositif_creer",
    "orientation:secteurs",
    "orientation:regles",
    "partenaires:jetons",
    "partenaires:flux_liste",
    "partenaires:imports_liste",
    "api:flux_caf",
    "api:schema",
    "api:docs",
    "api:beneficiaires",
    "api:webhooks",
    "api:orientations",
    "api:prescriptions",
    "api:offre_structures",
    "api:offre_services",
    "api:indicateurs",
    "api:indicateurs_definitions",
    "spie:notifications_tout_lire",
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_reauthenticate",
    "account_email",
    "account_email_verification_sent",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_confirm_login_code",
    "account_reset_password_from_key_done",
    "account_reset_password_done",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "socialaccount_connections",
    "suivi:regles",
    "suivi:evaluations",
    "suivi:preferences",
    "suivi:tableau_de_bord",
    "suivi:indicateurs_csv",
    "suivi:rapports",
    "suivi:rapports_legaux",
    "suivi:liste_comites",
    "suivi:liste_comites_csv",
    "suivi:tableau_drees",
    "suivi:tableau_drees_csv",
    "suivi:delais_legaux",
    "suivi:delais_legaux_csv",
    "offre:recherche",
    "offre:recherche_json",
    "offre:catalogue",
    "offre:service_creer",
    "offre:moderation",
    "offre:qualite",
    "offre:imports",
    "offre:export",
    "offre:correspondances",
    "offre:prescriptions_recues",
    "sanctions:liste",
    "sanctions:parametres",
    "sanctions:exports_payeur",
    "sanctions:indicateurs",
    "api:sanctions",
    "api:propositions_sanction",
    "sanctions:ep_seances",
    "sanctions:ep_equipes",
    "usager:connexion",
    "usager:liaison",
    "usager:code",
    "usager:deconnexion",
}

# The person's space (usager): reachable only with a person's session, never with a professional's. The builder
# receives the World of département A; tests/usager/test_securite.py proves that every one of these routes answers
# another person's object with 404 and that a person's session reaches no professional route.
USAGER_ROUTES = {
    "usager:accueil": None,
    "usager:mon_suivi": None,
    "usager:mon_plan": None,
    "usager:objectif_avis": lambda w: {"uid": w.objectif.uid},
    "usager:observations": None,
    "usager:questionnaire": lambda w: {"uid": w.questionnaire.uid},
    "usager:rendez_vous": None,
    "usager:rendez_vous_repondre": lambda w: {"uid": w.rdv.uid},
    "usager:documents": None,
    "usager:document_telecharger": lambda w: {"uid": w.document.uid},
    "usager:courriers": None,
    "usager:courrier_pdf": lambda w: {"type_courrier": "convocation", "uid": w.convocation.uid},
    "usager:courrier_accuser": lambda w: {"type_courrier": "convocation", "uid": w.convocation.uid},
    "usager:sanction_repondre": lambda w: {"uid": w.dossier_manquement.uid},
    "usager:mes_donnees": None,
    "usager:export_json": None,
    "usager:export_pdf": None,
}
USAGER_LOGIN_PATH = "/mon-espace/connexion/"

# The national admin site (Django admin, superadmins only, own login) and allauth's legacy redirects.
NATIONAL_ADMIN_NAMESPACE = "admin"
UNNAMED_PREFIXES = ("admin-nationale/", "comptes/social/")


def iter_routes(patterns=None, prefix="", namespace=None):
    """Yield (qualified name or None, route string, has parameters) for every pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from iter_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            has_params = bool(re.search(r"<[^>]+>|\(\?P<", route))
            yield name, route, has_params


def project_routes():
    """Every route of the project but the national admin's (Django admin, its own login and rules)."""
    return [
        (name, route, has_params)
        for name, route, has_params in iter_routes()
        if not (name or "").startswith(f"{NATIONAL_ADMIN_NAMESPACE}:")
    ]
