from django import forms

from partenaires.flux.lecture import FluxRefuse, verifier_entete
from partenaires.flux.services import TAILLE_MAX


class FluxDepotForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier du flux « bénéficiaires RSA » (XML)",
        help_text="Le fichier mensuel transmis par la CAF ou la MSA, tel quel (XML encodé en windows-1252).",
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
