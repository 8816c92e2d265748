"""The user's own notifications (#15)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from emulation import notifications
from emulation.models import Notification

PER_PAGE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    found = Notification.objects.filter(recipient=request.user)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("trang"))
    return render(request, "emulation/notifications.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks it read and opens its page; another user's is not found."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.notification_read(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notifications_read_all(user=request.user)
    messages.success(request, f"Đã đánh dấu đã đọc {count} thông báo.")
    return redirect("notifications")
