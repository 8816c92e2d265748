"""Views imported on the first request for one of them (#17).

`manage.py check`, and every command that runs Django's system checks, walks
the URLconf; the view modules behind it, with the services, forms and
documents they import, were a sixth of start-up. A URLconf names its views as
before (`sheet.sheet_row`), from `LazyViews("scoring.views.sheet")` instead of
the module itself: the module is imported when one of its pages is first
asked for. tests/emulation/test_lazy_views.py checks that every view a
URLconf names exists.
"""

from functools import cached_property
from importlib import import_module


class LazyViews:
    """A module of views as a URLconf names them: `module.view` is a LazyView."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> "LazyView":
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyView(self._module, name)


class LazyView:
    """A view function by its module and name: the module is imported on the
    first call. Named as the function is (`__module__`, `__name__`), so
    Django's ResolverMatch and error pages show the view itself."""

    def __init__(self, module: str, name: str) -> None:
        self.__module__ = module
        self.__name__ = self.__qualname__ = name

    def __call__(self, request, *args, **kwargs):
        return self.view(request, *args, **kwargs)

    @cached_property
    def view(self):
        return getattr(import_module(self.__module__), self.__name__)

    def __repr__(self) -> str:
        return f"<LazyView {self.__module__}.{self.__name__}>"


def url_views() -> list[LazyView]:
    """Every view the URLconf names lazily."""
    from django.urls import URLResolver, get_resolver

    def callbacks(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from callbacks(pattern.url_patterns)
            else:
                yield pattern.callback

    return [view for view in callbacks(get_resolver().url_patterns) if isinstance(view, LazyView)]


def load_every_view() -> None:
    """Import every view module the URLconf names, as a web server does once at
    start-up so that no page's first request pays for it (emulation.wsgi)."""
    for view in url_views():
        view.view  # noqa: B018 (imports its module)
