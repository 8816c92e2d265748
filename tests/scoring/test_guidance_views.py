"""The guidances' pages (#16): everyone signed in reads them; only Sở Nội vụ
copies, edits (every check of R36–R40, in Vietnamese) and applies them."""

from io import BytesIO

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from openpyxl import load_workbook

from scoring.guidance_forms import GuidanceForm
from scoring.guidances import (
    default_guidance,
    guidance_apply,
    guidance_copy,
    regulation_of,
    stored_regulation,
)
from scoring.models import Flag, Guidance, GuidanceYear, Scorecard
from scoring.regulation import DEFAULT
from tests.factories import YearFactory

pytestmark = pytest.mark.django_db

READERS = ("staff", "other_staff", "head", "member")


@pytest.fixture
def draft(world):
    return guidance_copy(guidance=default_guidance(), user=world.staff)


def _form(guidance: Guidance, **changes) -> dict:
    initial = GuidanceForm.initial_of(guidance, regulation_of(guidance))
    data = {k: v for k, v in initial.items() if v is not None}
    data = {k: ("" if v is None else v) for k, v in (data | changes).items()}
    for key in ("added_ratio", "threshold", "exceed_points_per_percent", "exceed_cap"):
        data[key] = str(data.get(key, "")).replace(".", ",")
    data["exceed_criterion_cap_share"] = str(data["exceed_criterion_cap_share"]).replace(".", ",")
    if data.get("document_date") == "":
        data.pop("document_date")
    if not data.get("exceed_enabled"):
        data.pop("exceed_enabled", None)
    return data


@pytest.mark.parametrize("who", READERS)
def test_everyone_signed_in_reads_the_list_and_a_guidance(client, world, who):
    guidance = default_guidance()
    client.force_login(getattr(world, who))

    listed = client.get(reverse("guidance_list"))
    shown = client.get(reverse("guidance_detail", args=[guidance.pk]))

    assert listed.status_code == shown.status_code == 200
    page = shown.content.decode()
    assert "Cờ thi đua của UBND tỉnh" in page
    assert "Thực hiện nhiệm vụ chính trị" in page  # section I's title
    assert "900" in page and "550" in page
    may_change = who == "staff"
    assert (reverse("guidance_edit", args=[guidance.pk]) in page) is may_change
    assert (reverse("guidance_copy", args=[guidance.pk]) in page) is may_change


