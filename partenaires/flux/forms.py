from django import forms

from partenaires.flux.lecture import FluxRefuse, verifier_entete
from partenaires.flux.services import TAILLE_MAX


class FluxDepotForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier du flux « bénéficiaires RSA » (XML)",
        help_text="Le fichier mensuel transmis par la CAF ou la MSA, tel quel (XML encodé en windows-1252).",
    )
    rejeu = forms.BooleanField(
        label="Rejouer un fichier plus ancien",
        required=False,
        help_text="À cocher seulement pour importer volontairement un fichier antérieur au dernier fichier importé "
        "du même organisme : les droits des personnes reviendront à ceux de ce fichier. Le rejeu est enregistré.",
    )
    accept = ".xml,application/xml,text/xml"

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > TAILLE_MAX:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale de {TAILLE_MAX // (1024 * 1024)} Mo.")
        try:
            verifier_entete(fichier)
        except FluxRefuse as exc:
            raise forms.ValidationError(str(exc)) from exc
        return fichier
