"""The ways into the person's space: FranceConnect then a code, or a one-time link then a code.

These pages are public (the person is not logged in yet); each request enters the département scope of the
bénéficiaire it concerns only after the cross-tenant lookup of `usager.connexion`.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from spie.audit import log_access
from spie.models import Action, Canal
from spie.tenancy import departement_scope
from usager import ratelimit, services
from usager.connexion import PIVOT_SESSION_KEY, beneficiaires_correspondants, lien_par_jeton
from usager.models import DemandeLiaison, ModeLiaison
from usager.session import SESSION_KEY, fermer_session, ouvrir_session

LIAISON_SESSION_KEY = "usager_liaison"
MESSAGE_INTROUVABLE = (
    "Nous ne trouvons pas votre dossier avec votre identité FranceConnect. Vous ne pouvez pas encore ouvrir "
    "votre espace. Contactez votre référent ou le service insertion de votre Département : ils vérifieront "
    "votre nom, vos prénoms, votre date et votre lieu de naissance."
)
MESSAGE_AMBIGU = (
    "Plusieurs dossiers correspondent à votre identité. Pour votre sécurité, vous ne pouvez pas ouvrir votre "
    "espace ainsi. Contactez votre référent ou le service insertion de votre Département."
)


@require_http_methods(["GET"])
def connexion(request):
    if request.session.get(SESSION_KEY) and not request.user.is_authenticated:
        return redirect("usager:accueil")
    from django.conf import settings

    return render(request, "usager/connexion.html", {"franceconnect": bool(settings.FRANCECONNECT_SERVER_URL)})


def _unique_beneficiaire(request):
    pivot = request.session.get(PIVOT_SESSION_KEY)
    if not pivot:
        return None, None, "absent"
    found = beneficiaires_correspondants(pivot)
    if len(found) != 1:
        return pivot, None, "aucun" if not found else "plusieurs"
    return pivot, found[0], "trouve"


@require_http_methods(["GET", "POST"])
def liaison(request):
    """After FranceConnect, first time: match the pivot, then send a code to the recorded contact."""
    pivot, beneficiaire, etat = _unique_beneficiaire(request)
    if etat == "absent":
        return redirect("usager:connexion")
    if beneficiaire is None:
        message = MESSAGE_INTROUVABLE if etat == "aucun" else MESSAGE_AMBIGU
        return render(request, "usager/refus.html", {"message": message}, status=403)
    with departement_scope(beneficiaire.departement_id):
        if request.method == "POST":
            if not ratelimit.autorise(request, "connexion", pivot["sub"]):
                return render(request, "usager/refus.html", {"message": ratelimit.MESSAGE}, status=429)
            try:
                demande = services.liaison_demander(
                    beneficiaire=beneficiaire, mode=ModeLiaison.FRANCECONNECT, franceconnect_sub=pivot["sub"]
                )
            except services.LiaisonRefusee as refus:
                return render(request, "usager/refus.html", {"message": str(refus)}, status=403)
            request.session[LIAISON_SESSION_KEY] = {"demande": str(demande.uid), "departement": demande.departement_id}
            return redirect("usager:code")
        canal, destination = services.contact_masque(beneficiaire)
        if canal is None:
            return render(request, "usager/refus.html", {"message": services.MESSAGE_SANS_CONTACT}, status=403)
        if services.est_verrouille(beneficiaire):
            return render(request, "usager/refus.html", {"message": services.MESSAGE_VERROU}, status=403)
        return render(request, "usager/liaison.html", {"canal": canal, "destination": destination})


@require_http_methods(["GET", "POST"])
def code(request):
    data = request.session.get(LIAISON_SESSION_KEY)
    if not data:
        return redirect("usager:connexion")
    with departement_scope(data["departement"]):
        demande = DemandeLiaison.objects.select_related("beneficiaire").filter(uid=data["demande"]).first()
        if demande is None:
            return redirect("usager:connexion")
        erreur = None
        if request.method == "POST":
            if not ratelimit.autorise(request, "code", data["demande"]):
                erreur = ratelimit.MESSAGE
            else:
                # No inner atomic block: a wrong code's count must be committed with the refusal.
                try:
                    compte = services.liaison_confirmer(demande=demande, code=request.POST.get("code", ""))
                except services.LiaisonRefusee as refus:
                    erreur = str(refus)
                else:
                    request.session.pop(LIAISON_SESSION_KEY, None)
                    request.session.pop(PIVOT_SESSION_KEY, None)
                    ouvrir_session(request, compte)
                    log_access(
                        action=Action.CONNEXION,
                        obj=compte.beneficiaire,
                        departement=compte.departement,
                        canal=Canal.USAGER,
                        details={"mode": demande.mode},
                    )
                    messages.success(request, "C'est fait : votre espace est ouvert.")
                    return redirect("usager:accueil")
        canal = demande.get_canal_display().lower()
        return render(
            request,
            "usager/code.html",
            {"erreur": erreur, "canal": canal, "verrouille": demande.verrouillee_le is not None},
            status=400 if erreur else 200,
        )


@require_http_methods(["GET", "POST"])
def lien(request, token):
    """The one-time link: a GET shows a button (mail scanners open links), the POST uses it and sends a code."""
    acces = lien_par_jeton(token)
    if acces is None:
        return render(request, "usager/refus.html", {"message": "Ce lien n'existe pas. Vérifiez le message reçu."})
    with departement_scope(acces.departement_id):
        from django.utils import timezone

        if acces.utilise_le is not None or acces.expires_at <= timezone.now():
            return render(
                request,
                "usager/refus.html",
                {"message": "Ce lien a déjà servi ou n'est plus valable. Demandez un nouveau lien à votre référent."},
            )
        if request.method == "POST":
            if not ratelimit.autorise(request, "lien"):
                return render(request, "usager/refus.html", {"message": ratelimit.MESSAGE}, status=429)
            if not services.lien_consommer(lien=acces):
                return render(request, "usager/refus.html", {"message": "Ce lien a déjà servi."})
            try:
                demande = services.liaison_demander(beneficiaire=acces.beneficiaire, mode=ModeLiaison.LIEN)
            except services.LiaisonRefusee as refus:
                return render(request, "usager/refus.html", {"message": str(refus)}, status=403)
            if request.user.is_authenticated:
                from django.contrib.auth import logout

                logout(request)
            request.session[LIAISON_SESSION_KEY] = {"demande": str(demande.uid), "departement": demande.departement_id}
            return redirect("usager:code")
        canal, destination = services.contact_masque(acces.beneficiaire)
        return render(request, "usager/lien.html", {"canal": canal, "destination": destination})


@require_POST
def deconnexion(request):
    fermer_session(request)
    messages.info(request, "Vous êtes déconnecté(e). À bientôt.")
    return redirect("usager:connexion")
