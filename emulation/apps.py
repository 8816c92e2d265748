import gc

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils import translation

from emulation.postgres import use_compiled_timestamps
from emulation.workbooks import defer_tablib_formats

# Django names the permissions it creates in English ("Can add người dùng");
# the admin shows them to administrators, so they are named in Vietnamese (#15).
PERMISSION_VERBS = {"add": "Thêm", "change": "Sửa", "delete": "Xóa", "view": "Xem"}


def name_permissions_in_vietnamese(sender: AppConfig, using: str = "default", **kwargs) -> None:
    from django.contrib.auth.models import Permission

    with translation.override("vi"):
        for permission in (
            Permission.objects.using(using)
            .filter(content_type__app_label=sender.label)
            .select_related("content_type")
        ):
            model = permission.content_type.model_class()
            action = permission.codename.partition("_")[0]
            if model is None or permission.codename != f"{action}_{model._meta.model_name}":
                continue
            verb = PERMISSION_VERBS.get(action)
            name = f"{verb} {model._meta.verbose_name}"[:255] if verb else permission.name
            if permission.name != name:
                permission.name = name
                permission.save(update_fields=["name"])


def stamp_last_login(sender, user, **kwargs) -> None:
    """Django's update_last_login saves the user, which writes a history row on
    every login; the account's history is for what people changed (#14)."""
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)


# Before any app is ready: django.contrib.admin's ready() loads the admin
# modules, and django-import-export's then asks tablib for its formats (#17).
defer_tablib_formats()


class EmulationConfig(AppConfig):
    default = True  # this module also holds AxesConfig
    name = "emulation"
    verbose_name = "Người dùng"

    def ready(self) -> None:
        # After django.contrib.auth's own handler, which creates the permissions.
        post_migrate.connect(name_permissions_in_vietnamese, dispatch_uid="vietnamese_permissions")
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(stamp_last_login, dispatch_uid="stamp_last_login")
        use_compiled_timestamps()
        collect_again_after_start_up()


def collect_again_after_start_up() -> None:
    """manage.py loads the apps with the cyclic collector off (#17). Every
    app's models and admin are loaded by now (the apps after this one only
    connect signals): what start-up made is kept out of later collections
    (gc.freeze) and the collector works again for the command itself."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class AxesConfig(AxesAppConfig):
    """django-axes (login throttling) under a Vietnamese name in the admin."""

    default = False
    verbose_name = "Chống dò mật khẩu đăng nhập"