def test_the_anonymous_visitor_is_sent_to_login(client, world):
    guidance = default_guidance()
    for url in (
        reverse("guidance_list"),
        reverse("guidance_detail", args=[guidance.pk]),
        reverse("guidance_edit", args=[guidance.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("who", ("other_staff", "head", "member"))
def test_only_the_standing_agency_changes_a_guidance(client, world, draft, who):
    client.force_login(getattr(world, who))
    before = Guidance.objects.count()

    assert client.post(reverse("guidance_copy", args=[draft.pk])).status_code == 403
    assert client.get(reverse("guidance_edit", args=[draft.pk])).status_code == 403
    edit = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, threshold="800"))
    assert edit.status_code == 403
    apply = client.post(reverse("guidance_apply", args=[draft.pk]), {"year": world.year.year})
    assert apply.status_code == 403

    assert Guidance.objects.count() == before
    assert regulation_of(Guidance.objects.get(pk=draft.pk)).threshold == 900
    assert not GuidanceYear.objects.filter(guidance=draft).exists()


def test_the_standing_agency_copies_a_guidance_into_a_draft(client, world):
    original = default_guidance()
    client.force_login(world.staff)

    response = client.post(reverse("guidance_copy", args=[original.pk]))

    copy = Guidance.objects.exclude(pk=original.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(
        reverse("guidance_edit", args=[copy.pk])
    )
    assert copy.status == Guidance.Status.DRAFT
    assert copy.history.first().history_user == world.staff


def test_the_standing_agency_changes_the_threshold_and_adds_a_bonus_kind(client, world, draft):
    client.force_login(world.staff)
    bonuses = "cluster = 5\nreporting = 5\ncouncil = 10\ndigital = 5"
    data = _form(draft, threshold="850,5", bonuses=bonuses, name="Hướng dẫn năm 2026")

    response = client.post(reverse("guidance_edit", args=[draft.pk]), data)

    assert response.status_code == 302
    regulation = regulation_of(Guidance.objects.get(pk=draft.pk))
    assert str(regulation.threshold) == "850.5"
    assert regulation.bonuses["digital"] == 5
    assert regulation.name == "Hướng dẫn năm 2026"
    assert regulation.sections == DEFAULT.sections


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sections": ""}, "sections", "Chưa khai báo phần nào"),
        ({"sections": "I | A | 550 | 19\nI | B | 400 | 9"}, "sections", "bị trùng"),
        ({"sections": "I | A | 0 | 19"}, "sections", "Phần ở dòng 1, điểm"),
        ({"sections": "I | A | 950 | A=19; B=12"}, "sections", "A, B, C, D"),
        ({"sections": "I | A | 950"}, None, "cần ít nhất"),
        ({"sections": "III | A | 950 | 7 | III.1=960"}, "sections", "vượt điểm của phần"),
        ({"threshold": "960"}, "threshold", "Ngưỡng điểm"),
        ({"threshold": "1.000"}, "threshold", "dấu phân cách hàng nghìn"),
        ({"added_ratio": "1,5"}, "added_ratio", "Tỷ lệ cụ thể hóa"),
        ({"added_ratio": "0,333"}, "added_ratio", "Tối đa 2 chữ số"),
        ({"exceed_sections": "IV"}, "exceed_sections", "không phải là phần"),
        (
            {"exceed_criterion_cap_share": "2"},
            "exceed_criterion_cap_share",
            "mức tối đa theo tỷ lệ",
        ),
        ({"exceed_cap": "-1"}, "exceed_cap", "Điểm thưởng vượt kế hoạch"),
        ({"bonuses": "council = -1"}, "bonuses", "Điểm thưởng"),
        ({"bonuses": "council 10"}, None, "mã loại = số"),
        ({"deductions": "late = -3"}, "deductions", "Điểm trừ"),
        ({"exclusion_reasons": "security\nsecurity"}, "exclusion_reasons", "trùng"),
        ({"exclusion_reasons": "no_pledge"}, "exclusion_reasons", "lý do tham gia"),
        ({"deferral_reasons": "security"}, "deferral_reasons", "lý do không xét"),
        ({"awards": "tie_vote_needed"}, "awards", "không phải danh hiệu"),
    ],
)
def test_every_refusal_is_in_vietnamese_on_the_form_and_nothing_is_saved(
    client, world, draft, changes, field, message
):
    client.force_login(world.staff)

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **changes))

    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in e for e in errors), form.errors
    assert "regulation." not in response.content.decode()
    assert Guidance.objects.get(pk=draft.pk).parameters == draft.parameters


def test_editing_a_guidance_in_use_makes_a_new_version(client, world, draft):
    guidance_apply(guidance=draft, year=world.year, user=None)
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    client.force_login(world.staff)

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, threshold="800"))

    new = Guidance.objects.get(code=draft.code, version=2)
    assert response["Location"].endswith(reverse("guidance_detail", args=[new.pk]))
    assert regulation_of(new).threshold == 800
    assert regulation_of(Guidance.objects.get(pk=draft.pk)).threshold == 900


def test_the_standing_agency_applies_a_guidance_to_a_year_and_to_a_kind(client, world, draft):
    year = YearFactory(year=2026)
    client.force_login(world.staff)
    client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, threshold="800"))

    client.post(reverse("guidance_apply", args=[draft.pk]), {"year": 2026})
    assert stored_regulation(year).threshold == 800
    client.post(
        reverse("guidance_apply", args=[default_guidance().pk]),
        {"year": 2026, "cluster_kind": "khoi"},
    )

    assert stored_regulation(year, world.cluster_a).threshold == 800
    assert stored_regulation(year, world.cluster_b).threshold == 900


