from django import forms
from django.utils import timezone

from partenaires.models import JetonApi, Scope
from spie.models import Structure


class JetonForm(forms.ModelForm):
    structure = forms.ModelChoiceField(label="Structure partenaire", queryset=None)
    scopes = forms.MultipleChoiceField(
        label="Droits du jeton", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expire_le = forms.DateField(
        label="Date d'expiration",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Laissez vide pour un jeton sans expiration (déconseillé).",
    )

    class Meta:
        model = JetonApi
        fields = ["nom", "structure", "scopes", "expire_le"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = Structure.objects.filter(actif=True)

    def clean_expire_le(self):
        day = self.cleaned_data.get("expire_le")
        if day and day <= timezone.localdate():
            raise forms.ValidationError("La date d'expiration doit être dans le futur.")
        return day
