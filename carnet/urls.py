from django.urls import path

from carnet.views import (
    acces,
    activites,
    cloture,
    conflits,
    conservation,
    documents,
    fiche,
    groupe,
    information,
    plan,
    portefeuille,
    recherche,
    referentiels,
    situation,
    suivi,
    transfert,
)

app_name = "carnet"

urlpatterns = [
    # Portfolio, search, creation
    path("", portefeuille.portefeuille, name="portefeuille"),
    path("structure/", portefeuille.portefeuille_structure, name="portefeuille_structure"),
    path("export/", portefeuille.portefeuille_exporter, name="portefeuille_exporter"),
    path("structure/transmettre/", portefeuille.portefeuille_transmettre, name="portefeuille_transmettre"),
    path("recherche/", recherche.recherche, name="recherche"),
    path("nouveau/", fiche.beneficiaire_creer, name="beneficiaire_creer"),
    # The département's own referentials (admin)
    path("referentiels/", referentiels.referentiels, name="referentiels"),
    # Exceptional accesses of the département (admin, for the data protection officer)
    path("acces-exceptionnels/", acces.acces_exceptionnels, name="acces_exceptionnels"),
    # Transfers between départements: the proposals addressed to the admin's département
    path("transferts/", transfert.transferts, name="transferts"),
    path("transferts/<uuid:uid>/", transfert.transfert_examiner, name="transfert_examiner"),
    path("transferts/<uuid:uid>/decision/", transfert.transfert_decider, name="transfert_decider"),
    # Retention: carnets due for anonymisation, people never accompanied to delete (admin)
    path("conservation/", conservation.conservation, name="conservation"),
    path("referentiels/situations/<uuid:uid>/", referentiels.situation_basculer, name="situation_basculer"),
    path("referentiels/objectifs/<uuid:uid>/", referentiels.objectif_basculer, name="objectif_basculer"),
    # Identity conflicts set aside by the CAF/MSA flux (admin)
    path("conflits-identite/", conflits.conflits, name="conflits"),
    path("conflits-identite/<uuid:uid>/", conflits.conflit_decider, name="conflit_decider"),
    # The carnet and the person's identity
    path("<uuid:uid>/", fiche.carnet_detail, name="detail"),
    path("<uuid:uid>/identite/", fiche.beneficiaire_modifier, name="beneficiaire_modifier"),
    # Personal data: keeping the carnet past its due date (référent), the subject-access report (admin)
    path("<uuid:uid>/conservation/", conservation.conservation_justifier, name="conservation_justifier"),
    path("<uuid:uid>/transfert/", transfert.transfert_proposer_vue, name="transfert_proposer"),
    path("<uuid:uid>/rapport-personne.json", conservation.rapport_personne_json, name="rapport_personne_json"),
    path("<uuid:uid>/rapport-personne.pdf", conservation.rapport_personne_pdf, name="rapport_personne_pdf"),
    # Information of the person and opposition to sharing (référent)
    path("<uuid:uid>/partage/", information.partage, name="partage"),
    # Groupe de suivi
    path("<uuid:uid>/groupe/", groupe.groupe, name="groupe"),
    path("<uuid:uid>/groupe/rejoindre/", groupe.adhesion_demander, name="adhesion_demander"),
    path("<uuid:uid>/groupe/demandes/<uuid:demande_uid>/", groupe.adhesion_decider, name="adhesion_decider"),
    path("<uuid:uid>/groupe/membres/<uuid:membre_uid>/retirer/", groupe.membre_retirer, name="membre_retirer"),
    path("<uuid:uid>/groupe/membres/<uuid:membre_uid>/referent/", groupe.referent_designer, name="referent_designer"),
    # Situation (common diagnostic) and professional projects
    path("<uuid:uid>/situation/", situation.situation, name="situation"),
    path(
        "<uuid:uid>/situation/<uuid:situation_uid>/terminer/",
        situation.situation_terminer,
        name="situation_terminer",
    ),
    path("<uuid:uid>/projets/", situation.projet_ajouter, name="projet_ajouter"),
    path("<uuid:uid>/projets/<uuid:projet_uid>/", situation.projet_modifier, name="projet_modifier"),
    # Plan d'action
    path("<uuid:uid>/plan/", plan.plan, name="plan"),
    path("<uuid:uid>/plan/axes/", plan.axe_ajouter, name="axe_ajouter"),
    path("<uuid:uid>/plan/axes/<uuid:axe_uid>/objectifs/", plan.objectif_ajouter, name="objectif_ajouter"),
    path("<uuid:uid>/plan/objectifs/<uuid:objectif_uid>/", plan.objectif_modifier, name="objectif_modifier"),
    path("<uuid:uid>/plan/objectifs/<uuid:objectif_uid>/actions/", plan.action_ajouter, name="action_ajouter"),
    path("<uuid:uid>/plan/actions/<uuid:action_uid>/", plan.action_modifier, name="action_modifier"),
    # Rendez-vous
    path("<uuid:uid>/rendez-vous/", suivi.rendez_vous, name="rendez_vous"),
    path("<uuid:uid>/rendez-vous/<uuid:rdv_uid>/", suivi.rendez_vous_modifier, name="rendez_vous_modifier"),
    # Contrats
    path("<uuid:uid>/contrats/", suivi.contrats, name="contrats"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/", suivi.contrat_detail, name="contrat_detail"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/signer/", suivi.contrat_signer, name="contrat_signer"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/terminer/", suivi.contrat_terminer, name="contrat_terminer"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/renouveler/", suivi.contrat_renouveler, name="contrat_renouveler"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/pdf/", suivi.contrat_pdf, name="contrat_pdf"),
    path("<uuid:uid>/contrats/<uuid:contrat_uid>/heures/", activites.contrat_heures, name="contrat_heures"),
    path(
        "<uuid:uid>/contrats/<uuid:contrat_uid>/heures/<uuid:activite_uid>/supprimer/",
        activites.contrat_activite_supprimer,
        name="contrat_activite_supprimer",
    ),
    # Sorties du parcours
    path("<uuid:uid>/sorties/", cloture.sorties, name="sorties"),
    path("<uuid:uid>/sorties/point-de-suivi/", cloture.point_de_suivi, name="point_de_suivi"),
    path("<uuid:uid>/sorties/bilan.pdf", cloture.bilan_pdf, name="bilan_pdf"),
    path("<uuid:uid>/reouvrir/", cloture.reouvrir, name="reouvrir"),
    # Documents, notes, timeline
    path("<uuid:uid>/documents/", documents.documents, name="documents"),
    path("<uuid:uid>/documents/<uuid:document_uid>/", documents.document_telecharger, name="document_telecharger"),
    path("<uuid:uid>/notes/", documents.notes, name="notes"),
    path("<uuid:uid>/historique/", documents.historique, name="historique"),
    path("<uuid:uid>/acces-exceptionnel/", acces.acces_exceptionnel, name="acces_exceptionnel"),
]
