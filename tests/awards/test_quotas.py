"""Quotas per cluster, award type and year, set by authority staff (R31, R35)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from awards import services
from scoring.models import Quota
from tests.awards.test_review_views import (
    page_of,
    review_url,
    row_of,
    score_cluster,
    set_quotas,
)
from tests.factories import hold_annual_conference

pytestmark = pytest.mark.django_db

DOCUMENT = "Văn bản số 123/UBND-NC ngày 05/12/2025 của UBND tỉnh"


def quotas_url(code: str = "CUM-A", year: int = 2025) -> str:
    return reverse("award_quotas", args=[code, year])


def _form(
    flag: int | str = 0, merit: int | str = 0, labour: int | str = 0, document=DOCUMENT, fresh=True
):
    """The page's POST; `fresh`: with the revisions a page loaded just now carries."""
    data = {"co_thi_dua": flag, "bang_khen": merit, "tap_the_ldxs": labour, "document": document}
    if fresh:
        stored = Quota.objects.values_list("award", "revision")
        data |= {f"{award}_revision": revision for award, revision in stored}
    return data


@pytest.fixture
def scored(world):
    score_cluster(world, world.cluster_a, {"TPBG": "945", "VY": "930", "HH": "920", "LG": "880"})
    return world


def _counts(world, cluster=None) -> dict[str, int]:
    stored = Quota.objects.filter(cluster=cluster or world.cluster_a, year=world.year)
    return dict(stored.values_list("award", "count"))


# --- Who sets quotas ----------------------------------------------------------

QUOTA_ACCESS = {
    "staff": 200,
    "admin": 200,
    "other_staff": 403,
    "head": 403,
    "deputy": 403,
    "member": 403,
    "other_member": 403,
    "other_head": 403,
}


@pytest.mark.parametrize(("who", "status"), QUOTA_ACCESS.items())
def test_quota_page_access(client, scored, who, status):
    client.force_login(getattr(scored, who))
    assert client.get(quotas_url()).status_code == status


@pytest.mark.parametrize("who", [w for w, status in QUOTA_ACCESS.items() if status == 403])
def test_only_staff_of_the_authority_save_quotas(client, scored, who):
    client.force_login(getattr(scored, who))
    assert client.post(quotas_url(), _form(flag=3)).status_code == 403
    assert not Quota.objects.exists()


def test_the_authority_guiding_a_cluster_does_not_set_its_quotas(client, world):
    """Issue 13: "Cơ cấu, số lượng khen thưởng của từng cụm, khối thi đua do Chủ
    tịch UBND tỉnh hướng dẫn, phân bổ" (Phần III.2.1), recorded by Sở Nội vụ."""
    client.force_login(world.other_staff)
    assert client.get(quotas_url("KHOI-B")).status_code == 403
    assert client.post(quotas_url("KHOI-B"), _form(flag=1, merit=1)).status_code == 403
    assert not Quota.objects.filter(cluster=world.cluster_b).exists()
    review = client.get(reverse("award_review", args=["KHOI-B", 2025])).content.decode()
    assert quotas_url("KHOI-B") not in review
    client.force_login(world.staff)
    assert client.post(quotas_url("KHOI-B"), _form(flag=1, merit=1)).status_code == 302
    assert _counts(world, world.cluster_b) == {"co_thi_dua": 1, "bang_khen": 1, "tap_the_ldxs": 0}


def test_anonymous_visitor_is_sent_to_login(client, scored):
    response = client.get(quotas_url())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_service_refuses_a_unit_user(scored):
    with pytest.raises(PermissionDenied):
        services.quota_set(
            cluster=scored.cluster_a,
            year=scored.year,
            award="co_thi_dua",
            count=1,
            document=DOCUMENT,
            user=scored.head,
            revision=None,
        )


# --- Quotas drive the allocation ------------------------------------------------


