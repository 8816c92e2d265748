import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
application = get_wsgi_application()

# The server imports every page's code before its first request (#17): the
# URLconf names its views without importing them, for the commands' sake.
from emulation.lazy_views import load_every_view  # noqa: E402 (after Django's set-up)

load_every_view()
