"""The diagnostic's referentials as data: each département admin adds its own situations and objectives."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from carnet.models import ObjectifReference, Situation, Theme
from spie.audit import log_access
from spie.decorators import require_perm
from spie.models import Action
from spie.perms import can_administer_departement


class ReferentielForm(forms.Form):
    KINDS = [("situation", "Situation (diagnostic)"), ("objectif", "Objectif (plan d'action)")]
    type = forms.ChoiceField(label="Type", choices=KINDS, widget=forms.RadioSelect, initial="situation")
    theme = forms.ModelChoiceField(label="Thème", queryset=None)
    libelle = forms.CharField(label="Libellé", max_length=200)

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.departement = departement
        self.fields["theme"].queryset = Theme.objects.all()

    def clean(self):
        cleaned = super().clean()
        model = Situation if cleaned.get("type") == "situation" else ObjectifReference
        libelle = (cleaned.get("libelle") or "").strip()
        if cleaned.get("theme") and libelle:
            exists = model.objects.filter(
                Q(departement=None) | Q(departement=self.departement), theme=cleaned["theme"], libelle__iexact=libelle
            ).exists()
            if exists:
                raise forms.ValidationError("Ce libellé existe déjà pour ce thème.")
        cleaned["libelle"] = libelle
        cleaned["model"] = model
        return cleaned


def _local(model):
    """The acting département's own rows (national rows are not the département's to change)."""

    def queryset_factory():
        from spie.tenancy import current_scope

        return model.objects.filter(departement_id=current_scope())

    return queryset_factory


@require_perm(can_administer_departement)
def referentiels(request):
    departement = request.departement
    form = ReferentielForm(request.POST or None, departement=departement)
    if request.method == "POST" and form.is_valid():
        model = form.cleaned_data["model"]
        row = model.objects.create(
            theme=form.cleaned_data["theme"], libelle=form.cleaned_data["libelle"], departement=departement
        )
        log_access(request=request, action=Action.CREATION, obj=row, departement=departement)
        messages.success(request, f"« {row.libelle} » est ajouté au référentiel du département.")
        return redirect("carnet:referentiels")
    themes = Theme.objects.prefetch_related(None).order_by("ordre")
    situations = Situation.objects.filter(Q(departement=None) | Q(departement=departement)).select_related("theme")
    objectifs = ObjectifReference.objects.filter(Q(departement=None) | Q(departement=departement)).select_related(
        "theme"
    )
    by_theme = {theme.pk: {"theme": theme, "situations": [], "objectifs": []} for theme in themes}
    for situation in situations:
        by_theme[situation.theme_id]["situations"].append(situation)
    for objectif in objectifs:
        by_theme[objectif.theme_id]["objectifs"].append(objectif)
    return render(request, "carnet/referentiels.html", {"form": form, "themes": by_theme.values()})


def _toggle(request, row):
    row.actif = not row.actif
    row.save(update_fields=["actif"])
    log_access(request=request, action=Action.REACTIVATION if row.actif else Action.DESACTIVATION, obj=row)
    messages.success(request, f"« {row.libelle} » est {'réactivé' if row.actif else 'désactivé'}.")
    return redirect("carnet:referentiels")


@require_perm(can_administer_departement, model=_local(Situation))
@require_POST
def situation_basculer(request, situation):
    return _toggle(request, situation)


@require_perm(can_administer_departement, model=_local(ObjectifReference))
@require_POST
def objectif_basculer(request, objectif):
    return _toggle(request, objectif)