def test_quotas_set_by_staff_change_the_allocation_on_the_review_page(client, scored):
    page = page_of(client, scored.staff, review_url())
    assert "Cờ thi đua của UBND tỉnh" not in page
    assert "Sở Nội vụ chưa phân bổ chỉ tiêu" in page

    response = client.post(quotas_url(), _form(flag=1))
    assert response.status_code == 302 and response.url == review_url()
    page = client.get(review_url()).content.decode()
    assert "Đã lưu chỉ tiêu khen thưởng." in page
    assert "Chỉ tiêu: Cờ thi đua 1, Bằng khen 0, Tập thể LĐXS 0" in page
    assert "Cờ thi đua của UBND tỉnh" in row_of(page, "TPBG")
    assert "Bằng khen" not in row_of(page, "VY")

    client.post(quotas_url(), _form(flag=1, merit=2))
    page = client.get(review_url()).content.decode()
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_of(page, "VY")
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_of(page, "HH")
    assert "Bằng khen" not in row_of(page, "LG")  # below 900

    client.post(quotas_url(), _form(flag=0, merit=1, labour=1))
    page = client.get(review_url()).content.decode()
    assert "Cờ thi đua" not in row_of(page, "TPBG")
    assert "Bằng khen của Chủ tịch UBND tỉnh" in row_of(page, "TPBG")
    assert "Tập thể Lao động xuất sắc" in row_of(page, "VY")
    assert "Chỉ tiêu: Cờ thi đua 0, Bằng khen 1, Tập thể LĐXS 1" in page


