"""The URLconf's views, imported on their first request (#17, emulation.lazy_views)."""

import types

import pytest
from django.urls import resolve

from emulation.lazy_views import LazyViews, url_views


def test_every_view_the_urlconf_names_is_a_function_of_its_module():
    """A misspelt name would otherwise be found on the page's first request."""
    lazy = url_views()
    assert len(lazy) > 150  # the project's own pages (the admin's and Django's are not lazy)
    missing = []
    for view in lazy:
        try:
            found = view.view
        except AttributeError:
            missing.append(f"{view.__module__}.{view.__name__}")
            continue
        assert isinstance(found, types.FunctionType), view
        assert (found.__module__, found.__name__) == (view.__module__, view.__name__)
    assert missing == []


def test_a_misspelt_view_fails_on_its_call_with_its_name():
    view = LazyViews("scoring.views.sheet").no_such_view
    with pytest.raises(AttributeError, match="no_such_view"):
        view(None)


def test_a_request_reaches_the_view_named_as_the_function_itself():
    match = resolve("/cham-diem/2025/")
    assert match._func_path == "scoring.views.sheet.sheet"
    assert match.view_name == "sheet"
    assert match.func.view.__name__ == "sheet"