def test_a_year_with_an_issued_scorecard_keeps_its_guidance(client, world, draft):
    client.force_login(world.staff)
    client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, threshold="800"))
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")

    response = client.post(reverse("guidance_apply", args=[draft.pk]), {"year": 2025})

    assert response.status_code == 200
    assert "đã có bảng chấm điểm ban hành" in response.content.decode()
    assert stored_regulation(world.year) == DEFAULT


def test_the_list_costs_the_same_queries_with_more_guidances(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.staff)
    for _ in range(5):
        guidance_copy(guidance=default_guidance(), user=None)
    # The bar's bell counts the unread notifications (#15): one query.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("guidance_list")).status_code == 200


# --- The framework of criteria (Phụ lục 02) ----------------------------------


def _criterion(**changes) -> dict:
    return {
        "section": "I",
        "group": "A",
        "code": "I.20",
        "parent": "",
        "title": "Chuyển đổi số cấp xã",
        "points": "",
        "method": "qualitative",
    } | changes


def test_the_standing_agency_adds_changes_and_removes_a_criterion(client, world, draft):
    client.force_login(world.staff)
    kept = default_guidance().framework
    before = kept.criteria.count()
    url = reverse("guidance_framework", args=[draft.pk])

    assert client.post(url, _criterion()).status_code == 302
    added = draft.framework.criteria.get(code="I.20")
    edit = reverse("guidance_criterion", args=[draft.pk, added.pk])
    assert client.post(edit, _criterion(title="Chính quyền số", points="10")).status_code == 302
    added.refresh_from_db()
    assert (added.title, added.points) == ("Chính quyền số", 10)
    client.post(reverse("guidance_criterion_remove", args=[draft.pk, added.pk]))

    assert not draft.framework.criteria.filter(code="I.20").exists()
    assert kept.criteria.count() == before  # the 2022 framework is another record
    reasons = [h.history_change_reason for h in draft.history.all()]
    assert any("I.20" in (r or "") for r in reasons)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"section": "V"}, "phần “V” không có trong hướng dẫn"),
        ({"code": "I.1"}, "đã có trong nhóm này"),
        ({"section": "III", "group": "", "code": "III.1", "points": "20"}, "35"),
        ({"parent": "I.99"}, "tiêu chí cha “I.99”"),
        ({"points": "1.000"}, "dấu phân cách hàng nghìn"),
    ],
)
def test_a_wrong_criterion_is_refused_in_vietnamese(client, world, draft, changes, message):
    client.force_login(world.staff)
    count = draft.framework.criteria.count()

    response = client.post(reverse("guidance_framework", args=[draft.pk]), _criterion(**changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert draft.framework.criteria.count() == count


def _workbook(rows: list[list]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    from scoring.guidance_framework import COLUMNS

    book = Workbook()
    sheet = book.active
    for row in [list(COLUMNS), *rows]:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, guidance, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("khung.xlsx", data)
    return client.post(reverse("guidance_framework_upload", args=[guidance.pk]), {"file": file})


def test_an_uploaded_workbook_replaces_the_framework(client, world, draft):
    client.force_login(world.staff)
    rows = [
        ["I", "A", "I.1", "", "Tăng trưởng kinh tế", None, "Định lượng (kế hoạch và thực hiện)"],
        ["I", "A", "I.1.a", "I.1", "Thu ngân sách", 10, ""],
        ["II", "", "II.1", "", "Chính sách pháp luật", None, ""],
        ["III", "", "III.1", "", "Tổ chức phong trào", 35, ""],
    ]

    response = _upload(client, draft, _workbook(rows))

    assert response.status_code == 302
    criteria = {c.code: c for c in draft.framework.criteria.select_related("parent")}
    assert set(criteria) == {"I.1", "I.1.a", "II.1", "III.1"}
    assert criteria["I.1.a"].parent == criteria["I.1"]
    assert criteria["I.1"].method == "quantitative"


def test_a_downloaded_framework_uploads_back_the_same(client, world, draft):
    client.force_login(world.staff)
    before = sorted(draft.framework.criteria.values_list("section", "group", "code", "points"))
    data = client.get(reverse("guidance_framework_download", args=[draft.pk])).content

    assert _upload(client, draft, data).status_code == 302
    draft.refresh_from_db()
    after = sorted(draft.framework.criteria.values_list("section", "group", "code", "points"))
    assert after == before


def test_a_wrong_or_hostile_workbook_is_refused_and_nothing_changes(client, world, draft):
    from tests.xlsx_bombs import xlsx_bomb

    client.force_login(world.staff)
    count = draft.framework.criteria.count()
    wrong = _workbook([["V", "", "V.1", "", "Phần không có", None, ""]])
    bomb = xlsx_bomb(_workbook([]), megabytes=50)

    assert "phần “V” không có" in _upload(client, draft, wrong).content.decode()
    assert "Excel" in _upload(client, draft, b"not a workbook").content.decode()
    refused = _upload(client, draft, bomb)
    assert refused.status_code == 200 and "quá" in refused.content.decode()
    assert draft.framework.criteria.count() == count


def test_the_framework_of_a_guidance_in_use_is_not_edited(client, world):
    guidance = default_guidance()
    client.force_login(world.staff)
    count = guidance.framework.criteria.count()

    response = client.post(reverse("guidance_framework", args=[guidance.pk]), _criterion())

    assert "khung tiêu chí không sửa được" in response.content.decode()
    assert guidance.framework.criteria.count() == count


@pytest.mark.parametrize("who", ("other_staff", "head", "member"))
def test_only_the_standing_agency_edits_a_framework(client, world, draft, who):
    client.force_login(getattr(world, who))
    count = draft.framework.criteria.count()
    first = draft.framework.criteria.first()

    assert (
        client.post(reverse("guidance_framework", args=[draft.pk]), _criterion()).status_code == 403
    )
    remove = reverse("guidance_criterion_remove", args=[draft.pk, first.pk])
    assert client.post(remove).status_code == 403
    assert _upload(client, draft, _workbook([])).status_code == 403
    assert draft.framework.criteria.count() == count


def test_a_copied_guidance_applied_to_a_year_scores_its_clusters(client, world):
    from scoring.results import cluster_results
    from tests.scoring.test_guidance_model import _scored

    client.force_login(world.staff)
    client.post(reverse("guidance_copy", args=[default_guidance().pk]))
    copy = Guidance.objects.get(status=Guidance.Status.DRAFT)
    bonuses = "cluster = 5\nreporting = 5\ncouncil = 10\ndigital = 5"
    client.post(
        reverse("guidance_edit", args=[copy.pk]), _form(copy, threshold="800", bonuses=bonuses)
    )
    client.post(reverse("guidance_apply", args=[copy.pk]), {"year": 2025})
    _scored(world.cluster_a, world.year, 850)

    results = cluster_results(world.cluster_a, world.year)

    assert results.regulation.threshold == 800
    assert "digital" in results.regulation.bonuses
    assert {row.result.status for row in results.rows} == {"eligible"}
    page = client.get(reverse("results", args=["CUM-A", 2025])).content.decode()
    assert "Đủ điều kiện" in page


# --- The labels of a guidance's kinds ----------------------------------------

NEW_BONUSES = (
    "cluster = 5\nreporting = 5\ncouncil = 10\nsang_kien = 3 | Có sáng kiến được công nhận"
)
NEW_DEDUCTIONS = (
    "head_duty = 10 | có | có\nmember_duty = 5 | không | không\n"
    "nop_cham = 2 | không | không | Nộp hồ sơ thi đua chậm"
)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bonuses": "cluster = 5\nsang_kien = 3"}, "bonuses"),
        ({"bonuses": "cluster = 5\nsang_kien = 3 |  "}, "bonuses"),
        ({"deductions": "head_duty = 10 | có | có\nnop_cham = 2 | không | không"}, "deductions"),
    ],
)
def test_a_new_kind_needs_its_label(client, world, draft, changes, field):
    client.force_login(world.staff)

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **changes))

    assert response.status_code == 200
    errors = response.context["form"].errors.get(field, [])
    assert any("cần ghi tên loại" in e for e in errors), response.context["form"].errors
    assert Guidance.objects.get(pk=draft.pk).parameters == draft.parameters