def test_the_form_starts_from_the_stored_quotas(client, scored):
    set_quotas(scored.cluster_a, scored.year, flag=2, merit=3)
    Quota.objects.update(document="Công văn 9/UBND")
    page = page_of(client, scored.staff, quotas_url())
    assert 'name="co_thi_dua" value="2"' in page and 'name="bang_khen" value="3"' in page
    assert 'value="Công văn 9/UBND"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(flag=-1, fresh=False), "Nhập số nguyên không âm."),
        (_form(flag="1.5", fresh=False), "Nhập một số nguyên."),
        (_form(flag="một", fresh=False), "Nhập một số nguyên."),
        (_form(flag=1, document="", fresh=False), "Cần ghi văn bản phân bổ chỉ tiêu."),
        (_form(flag=1000, fresh=False), "Số lượng quá lớn."),
    ],
)
def test_invalid_quotas_are_refused_with_a_vietnamese_message(client, scored, data, message):
    client.force_login(scored.staff)
    response = client.post(quotas_url(), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Quota.objects.exists()


def test_a_quota_of_zero_is_a_quota(client, scored):
    client.force_login(scored.staff)
    client.post(quotas_url(), _form())
    assert _counts(scored) == {"co_thi_dua": 0, "bang_khen": 0, "tap_the_ldxs": 0}
    assert "Sở Nội vụ chưa phân bổ" not in client.get(review_url()).content.decode()


@pytest.mark.parametrize(("count", "document"), [(-1, DOCUMENT), (True, DOCUMENT), (1, "  ")])
def test_service_checks_count_and_document(scored, count, document):
    with pytest.raises(ValidationError):
        services.quota_set(
            cluster=scored.cluster_a,
            year=scored.year,
            award="co_thi_dua",
            count=count,
            document=document,
            user=scored.staff,
            revision=None,
        )


def test_service_refuses_an_unknown_award(scored):
    with pytest.raises(ValidationError, match="Danh hiệu không hợp lệ"):
        services.quotas_set(
            cluster=scored.cluster_a,
            year=scored.year,
            counts={"huan_chuong": 1},
            revisions={},
            document=DOCUMENT,
            user=scored.staff,
        )


def test_quotas_are_locked_once_the_proposal_is_submitted_and_open_after_a_return(scored):
    set_quotas(scored.cluster_a, scored.year, flag=1)
    hold_annual_conference(scored.cluster_a, scored.year)
    proposal = services.proposal_submit(
        cluster=scored.cluster_a, year=scored.year, user=scored.head
    )

    def change():
        services.quota_set(
            cluster=scored.cluster_a,
            year=scored.year,
            award="bang_khen",
            count=2,
            document=DOCUMENT,
            user=scored.staff,
            revision=Quota.objects.get(award="bang_khen").revision,
        )

    with pytest.raises(ValidationError, match="chỉ tiêu và kết quả bỏ phiếu đã khóa"):
        change()
    services.proposal_return(proposal=proposal, reason="Bổ sung biên bản", user=scored.staff)
    change()
    assert _counts(scored)["bang_khen"] == 2


# --- History (R35) ----------------------------------------------------------------


def test_every_quota_change_is_in_the_history_with_who_and_why(client, scored):
    client.force_login(scored.staff)
    client.post(quotas_url(), _form(flag=1))
    client.post(quotas_url(), _form(flag=2, document="Văn bản số 200/UBND-NC"))
    client.post(quotas_url(), _form(flag=2, document="Văn bản số 200/UBND-NC"))  # no change

    flag = Quota.objects.get(award="co_thi_dua")
    history = list(flag.history.order_by("history_date"))
    assert [h.count for h in history] == [1, 2]
    assert all(h.history_user == scored.staff for h in history)
    assert history[0].history_change_reason == (
        f"Đặt chỉ tiêu Cờ thi đua của UBND tỉnh: 1 theo {DOCUMENT}."
    )
    assert history[1].history_change_reason == (
        "Đổi chỉ tiêu Cờ thi đua của UBND tỉnh: 1 → 2 theo Văn bản số 200/UBND-NC."
    )
    assert Quota.history.count() == 3 + 3  # three awards set, then every document changed

    page = client.get(quotas_url()).content.decode()
    assert "Đổi chỉ tiêu Cờ thi đua của UBND tỉnh: 1 → 2" in page
    assert "Nguyễn Thu Hà" in page  # who, by name


# --- Two staff saving at once (#11.8) -------------------------------------------------


def _loaded(client, user) -> dict[str, str]:
    """The hidden revisions of the quota page as `user` loaded it."""
    import re

    page = page_of(client, user, quotas_url())
    return dict(re.findall(r'name="(\w+_revision)" value="(\d*)"', page))


def test_parallel_quota_saves_the_second_is_told_the_current_value(client, scored):
    client.force_login(scored.staff)
    client.post(quotas_url(), _form(flag=1, merit=1))
    first = _loaded(client, scored.staff)
    second = _loaded(client, scored.admin)
    assert (
        first
        == second
        == {
            "co_thi_dua_revision": "1",
            "bang_khen_revision": "1",
            "tap_the_ldxs_revision": "1",
        }
    )
    client.force_login(scored.staff)
    assert client.post(quotas_url(), _form(flag=2, merit=1) | first).status_code == 302
    client.force_login(scored.admin)
    response = client.post(quotas_url(), _form(flag=1, merit=3) | second)
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Chỉ tiêu Cờ thi đua của UBND tỉnh vừa được người khác thay đổi; giá trị hiện tại: 2 "
        f"(theo {DOCUMENT})." in page
    )
    assert _counts(scored) == {"co_thi_dua": 2, "bang_khen": 1, "tap_the_ldxs": 0}
    # The page now carries the current revisions: saving again is a deliberate choice.
    assert 'name="co_thi_dua_revision" value="2"' in page
    assert 'name="co_thi_dua" value="1"' in page  # what the loser typed is kept


def test_a_quota_post_without_revisions_is_refused_over_stored_quotas(client, scored):
    client.force_login(scored.staff)
    client.post(quotas_url(), _form(flag=1))
    response = client.post(quotas_url(), _form(flag=4, fresh=False))
    assert response.status_code == 200
    assert "vừa được người khác thay đổi; giá trị hiện tại: 1" in response.content.decode()
    assert _counts(scored)["co_thi_dua"] == 1


@pytest.mark.parametrize(
    ("flag", "message"),
    [("２", "Chỉ dùng các chữ số 0–9."), ("1.000", "dấu phân cách hàng nghìn")],
)
def test_quotas_take_ascii_digits_without_thousands_separators(client, scored, flag, message):
    client.force_login(scored.staff)
    response = client.post(quotas_url(), _form(flag=flag))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Quota.objects.exists()
