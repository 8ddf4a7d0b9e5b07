"""The département admin's pages: orientation programmes (dispositifs) and the chargés' sectors."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from orientation.forms import DispositifForm, SecteurForm
from orientation.models import Dispositif, Secteur
from orientation.perms import can_administer_orientation
from spie.audit import log_access
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