def test_the_labels_of_new_kinds_are_kept_shown_and_copied(client, world, draft):
    client.force_login(world.staff)
    bonuses = NEW_BONUSES.replace("council = 10", "council = 10 | Thưởng của Hội đồng tỉnh")
    data = _form(draft, bonuses=bonuses, deductions=NEW_DEDUCTIONS)

    assert client.post(reverse("guidance_edit", args=[draft.pk]), data).status_code == 302

    saved = Guidance.objects.get(pk=draft.pk)
    regulation = regulation_of(saved)
    assert regulation.bonus_label("sang_kien") == "Có sáng kiến được công nhận"
    assert regulation.bonus_label("council") == "Thưởng của Hội đồng tỉnh"
    assert regulation.bonus_label("cluster") == DEFAULT.bonus_label("cluster")
    assert regulation.deduction_label("nop_cham") == "Nộp hồ sơ thi đua chậm"
    assert saved.history.first().history_user == world.staff
    shown = client.get(reverse("guidance_detail", args=[draft.pk])).content.decode()
    assert "Có sáng kiến được công nhận" in shown and "Nộp hồ sơ thi đua chậm" in shown
    form = client.get(reverse("guidance_edit", args=[draft.pk])).context["form"]
    assert "sang_kien = 3 | Có sáng kiến được công nhận" in form.initial["bonuses"]
    assert "nop_cham = 2 | không | không | Nộp hồ sơ thi đua chậm" in form.initial["deductions"]
    copy = guidance_copy(guidance=saved, user=world.staff)
    assert regulation_of(copy).bonus_label("sang_kien") == "Có sáng kiến được công nhận"


