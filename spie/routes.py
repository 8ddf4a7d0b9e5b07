"""`reverse` computed once per process, for the links every page repeats (the menu, a carnet's tabs)."""

import functools

from django.urls import get_script_prefix, reverse


def reverse_once(name, **kwargs):
    """`reverse(name, kwargs=kwargs)` computed once per process (and script prefix), for the links every page
    repeats: the menu's entries, the tabs of a carnet (with a placeholder uid, `carnet.routes`)."""
    return _reverse(name, tuple(sorted(kwargs.items())), get_script_prefix())


@functools.cache
def _reverse(name, kwargs, script_prefix):
    return reverse(name, kwargs=dict(kwargs))
