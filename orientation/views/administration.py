"""The département admin's pages: orientation programmes (dispositifs), the chargés' sectors, the orientation
rules (versions, preview)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from carnet.services import RegleMetier
from orientation import criteres, forms_regles, services
from orientation.forms import DispositifForm, SecteurForm
from orientation.forms_regles import ReglesFormSet
from orientation.models import Dispositif, JeuRegles, Secteur
from orientation.perms import can_administer_orientation
from spie.audit import log_access, log_list_view
from spie.decorators import require_perm
from spie.forms import VersionedFormMixin
from spie.models import Action
from spie.versioning import VersionConflict, save_versioned

admin_required = require_perm(can_administer_orientation)


@admin_required
@require_GET
def dispositifs(request):
    liste = Dispositif.objects.order_by("type_orientation", "nom")
    return render(request, "orientation/admin/dispositifs.html", {"dispositifs": liste})


@admin_required
def dispositif_creer(request):
    return _dispositif_form(request, Dispositif(departement=request.departement))


@require_perm(can_administer_orientation, model=Dispositif)
def dispositif_modifier(request, dispositif):
    return _dispositif_form(request, dispositif)


def _dispositif_form(request, dispositif):
    form = DispositifForm(request.POST or None, instance=dispositif)
    if request.method == "POST" and form.is_valid():
        creation = dispositif.pk is None
        if creation:
            form.save()
        else:
            fields = ["nom", "type_orientation", "description", "actif"]
            try:
                save_versioned(form.instance, version=form.cleaned_data["version"], fields=fields)
            except VersionConflict:
                form.add_error(None, VersionedFormMixin.conflict_message)
        if not form.errors:
            log_access(
                request=request,
                action=Action.CREATION if creation else Action.MODIFICATION,
                obj=form.instance,
                details={"champs": sorted(n for n in form.changed_data if n != "version")},
            )
            messages.success(request, f"Le dispositif « {form.instance.nom} » est enregistré.")
            return redirect("orientation:dispositifs")
    return render(request, "orientation/admin/dispositif_form.html", {"form": form, "dispositif": dispositif})


@admin_required
def secteurs(request):
    form = SecteurForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        secteur = Secteur.objects.create(
            departement=request.departement, user=form.cleaned_data["user"], territoire=form.cleaned_data["territoire"]
        )
        log_access(request=request, action=Action.CREATION, obj=secteur)
        messages.success(request, f"{secteur.territoire.nom} est ajouté au secteur de {secteur.user.get_full_name()}.")
        return redirect("orientation:secteurs")
    liste = Secteur.objects.select_related("user", "territoire").order_by(
        "user__last_name", "user__first_name", "territoire__nom"
    )
    return render(request, "orientation/admin/secteurs.html", {"form": form, "secteurs": liste})


@require_perm(can_administer_orientation, model=Secteur)
@require_POST
def secteur_supprimer(request, secteur):
    log_access(request=request, action=Action.SUPPRESSION, obj=secteur)
    secteur.delete()
    messages.success(request, "Le territoire est retiré du secteur.")
    return redirect("orientation:secteurs")


# --- The département's orientation rules ------------------------------------------------------------------


@admin_required
def regles(request):
    """Edit the ordered rules: "Prévisualiser" shows how last month's interviews would be oriented; "Enregistrer"
    saves the previewed rules as a new version (a save whose rules differ from the preview shows the preview
    again, so that nothing is saved unseen)."""
    actif = services.regles_actives(request.departement.pk)
    courantes = actif.regles if actif else criteres.REGLES_PAR_DEFAUT
    base = actif.numero if actif else 0
    apercu, empreinte, formset = None, "", None
    if request.method == "POST":
        formset = ReglesFormSet(request.POST, prefix="regles")
        base = _entier(request.POST.get("base"))
        if formset.is_valid():
            edite = formset.regles()
            empreinte = forms_regles.empreinte(edite)
            enregistrer = request.POST.get("action") == "enregistrer"
            if enregistrer and request.POST.get("empreinte") == empreinte:
                try:
                    jeu = services.regles_enregistrer(
                        departement=request.departement, regles=edite, base_numero=base, auteur=request.user
                    )
                except RegleMetier as error:
                    # Another version was saved meanwhile: the edits stay, previewed against that version.
                    messages.error(request, str(error))
                    base = actif.numero if actif else 0
                else:
                    log_access(request=request, action=Action.CREATION, obj=jeu, details={"regles": len(jeu.regles)})
                    messages.success(
                        request,
                        f"Les règles sont enregistrées : version {jeu.numero}, appliquée dès "
                        "maintenant aux propositions.",
                    )
                    return redirect("orientation:regles")
            elif enregistrer:
                messages.warning(
                    request, "Les règles ont changé depuis l'aperçu : vérifiez l'aperçu ci-dessous, puis enregistrez."
                )
            apercu = services.regles_apercu(departement=request.departement, regles=edite)
            log_list_view(
                request, page="orientation_regles_apercu", uids=[cas.diagnostic.carnet.uid for cas in apercu.changes]
            )
    if formset is None:
        formset = ReglesFormSet(prefix="regles", initial=forms_regles.initial(courantes))
    versions = JeuRegles.objects.select_related("auteur").order_by("-numero")
    context = {
        "formset": formset,
        "actif": actif,
        "base": base,
        "apercu": apercu,
        "empreinte": empreinte,
        "versions": versions,
        "conditions": [
            (nom, libelle, sorte, [code for code, _ in choix] if choix else [])
            for nom, (libelle, sorte, choix) in criteres.CONDITIONS.items()
        ],
    }
    return render(request, "orientation/admin/regles.html", context)


@require_perm(can_administer_orientation, model=JeuRegles)
@require_GET
def regles_version(request, jeu):
    regles_lues = [
        {
            **regle,
            "conditions": criteres.ecrire_conditions(regle["si"]),
            "parcours_libelle": criteres.Parcours(regle["parcours"]).label,
            "organisme_libelle": criteres.TypeOrganisme(regle["organisme"]).label,
        }
        for regle in jeu.regles
    ]
    return render(request, "orientation/admin/regles_version.html", {"jeu": jeu, "regles": regles_lues})


def _entier(valeur):
    try:
        return int(valeur)
    except (TypeError, ValueError):
        return -1