def test_the_new_kinds_are_given_and_shown_with_their_labels(client, world, draft):
    """The adjustments page offers the year's kinds, and it, the results and
    the history name each by the guidance's label, with its own points."""
    from tests.scoring.test_guidance_model import _scored

    client.force_login(world.staff)
    data = _form(draft, bonuses=NEW_BONUSES, deductions=NEW_DEDUCTIONS)
    client.post(reverse("guidance_edit", args=[draft.pk]), data)
    client.post(reverse("guidance_apply", args=[draft.pk]), {"year": 2025})
    hh = _scored(world.cluster_a, world.year, 950)
    hh = type(hh).objects.get(cluster=world.cluster_a, year=world.year, unit=world.a_member)
    args = ["CUM-A", 2025]

    page = client.get(reverse("adjustments", args=args)).content.decode()
    assert "Có sáng kiến được công nhận" in page and "Nộp hồ sơ thi đua chậm" in page
    bonus = {"bonus-member": hh.pk, "bonus-kind": "sang_kien", "bonus-points": "2,5"}
    bonus["bonus-reason"] = "Sáng kiến cải cách hành chính"
    assert client.post(reverse("adjustment_bonus_add", args=args), bonus).status_code == 302
    deduction = {"deduction-member": hh.pk, "deduction-kind": "nop_cham", "deduction-count": 2}
    deduction["deduction-reason"] = "Nộp hồ sơ chậm hai lần"
    assert client.post(reverse("adjustment_deduction_add", args=args), deduction).status_code == 302

    page = client.get(reverse("adjustments", args=args)).content.decode()
    assert "sang_kien" not in page.replace('value="sang_kien"', "")
    assert "−4" in page  # 2 points each, twice
    results = client.get(reverse("results", args=args)).content.decode()
    assert "+2,5 Có sáng kiến được công nhận" in results
    assert "−4 Nộp hồ sơ thi đua chậm × 2" in results
    listed = client.get(reverse("deductions", args=args)).content.decode()
    assert "Nộp hồ sơ thi đua chậm" in listed and ">nop_cham<" not in listed
    history = client.get(reverse("history", args=args)).content.decode()
    assert "Có sáng kiến được công nhận" in history and "Nộp hồ sơ thi đua chậm" in history
    assert ">sang_kien<" not in history and "· sang_kien" not in history


