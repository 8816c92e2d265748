from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from emulation.forms import PasswordResetForm
from emulation.lazy_views import LazyViews

views = LazyViews("emulation.views")


class FaviconView(RedirectView):
    """To the static icon, its name looked up when asked (the manifest of
    hashed names exists only after collectstatic)."""

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.ico")


urlpatterns = [
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    # Every user changes their own password, and resets a forgotten one through
    # the e-mail address of their account (Django's views, templates/registration/).
    path("doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "quen-mat-khau/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            subject_template_name="emails/password_reset_subject.txt",
            email_template_name="emails/password_reset.txt",
            html_email_template_name="emails/password_reset.html",
        ),
        name="password_reset",
    ),
    path(
        "quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "dat-lai-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Browsers ask for /favicon.ico by themselves (a PDF shown inline names no icon).
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    # The user's own notifications (#15).
    path("thong-bao/", views.notification_list, name="notifications"),
    path("thong-bao/<int:pk>/", views.notification_open, name="notification_open"),
    path("thong-bao/doc-tat-ca/", views.notification_read_all, name="notifications_read_all"),
    path("quan-tri/", admin.site.urls),
    path("", include("scoring.urls")),
    path("", include("awards.urls")),
    path("", include("clusters.urls")),
]
