"""Writing the access log: every read of a person's data and every change of accounts goes here."""

from spie.models import AccessLog, Canal


def _object_type(obj):
    return obj._meta.label_lower


def log_access(
    *,
    action,
    obj=None,
    request=None,
    user=None,
    departement=None,
    structure=None,
    canal=None,
    object_type=None,
    details=None,
    api_token_id=None,
):
    """Append one row to the access log.

    With a request, the user, département and acting structure come from it; `obj` gives the
    object type and uid. `details` must never contain personal data (field names, counts only).
    """
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        departement = departement or getattr(request, "departement", None)
        structure = structure or getattr(request, "structure", None)
        if canal is None:
            canal = Canal.ADMIN if request.path.startswith("/admin-nationale/") else Canal.WEB
    if departement is None and obj is not None:
        departement_id = getattr(obj, "departement_id", None)
    else:
        departement_id = departement.pk if departement is not None else None
    return AccessLog.objects.create(
        user=user,
        departement_id=departement_id,
        structure=structure,
        api_token_id=api_token_id,
        action=action,
        canal=canal or Canal.COMMANDE,
        object_type=object_type or (_object_type(obj) if obj is not None else ""),
        object_uid=getattr(obj, "uid", None),
        details=details or {},
    )


def log_access_many(*, action, objects, departement, structure=None, canal, api_token_id=None, details=None):
    """`log_access` for every object of a list page, in one INSERT: one row per object, so that the log of
    a person's file shows the page that revealed it, and the query count of a list does not grow with it."""
    rows = [
        AccessLog(
            user=None,
            departement_id=departement.pk,
            structure=structure,
            api_token_id=api_token_id,
            action=action,
            canal=canal,
            object_type=_object_type(obj),
            object_uid=obj.uid,
            details=details or {},
        )
        for obj in objects
    ]
    return AccessLog.objects.bulk_create(rows) if rows else []
