"""The notification list behind the bell."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spie.models import Notification


@login_required
def notifications(request):
    queryset = Notification.objects.filter(user=request.user)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "spie/notifications.html", {"page": page})


@login_required
@require_POST
def notification_lire(request, uid):
    """Mark as read, then follow the notification's link (same site only)."""
    notification = get_object_or_404(Notification.objects.filter(user=request.user), uid=uid)
    Notification.objects.filter(pk=notification.pk, lue_le=None).update(lue_le=timezone.now())
    if notification.lien and url_has_allowed_host_and_scheme(notification.lien, allowed_hosts=None):
        return redirect(notification.lien)
    return redirect("spie:notifications")


@login_required
@require_POST
def notifications_tout_lire(request):
    Notification.objects.filter(user=request.user, lue_le=None).update(lue_le=timezone.now())
    return redirect("spie:notifications")
