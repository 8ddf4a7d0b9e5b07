from django.urls import path

from orientation.views import administration, decision, entretien, file, reorientation

app_name = "orientation"

urlpatterns = [
    # The queue and the lists of decisions to take
    path("", file.file, name="file"),
    path("a-valider/", file.a_valider, name="a_valider"),
    path("reorientations/", reorientation.reorientations, name="reorientations"),
    # A person of the queue (addressed by their carnet)
    path("personnes/<uuid:uid>/prendre/", file.dossier_ouvrir, name="dossier_ouvrir"),
    path("personnes/<uuid:uid>/synthese/", decision.synthese_telecharger, name="synthese"),
    path("personnes/<uuid:uid>/reorientation/", reorientation.reorientation_demander, name="reorientation_demander"),
    # The dossier
    path("dossiers/<uuid:uid>/", file.dossier, name="dossier"),
    path("dossiers/<uuid:uid>/prendre/", file.dossier_prendre, name="dossier_prendre"),
    path("dossiers/<uuid:uid>/attribuer/", file.dossier_attribuer, name="dossier_attribuer"),
    path("dossiers/<uuid:uid>/reception/", file.dossier_reception, name="dossier_reception"),
    path("dossiers/<uuid:uid>/convocation/", entretien.convoquer, name="convoquer"),
    path("dossiers/<uuid:uid>/diagnostic/", entretien.diagnostic_commencer, name="diagnostic_commencer"),
    path("dossiers/<uuid:uid>/proposition/", decision.proposer, name="proposer"),
    # Convocations
    path("convocations/<uuid:uid>/presence/", entretien.presence, name="presence"),
    path("convocations/<uuid:uid>/courrier/", entretien.convocation_telecharger, name="convocation_pdf"),
    # Diagnostics
    path("diagnostics/<uuid:uid>/", entretien.diagnostic, name="diagnostic"),
    path("diagnostics/<uuid:uid>/etapes/<slug:etape>/", entretien.diagnostic_etape, name="diagnostic_etape"),
    # Orientations (proposals and decisions)
    path("orientations/<uuid:uid>/", decision.orientation, name="orientation"),
    path("orientations/<uuid:uid>/valider/", decision.valider, name="valider"),
    path("orientations/<uuid:uid>/renvoyer/", decision.renvoyer, name="renvoyer"),
    path("orientations/<uuid:uid>/courrier/", decision.decision_telecharger, name="decision_pdf"),
    path("orientations/<uuid:uid>/referent/", decision.designer_referent, name="designer_referent"),
    # Réorientation requests
    path("reorientations/<uuid:uid>/", reorientation.reorientation, name="reorientation"),
    # Administration of the département
    path("administration/dispositifs/", administration.dispositifs, name="dispositifs"),
    path("administration/dispositifs/nouveau/", administration.dispositif_creer, name="dispositif_creer"),
    path("administration/dispositifs/<uuid:uid>/", administration.dispositif_modifier, name="dispositif"),
    path("administration/secteurs/", administration.secteurs, name="secteurs"),
    path("administration/regles/", administration.regles, name="regles"),
    path("administration/regles/versions/<uuid:uid>/", administration.regles_version, name="regles_version"),
    path("administration/secteurs/<uuid:uid>/supprimer/", administration.secteur_supprimer, name="secteur_supprimer"),
]