NEW_REASONS = {
    "exclusion_reasons": "security\nculture\nkhong_chuyen_doi_so | Không hoàn thành chuyển đổi số",
    "deferral_reasons": "under_review\ncho_sap_nhap | Đơn vị đang chờ sắp xếp, sáp nhập",
    "awards": "co_thi_dua\nbang_khen\ngiay_khen | Giấy khen của Chủ tịch UBND tỉnh",
}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"exclusion_reasons": "security\nkhong_chuyen_doi_so"}, "exclusion_reasons"),
        ({"exclusion_reasons": "khong_chuyen_doi_so |  "}, "exclusion_reasons"),
        ({"deferral_reasons": "under_review\ncho_sap_nhap"}, "deferral_reasons"),
        ({"awards": "co_thi_dua\ngiay_khen"}, "awards"),
    ],
)
def test_a_new_reason_or_award_needs_its_label(client, world, draft, changes, field):
    client.force_login(world.staff)

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **changes))

    assert response.status_code == 200
    errors = response.context["form"].errors.get(field, [])
    assert any("cần ghi tên" in e for e in errors), response.context["form"].errors
    assert Guidance.objects.get(pk=draft.pk).parameters == draft.parameters


def test_the_labels_of_new_reasons_and_awards_are_kept_shown_and_copied(client, world, draft):
    client.force_login(world.staff)
    changes = dict(
        NEW_REASONS,
        awards=NEW_REASONS["awards"].replace("bang_khen", "bang_khen | Bằng khen của UBND tỉnh"),
    )

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **changes))

    assert response.status_code == 302, response.context["form"].errors
    saved = Guidance.objects.get(pk=draft.pk)
    regulation = regulation_of(saved)
    assert regulation.exclusion_reasons == ("security", "culture", "khong_chuyen_doi_so")
    assert regulation.deferral_reasons == ("under_review", "cho_sap_nhap")
    assert regulation.awards == ("co_thi_dua", "bang_khen", "giay_khen")
    assert regulation.reason_label("khong_chuyen_doi_so") == "Không hoàn thành chuyển đổi số"
    assert regulation.reason_label("cho_sap_nhap") == "Đơn vị đang chờ sắp xếp, sáp nhập"
    assert regulation.reason_label("security") == DEFAULT.reason_label("security")
    assert regulation.reason_label("no_pledge") == DEFAULT.reason_label("no_pledge")
    assert regulation.award_label("giay_khen") == "Giấy khen của Chủ tịch UBND tỉnh"
    assert regulation.award_label("bang_khen") == "Bằng khen của UBND tỉnh"
    assert regulation.award_label("tie_vote_needed") == DEFAULT.award_label("tie_vote_needed")
    shown = client.get(reverse("guidance_detail", args=[draft.pk])).content.decode()
    assert "Không hoàn thành chuyển đổi số" in shown and "Giấy khen của Chủ tịch" in shown
    assert "Đơn vị đang chờ sắp xếp, sáp nhập" in shown
    form = client.get(reverse("guidance_edit", args=[draft.pk])).context["form"]
    assert (
        "khong_chuyen_doi_so | Không hoàn thành chuyển đổi số" in form.initial["exclusion_reasons"]
    )
    assert "giay_khen | Giấy khen của Chủ tịch UBND tỉnh" in form.initial["awards"]
    # The form as shown saves again unchanged.
    again = client.post(reverse("guidance_edit", args=[draft.pk]), _form(saved))
    assert again.status_code == 302
    assert Guidance.objects.get(pk=draft.pk).labels == saved.labels
    copy = regulation_of(guidance_copy(guidance=saved, user=world.staff))
    assert copy.reason_label("cho_sap_nhap") == "Đơn vị đang chờ sắp xếp, sáp nhập"
    assert copy.award_label("giay_khen") == "Giấy khen của Chủ tịch UBND tỉnh"


