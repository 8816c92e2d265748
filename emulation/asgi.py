import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emulation.settings")
application = get_asgi_application()

# As emulation.wsgi: every page's code imported before the first request (#17).
from emulation.lazy_views import load_every_view  # noqa: E402 (after Django's set-up)

load_every_view()
