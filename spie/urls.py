from django.contrib import admin
from django.urls import include, path

from spie.views import administration, general, notifications

spie_patterns = [
    path("", general.accueil, name="accueil"),
    path("sante/", general.sante, name="sante"),
    path("structure-active/", general.changer_structure, name="changer_structure"),
    path("invitation/<str:token>/", general.invitation_accepter, name="invitation_accepter"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/tout-lire/", notifications.notifications_tout_lire, name="notifications_tout_lire"),
    path("notifications/<uuid:uid>/lire/", notifications.notification_lire, name="notification_lire"),
    path("departement/", administration.tableau_de_bord, name="admin_tableau_de_bord"),
    path("departement/parametres/", administration.parametres, name="admin_parametres"),
    path("departement/territoires/", administration.territoires, name="admin_territoires"),
    path("departement/territoires/nouveau/", administration.territoire_creer, name="admin_territoire_creer"),
    path("departement/territoires/<uuid:uid>/", administration.territoire_editer, name="admin_territoire"),
    path(
        "departement/territoires/<uuid:uid>/supprimer/",
        administration.territoire_supprimer,
        name="admin_territoire_supprimer",
    ),
    path("departement/structures/", administration.structures, name="admin_structures"),
    path("departement/structures/nouvelle/", administration.structure_creer, name="admin_structure_creer"),
    path("departement/structures/<uuid:uid>/", administration.structure_editer, name="admin_structure"),
    path("departement/utilisateurs/", administration.utilisateurs, name="admin_utilisateurs"),
    path("departement/utilisateurs/<uuid:uid>/", administration.utilisateur_detail, name="admin_utilisateur"),
    path(
        "departement/utilisateurs/<uuid:uid>/desactiver/",
        administration.utilisateur_desactiver,
        name="admin_utilisateur_desactiver",
    ),
    path(
        "departement/rattachements/<uuid:uid>/desactiver/",
        administration.rattachement_desactiver,
        name="admin_rattachement_desactiver",
    ),
    path("departement/invitations/", administration.invitations, name="admin_invitations"),
    path(
        "departement/invitations/<uuid:uid>/renvoyer/",
        administration.invitation_renvoyer,
        name="admin_invitation_renvoyer",
    ),
    path(
        "departement/invitations/<uuid:uid>/annuler/",
        administration.invitation_annuler,
        name="admin_invitation_annuler",
    ),
    path("departement/journal/", administration.journal, name="admin_journal"),
]

urlpatterns = [
    path("", include((spie_patterns, "spie"))),
    path("carnets/", include("carnet.urls")),
    path("offre/", include("offre.urls")),
    path("orientation/", include("orientation.urls")),
    path("api/v1/", include("partenaires.api.urls")),
    path("partenaires/", include("partenaires.urls")),
    path("suivi/", include("suivi.urls")),
    path("evaluation/", include("suivi.urls_public")),
    path("mon-espace/", include("usager.urls")),
    path("sanctions/", include("sanctions.urls")),
    path("comptes/", include("allauth.urls")),
    path("admin-nationale/", admin.site.urls),
]

# A database or Redis outage answers a clean 503 page (spie/resilience.py), other errors the usual 500.
handler500 = "spie.resilience.server_error"
# Under /api/ a 404 is a problem+json body like every other API error (partenaires/api/errors.py).
handler404 = "partenaires.api.errors.not_found"