def test_a_new_version_keeps_the_labels_of_reasons_and_awards(client, world, draft):
    client.force_login(world.staff)
    client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **NEW_REASONS))
    guidance_apply(guidance=draft, year=world.year, user=None)
    Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status="issued")
    saved = Guidance.objects.get(pk=draft.pk)

    response = client.post(reverse("guidance_edit", args=[draft.pk]), _form(saved, threshold="800"))

    assert response.status_code == 302
    new = regulation_of(Guidance.objects.get(code=draft.code, version=2))
    assert new.threshold == 800
    assert new.reason_label("cho_sap_nhap") == "Đơn vị đang chờ sắp xếp, sáp nhập"
    assert new.award_label("giay_khen") == "Giấy khen của Chủ tịch UBND tỉnh"


def test_a_new_reason_is_given_and_shown_with_its_label(client, world, draft, media_root):
    """The flag form offers the year's reasons (R40), the service takes a new
    one, and the adjustments page, the results and their export name it by
    the guidance's label."""
    from tests.clusters.helpers import pdf
    from tests.scoring.test_guidance_model import _scored

    client.force_login(world.staff)
    client.post(reverse("guidance_edit", args=[draft.pk]), _form(draft, **NEW_REASONS))
    client.post(reverse("guidance_apply", args=[draft.pk]), {"year": 2025})
    hh = _scored(world.cluster_a, world.year, 950)
    hh = type(hh).objects.get(cluster=world.cluster_a, year=world.year, unit=world.a_member)
    args = ["CUM-A", 2025]
    label = "Không hoàn thành chuyển đổi số"

    page = client.get(reverse("adjustments", args=args)).content.decode()
    assert f'value="khong_chuyen_doi_so">{label}</option>' in page
    assert "Đơn vị đang chờ sắp xếp, sáp nhập" in page
    assert 'value="leader_rating"' not in page  # not a reason of this guidance
    data = {"flag-member": hh.pk, "flag-kind": "exclude", "flag-reason": "khong_chuyen_doi_so"}
    data |= {"flag-evidence": pdf(), "flag-note": "Chưa số hóa hồ sơ"}
    response = client.post(reverse("adjustment_flag_set", args=args), data)
    assert response.status_code == 302
    assert list(Flag.objects.values_list("reason", flat=True)) == ["khong_chuyen_doi_so"]
    old = data | {"flag-reason": "leader_rating", "flag-evidence": pdf()}
    client.post(reverse("adjustment_flag_set", args=args), old)
    assert Flag.objects.count() == 1

    page = client.get(reverse("adjustments", args=args)).content.decode()
    assert label in page and ">khong_chuyen_doi_so<" not in page
    assert label in Flag.history.first().history_change_reason
    results = client.get(reverse("results", args=args)).content.decode()
    assert label in results
    exported = client.get(reverse("results_download", args=[*args, "csv"]))
    assert label in exported.content.decode("utf-8-sig")
    xlsx = client.get(reverse("results_download", args=[*args, "xlsx"])).content
    cells = [
        c for row in load_workbook(BytesIO(xlsx)).active.iter_rows(values_only=True) for c in row
    ]
    assert any(isinstance(c, str) and label in c for c in cells)


