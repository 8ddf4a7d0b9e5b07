"""The département admin's form of the orientation rules: one form per rule in a formset (order, removal, one
empty form to add a rule). Conditions are typed one per line, `critère : valeur[, valeur]`, and checked against
the recorded criteria (`orientation.criteres.CONDITIONS`)."""

import hashlib
import json

from django import forms

from orientation import criteres


class RegleForm(forms.Form):
    code = forms.SlugField(
        label="Code",
        max_length=40,
        help_text="Court, sans espace ni accent : il est enregistré avec chaque proposition (par exemple « jeune »).",
        error_messages={"invalid": "Le code ne contient que des lettres sans accent, des chiffres, - et _."},
    )
    libelle = forms.CharField(label="Libellé", max_length=200)
    conditions = forms.CharField(
        label="Conditions (une par ligne)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple « age_max : 25 » ou « aspiration : retour_rapide ». Aucune condition : la règle "
        "s'applique à tous (seulement la dernière).",
    )
    parcours = forms.ChoiceField(label="Parcours proposé", choices=criteres.Parcours.choices)
    organisme = forms.ChoiceField(label="Type d'organisme référent", choices=criteres.TypeOrganisme.choices)
    pourquoi = forms.CharField(
        label="Pourquoi (en mots simples)",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Montré au chargé d'orientation avec la proposition.",
    )

    def clean_conditions(self):
        try:
            return criteres.lire_conditions(self.cleaned_data["conditions"])
        except criteres.ReglesInvalides as error:
            raise forms.ValidationError(error.erreurs) from error

    def regle(self):
        data = self.cleaned_data
        return {
            "code": data["code"],
            "libelle": data["libelle"].strip(),
            "si": data["conditions"],
            "parcours": data["parcours"],
            "organisme": data["organisme"],
            "pourquoi": data["pourquoi"].strip(),
        }


class BaseReglesFormSet(forms.BaseFormSet):
    def clean(self):
        if not self.management_form.is_valid() or any(self.errors):
            return
        try:
            criteres.valider_regles(self.regles())
        except criteres.ReglesInvalides as error:
            raise forms.ValidationError(error.erreurs) from error

    def regles(self):
        """The rules in the chosen order, without the removed ones and the empty form."""
        return [form.regle() for form in self.ordered_forms]


ReglesFormSet = forms.formset_factory(
    RegleForm, formset=BaseReglesFormSet, extra=1, can_order=True, can_delete=True, max_num=50, validate_max=True
)


def initial(regles) -> list:
    return [
        {
            "code": regle["code"],
            "libelle": regle["libelle"],
            "conditions": criteres.ecrire_conditions(regle["si"]),
            "parcours": str(regle["parcours"]),
            "organisme": str(regle["organisme"]),
            "pourquoi": regle["pourquoi"],
            "ORDER": position,
        }
        for position, regle in enumerate(regles, start=1)
    ]


def empreinte(regles) -> str:
    """A fingerprint of a rule set: the save must carry the one of the preview the admin saw."""
    texte = json.dumps(criteres.regles_pour_stockage(regles), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(texte.encode()).hexdigest()
