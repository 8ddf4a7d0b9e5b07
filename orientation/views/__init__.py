"""Pages of the orientation app. Helpers shared by its views live here."""

from django.contrib import messages
from django.shortcuts import redirect

from spie.audit import log_access
from spie.models import Action


def log_read(request, carnet, page):
    """Reading a person's orientation data is a read of their file: it goes to the access log."""
    log_access(request=request, action=Action.CONSULTATION, obj=carnet, details={"page": page})


def log_download(request, carnet, document, obj):
    log_access(
        request=request,
        action=Action.TELECHARGEMENT,
        obj=carnet,
        details={"document": document, "uid": str(obj.uid)},
    )


def refused(request, error, to, **kwargs):
    messages.error(request, str(error))
    return redirect(to, **kwargs)