# --- Removing the guidance applied to one kind of cluster ---------------------


@pytest.fixture
def khoi_override(world, draft):
    """The draft (threshold 800) scores the year's blocks instead of the 2022 guidance."""
    draft.parameters = {**draft.parameters, "threshold": 800}
    draft.save()
    guidance_apply(guidance=draft, year=world.year, cluster_kind="khoi", user=world.staff)
    return draft


def _unapply_url(guidance, kind="khoi", year=2025):
    return reverse("guidance_unapply", args=[guidance.pk, year, kind])


def test_the_standing_agency_removes_a_kinds_guidance_with_a_reason(client, world, khoi_override):
    client.force_login(world.staff)
    detail = client.get(reverse("guidance_detail", args=[khoi_override.pk])).content.decode()
    assert _unapply_url(khoi_override) in detail
    confirm = client.get(_unapply_url(khoi_override))
    assert confirm.status_code == 200
    assert "Năm 2025 (khối thi đua)" in confirm.content.decode()

    response = client.post(_unapply_url(khoi_override), {"reason": "Khối theo hướng dẫn chung"})

    assert response.status_code == 302
    assert response["Location"].endswith(reverse("guidance_detail", args=[khoi_override.pk]))
    assert not GuidanceYear.objects.filter(cluster_kind="khoi").exists()
    assert stored_regulation(world.year, world.cluster_b).threshold == 900
    removed = GuidanceYear.history.filter(history_type="-").get()
    assert removed.history_user == world.staff
    assert "Khối theo hướng dẫn chung" in removed.history_change_reason
    assert "khối thi đua" in removed.history_change_reason


def test_removing_a_kinds_guidance_needs_a_reason(client, world, khoi_override):
    client.force_login(world.staff)

    response = client.post(_unapply_url(khoi_override), {"reason": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert GuidanceYear.objects.filter(cluster_kind="khoi").exists()


def test_a_kind_that_issued_its_scorecard_keeps_its_guidance(client, world, khoi_override):
    Scorecard.objects.create(cluster=world.cluster_b, year=world.year, status="issued")
    client.force_login(world.staff)

    response = client.post(_unapply_url(khoi_override), {"reason": "Nhầm"})

    assert response.status_code == 200
    assert "đã có bảng chấm điểm ban hành" in response.content.decode()
    assert stored_regulation(world.year, world.cluster_b).threshold == 800


def test_only_a_kinds_own_application_is_removed(client, world, khoi_override):
    client.force_login(world.staff)
    guidance_apply(guidance=khoi_override, year=world.year, user=world.staff)

    assert client.get(_unapply_url(khoi_override, kind="cum")).status_code == 404
    assert client.get(_unapply_url(default_guidance())).status_code == 404
    assert client.post(_unapply_url(khoi_override, kind="-"), {"reason": "x"}).status_code == 404
    assert GuidanceYear.objects.count() == 2


@pytest.mark.parametrize("who", ("other_staff", "head", "member"))
def test_only_the_standing_agency_removes_a_kinds_guidance(client, world, khoi_override, who):
    client.force_login(getattr(world, who))

    assert client.get(_unapply_url(khoi_override)).status_code == 403
    assert client.post(_unapply_url(khoi_override), {"reason": "x"}).status_code == 403
    assert GuidanceYear.objects.filter(cluster_kind="khoi").exists()
    shown = client.get(reverse("guidance_detail", args=[khoi_override.pk])).content.decode()
    assert _unapply_url(khoi_override) not in shown


def test_the_anonymous_visitor_removes_nothing(client, world, khoi_override):
    for response in (
        client.get(_unapply_url(khoi_override)),
        client.post(_unapply_url(khoi_override), {"reason": "x"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert GuidanceYear.objects.filter(cluster_kind="khoi").exists()
