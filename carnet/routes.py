"""Addresses of a carnet's pages, without the permission and menu machinery (`Carnet.get_absolute_url` uses it)."""

from spie.routes import reverse_once

_UID_MARK = "00000000-0000-0000-0000-000000000000"


def carnet_url(name, uid):
    """`reverse(name, kwargs={"uid": uid})` for the routes of a carnet, each reversed once (per script prefix)
    and the uid filled in: every carnet page shows eleven tabs, and lists link dozens of carnets."""
    return reverse_once(name, uid=_UID_MARK).replace(_UID_MARK, str(uid))
