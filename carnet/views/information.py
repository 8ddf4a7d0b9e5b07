"""Information of the person about the sharing of their carnet, and their opposition (the référent records them).

One page: what was recorded (read by whoever reads the carnet: it says what may be shared), and for the référent
the two forms. Sharing beyond the référent's structure waits for the information (`carnet.perms.refus_de_partage`).
"""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from carnet.decorators import carnet_view
from carnet.models import CanalInformation, InformationPersonne, OppositionPartage
from carnet.navigation import carnet_context
from carnet.perms import can_read_information, can_record_information, opposition_of
from carnet.services.base import RegleMetier
from carnet.services.information import information_record, opposition_record

CANAUX_SAISIS = [(value, label) for value, label in CanalInformation.choices if value != CanalInformation.ANTERIEUR]


class InformationForm(forms.Form):
    informee_le = forms.DateField(
        label="Date de l'information",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date à laquelle la personne a été informée."},
    )
    canal = forms.ChoiceField(label="Canal", choices=CANAUX_SAISIS, widget=forms.RadioSelect)
    version_notice = forms.CharField(
        label="Version de la notice d'information",
        max_length=40,
        help_text="Celle remise ou montrée à la personne, par exemple « 2026-11 ».",
        error_messages={"required": "Indiquez la version de la notice d'information."},
    )


class OppositionForm(forms.Form):
    opposee_le = forms.DateField(
        label="Date de l'opposition",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date à laquelle la personne s'est opposée."},
    )
    motif = forms.CharField(
        label="Motif, tel que la personne l'exprime",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif de l'opposition."},
    )


@carnet_view(can_read_information, write=can_record_information, write_refused="Seul le référent enregistre ceci.")
def partage(request, carnet):
    peut_enregistrer = can_record_information(request.acting, carnet)
    aujourd_hui = {"informee_le": timezone.localdate(), "opposee_le": timezone.localdate()}
    information_form = InformationForm(initial=aujourd_hui, prefix="information")
    opposition_form = OppositionForm(initial=aujourd_hui, prefix="opposition")
    status = 200
    if request.method == "POST":
        quoi = request.POST.get("quoi")
        form = (
            InformationForm(request.POST, prefix="information")
            if quoi == "information"
            else OppositionForm(request.POST, prefix="opposition")
        )
        if form.is_valid():
            try:
                if quoi == "information":
                    information_record(
                        carnet=carnet, auteur=request.user, structure=request.structure, **form.cleaned_data
                    )
                    message = "L'information de la personne est enregistrée."
                else:
                    opposition_record(
                        carnet=carnet, auteur=request.user, structure=request.structure, **form.cleaned_data
                    )
                    message = "L'opposition est enregistrée : seule votre structure garde l'accès au carnet."
            except RegleMetier as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, message)
                return redirect("carnet:partage", uid=carnet.uid)
        status = 400
        if quoi == "information":
            information_form = form
        else:
            opposition_form = form
    return render(
        request,
        "carnet/partage.html",
        carnet_context(
            request,
            carnet,
            informations=InformationPersonne.objects.filter(carnet=carnet).select_related("auteur", "structure"),
            opposition=opposition_of(carnet),
            oppositions=OppositionPartage.objects.filter(carnet=carnet).select_related("auteur", "structure"),
            peut_enregistrer=peut_enregistrer,
            information_form=information_form if peut_enregistrer else None,
            opposition_form=opposition_form if peut_enregistrer and opposition_of(carnet) is None else None,
        ),
        status=status,
    )
