from django.apps import AppConfig

from emulation.workbooks import defer_tablib_formats

# Before any app is ready: django.contrib.admin's ready() loads the admin
# modules, and django-import-export's then asks tablib for its formats (#17).
defer_tablib_formats()


class EmulationConfig(AppConfig):
    name = "emulation"
    verbose_name = "Người dùng"
