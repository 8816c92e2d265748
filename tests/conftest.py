import importlib

import pytest
from django.test import override_settings

from scoring import sheets


@pytest.fixture(scope="session", autouse=True)
def _test_media(tmp_path_factory):
    """Files the tests store (the demo's sample documents among them) go to a
    temporary folder for the whole run, module-wide fixtures' too, never to the
    checkout's media/; `media_root` gives a test a folder of its own."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media):
        yield media


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    """Deterministic, fast test settings (STYLE 11)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # SQLite gives a rolled-back test's ids to the next test's rows: a frozen
    # scorecard's criteria kept in this process must not outlive their test.
    sheets.criteria_cache_clear()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db):
    """Two clusters under two authorities with one user per role.

    The council's framework (Phụ lục 02) is there, as on every server: it comes
    from a data migration, which a transactional test run before on the same
    worker may have flushed.

    cluster_a is guided by Sở Nội vụ, cluster_b by another authority, so
    `other_staff` sees cluster_b only while `staff` (Sở Nội vụ) sees both.
    """
    ensure_framework()
    from types import SimpleNamespace

    from clusters.models import Membership
    from tests.factories import (
        AuthorityFactory,
        ClusterFactory,
        MembershipFactory,
        ProvincialAuthorityFactory,
        UnitFactory,
        UserFactory,
        YearFactory,
    )

    snv = ProvincialAuthorityFactory()
    other_authority = AuthorityFactory(code="SGDDT", name="Sở Giáo dục và Đào tạo")
    year = YearFactory(year=2025)
    cluster_a = ClusterFactory(code="CUM-A", name="Cụm thi đua các huyện", authority=snv)
    cluster_b = ClusterFactory(
        code="KHOI-B", name="Khối các trường", kind="khoi", group="B", authority=other_authority
    )

    def member(cluster, code, name, role=Membership.Role.MEMBER):
        unit = UnitFactory(code=code, name=name)
        MembershipFactory(cluster=cluster, year=year, unit=unit, role=role)
        return unit

    a_head = member(cluster_a, "TPBG", "UBND thành phố Bắc Giang", Membership.Role.HEAD)
    a_deputy = member(cluster_a, "VY", "UBND huyện Việt Yên", Membership.Role.DEPUTY)
    a_member = member(cluster_a, "HH", "UBND huyện Hiệp Hòa")
    a_member2 = member(cluster_a, "LG", "UBND huyện Lạng Giang")
    b_head = member(cluster_b, "NQ", "Trường THPT Ngô Quyền", Membership.Role.HEAD)
    b_member = member(cluster_b, "GH", "Trường THPT Giáp Hải")

    return SimpleNamespace(
        year=year,
        snv=snv,
        other_authority=other_authority,
        cluster_a=cluster_a,
        cluster_b=cluster_b,
        a_head=a_head,
        a_deputy=a_deputy,
        a_member=a_member,
        a_member2=a_member2,
        b_head=b_head,
        b_member=b_member,
        staff=UserFactory(username="sonoivu", authority=snv),
        other_staff=UserFactory(username="sogiaoduc", authority=other_authority),
        head=UserFactory(username="truongcum", unit=a_head),
        deputy=UserFactory(username="phocum", unit=a_deputy),
        member=UserFactory(username="thanhvien", unit=a_member),
        other_member=UserFactory(username="thanhvienkhac", unit=b_member),
        other_head=UserFactory(username="truongkhoi", unit=b_head),
        admin=UserFactory(username="quantri", is_superuser=True, is_staff=True),
    )


def ensure_framework() -> None:
    """Load Phụ lục 02 again when a transactional test has flushed it."""
    from django.apps import apps

    from scoring.models import Framework

    if not Framework.objects.exists():
        importlib.import_module("scoring.migrations.0002_framework_2022").load(apps, None)
        importlib.import_module("scoring.migrations.0008_framework_measured_criteria").mark(
            apps, None
        )
