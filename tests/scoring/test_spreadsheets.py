"""The cluster's self-scores as a spreadsheet (scoring/spreadsheets.py): the
template, the upload judged whole, and who may do either (R18–R21, R35)."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from clusters.models import Membership, Registration, RegistrationTarget
from scoring import sheets, spreadsheets
from scoring.models import Score, Scorecard, Sheet
from scoring.results import cluster_results
from tests.scoring.test_sheets_services import hold_preparatory, make_scorecard, member

pytestmark = pytest.mark.django_db

CODE, YEAR = "CUM-A", 2025
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What every unit of cluster A enters in the round trip: I.1 100/90 → 90,
# I.2 (lower) 10/5 → 50 + 5 bonus, I.3.1 150, I.3.2 120,5, II.1 180, III.1 value 5 → 150.
FILLED = {
    "I.1": (100, 90),
    "I.2": (10, 5),
    "I.3.1": (150, None),
    "I.3.2": (120.5, None),
    "II.1": (180, None),
    "III.1": (5, None),
}


@pytest.fixture
def card(world):
    return make_scorecard(world.cluster_a, world.year)


def url(name: str) -> str:
    return reverse(name, args=[CODE, YEAR])


def login(client, world, who: str) -> None:
    if who != "anonymous":
        client.force_login(getattr(world, who))


def download(client, world) -> bytes:
    client.force_login(world.head)
    response = client.get(url("scores_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return response.content


def fill(content: bytes, values: dict[tuple[str, str], tuple]) -> bytes:
    """Write (unit, criterion code) → (first, second) into the template the way
    a user does in Excel: found by the visible unit header and criterion code."""
    workbook = load_workbook(BytesIO(content))
    sheet = workbook[spreadsheets.SHEET_TITLE]
    columns = {}
    for cell in sheet[spreadsheets.UNIT_ROW]:
        if cell.value:
            columns[str(cell.value).split(" – ")[0]] = cell.column
    rows = {sheet.cell(row=r, column=2).value: r for r in range(5, sheet.max_row + 1)}
    for (unit, code), pair in values.items():
        for offset, value in enumerate(pair):
            if value is not ...:
                sheet.cell(row=rows[code], column=columns[unit] + offset, value=value)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def everyone(values: dict[str, tuple] = FILLED) -> dict[tuple[str, str], tuple]:
    return {
        (unit, code): pair for unit in ("HH", "LG", "TPBG", "VY") for code, pair in values.items()
    }


def upload(client, world, content: bytes, name: str = "bang-diem.xlsx", user=None):
    client.force_login(user or world.head)
    return client.post(url("scores_import"), {"file": SimpleUploadedFile(name, content)})


def own_save(world, membership, criterion, revision=None, **figures) -> Score:
    """The unit's own save (the member of cluster A scores itself)."""
    return sheets.score_save(
        membership=membership,
        criterion=criterion,
        user=world.member,
        revision=revision,
        **{name: Decimal(value) for name, value in figures.items()},
    )


def errors_of(response) -> list[str]:
    assert response.status_code == 200
    return list(response.context["errors"])


def stored() -> dict[tuple[str, str], dict]:
    return {
        (s.membership.unit.code, s.criterion.code): {
            name: getattr(s, name) for name in ("plan", "actual", "points", "value")
        }
        for s in Score.objects.select_related("membership__unit", "criterion")
    }


# ---------------------------------------------------------------------------
# The template


def test_template_has_leaf_rows_unit_columns_methods_and_current_figures(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["I.1"], plan="100", actual="95.5")
    own_save(world, hh, card["II.1"], points="170")
    workbook = load_workbook(BytesIO(download(client, world)))
    assert workbook.sheetnames == ["Bảng điểm", "Hướng dẫn", "Phiên bản"]
    sheet = workbook["Bảng điểm"]
    assert sheet.row_dimensions[1].hidden and sheet.column_dimensions["A"].hidden
    assert [c.value for c in sheet[4]][1:9] == [
        "Mã",
        "Nội dung tiêu chí",
        "Phần",
        "Cách chấm",
        "Chiều chỉ tiêu",
        "Điểm tối đa",
        "Các mức điểm",
        "Ô cần nhập",
    ]
    units = [c.value for c in sheet[3] if c.value]
    assert units == [
        "HH – UBND huyện Hiệp Hòa",
        "LG – UBND huyện Lạng Giang",
        "TPBG – UBND thành phố Bắc Giang",
        "VY – UBND huyện Việt Yên",
    ]
    assert [c.value for c in sheet[4]][9:11] == ["KH · điểm · giá trị", "TH"]
    rows = {sheet.cell(row=r, column=2).value: r for r in range(5, sheet.max_row + 1)}
    i1 = [c.value for c in sheet[rows["I.1"]]]
    assert i1[0] == card["I.1"].pk  # the hidden key
    assert i1[4] == "Định lượng (kế hoạch và thực hiện)"
    assert i1[5] == "cao hơn là tốt"
    assert (i1[9], i1[10]) == (100, 95.5)  # HH's own figures
    assert sheet.cell(row=rows["II.1"], column=10).value == 170
    assert sheet.cell(row=rows["I.2"], column=6).value.startswith("thấp hơn là tốt")
    assert "trên 0 dưới 10: 150 điểm" in sheet.cell(row=rows["III.1"], column=8).value
    assert sheet.cell(row=rows["I.3"], column=1).value is None  # a parent: no key
    guide = " ".join(str(c.value) for c in workbook["Hướng dẫn"]["A"] if c.value)
    assert "Ô để trống: giữ nguyên" in guide
    assert "đơn vị đã cập nhật sau khi tải mẫu" in guide


def test_template_without_an_issued_scorecard_sends_back_with_a_notice(client, world):
    make_scorecard(world.cluster_a, world.year, status=Scorecard.Status.APPROVED)
    client.force_login(world.head)
    response = client.get(url("scores_template"), follow=True)
    assert response.redirect_chain[-1][0] == url("review")
    assert "chưa có bảng chấm điểm được ban hành" in response.content.decode()


# ---------------------------------------------------------------------------
# The round trip


def test_round_trip_stores_every_figure_and_the_results_follow(client, world, card):
    content = fill(download(client, world), everyone())
    response = upload(client, world, content)
    assert response.status_code == 302 and response["Location"] == url("review")
    scores = stored()
    assert len(scores) == 4 * 6
    assert scores["HH", "I.1"] == {
        "plan": Decimal(100),
        "actual": Decimal(90),
        "points": None,
        "value": None,
    }
    assert scores["VY", "I.3.2"]["points"] == Decimal("120.5")
    assert scores["LG", "III.1"]["value"] == Decimal(5)
    # 90 + 50 + 150 + 120,5 + 180 + 150 (III.1 value 5 is in (0, 10): 150), and the
    # R22 bonus of I.2: twice better than its ceiling, capped at 10% of 50 points.
    results = cluster_results(world.cluster_a, world.year)
    assert {row.unit.code: row.result.total for row in results.rows} == dict.fromkeys(
        ("HH", "LG", "TPBG", "VY"), Decimal("745.50")
    )
    score = Score.objects.get(membership__unit__code="HH", criterion=card["I.1"])
    record = score.history.order_by("-history_id").first()
    assert score.revision == 1
    assert record.history_user == world.head
    assert record.history_change_reason.startswith("Nhập từ tệp Excel")
    assert Sheet.objects.filter(status=Sheet.Status.DRAFT).count() == 4


def test_uploading_the_same_figures_again_changes_nothing(client, world, card):
    upload(client, world, fill(download(client, world), everyone()))
    again = download(client, world)  # pre-filled with what was stored
    response = upload(client, world, again)
    assert response.status_code == 302
    assert set(Score.objects.values_list("revision", flat=True)) == {1}
    page = client.get(url("review")).content.decode()
    assert "không có điểm nào thay đổi" in page


def test_an_update_bumps_the_revision_and_empty_cells_keep_what_is_stored(client, world, card):
    upload(client, world, fill(download(client, world), everyone()))
    content = fill(
        download(client, world), {("HH", "II.1"): (150, ...), ("LG", "II.1"): (None, ...)}
    )
    assert upload(client, world, content).status_code == 302
    hh = Score.objects.get(membership__unit__code="HH", criterion=card["II.1"])
    lg = Score.objects.get(membership__unit__code="LG", criterion=card["II.1"])
    assert (hh.points, hh.revision) == (Decimal(150), 2)
    assert (lg.points, lg.revision) == (Decimal(180), 1)


def test_a_unit_may_still_save_after_the_import_from_the_new_revision(client, world, card):
    upload(client, world, fill(download(client, world), everyone()))
    hh = member(world, world.a_member)
    with pytest.raises(sheets.StaleScore):
        own_save(world, hh, card["II.1"], points="1")
    assert own_save(world, hh, card["II.1"], revision=1, points="1").revision == 2


# ---------------------------------------------------------------------------
# A file with errors is refused whole


def test_a_bad_cell_refuses_the_whole_upload_naming_cell_unit_criterion_and_rule(
    client, world, card
):
    values = everyone() | {("HH", "I.1"): (0, 90)}
    errors = errors_of(upload(client, world, fill(download(client, world), values)))
    assert errors == ["Ô J6 (HH – I.1): kế hoạch phải lớn hơn 0 với chiều 'cao hơn là tốt'."]
    assert not Score.objects.exists()
    assert not Sheet.objects.exists()


def test_every_bad_cell_is_listed(client, world, card):
    values = everyone() | {
        ("HH", "I.1"): (100, "chín mươi"),
        ("LG", "I.2"): (10, None),
        ("TPBG", "II.1"): (250, None),
        ("VY", "II.1"): (180, 3),
        ("VY", "I.3.1"): (150.123, None),
    }
    page_errors = errors_of(upload(client, world, fill(download(client, world), values)))
    assert page_errors == [
        "Ô K6 (HH – I.1): “chín mươi” không phải là số. Viết số bằng các chữ số 0–9, không "
        "dùng dấu phân cách hàng nghìn, phần thập phân sau một dấu phẩy (hoặc dấu chấm), "
        "ví dụ 1500 hay 12,5.",
        "Ô M7 (LG – I.2): cần nhập số thực hiện.",
        "Ô P9 (VY – I.3.1): điểm chấm: chỉ được có tối đa 2 chữ số thập phân.",
        "Ô N12 (TPBG – II.1): điểm chấm phải từ 0 đến 200.",
        "Ô Q12 (VY – II.1): cột TH chỉ dùng cho tiêu chí định lượng; hãy để trống ô này.",
    ]
    assert not Score.objects.exists()


def test_the_page_lists_the_errors(client, world, card):
    values = {("HH", "II.1"): (250, None)}
    response = upload(client, world, fill(download(client, world), values))
    page = response.content.decode()
    assert "không điểm nào được lưu" in page
    assert "đã được cập nhật sau khi tải mẫu" in page  # the help text says how stale cells go
    assert "Ô J12 (HH – II.1): điểm chấm phải từ 0 đến 200." in page


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "bang-diem.xlsx"),
        (b"PK\x03\x04 not really a zip", "bang-diem.xlsx"),
        (b"Ma,HH\nI.1,100\n", "bang-diem.xlsx"),
    ],
)
def test_a_file_that_is_not_an_xlsx_is_refused(client, world, card, content, name):
    errors = errors_of(upload(client, world, content, name=name))
    assert errors == [spreadsheets.NOT_XLSX]
    assert not Score.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused(client, world, card):
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    assert errors_of(upload(client, world, buffer.getvalue())) == [spreadsheets.NOT_XLSX]


def test_another_workbook_is_not_a_template(client, world, card):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active["A1"] = "Bảng điểm của tôi"
    buffer = BytesIO()
    workbook.save(buffer)
    assert errors_of(upload(client, world, buffer.getvalue())) == [spreadsheets.NOT_TEMPLATE]


def test_scores_locked_after_agreement_are_refused(client, world, card):
    content = fill(download(client, world), everyone())
    hold_preparatory(world)
    sheets.scores_agree(
        cluster=world.cluster_a,
        year=world.year,
        user=world.head,
        unsubmitted_reason="Thống nhất tại họp trù bị",
    )
    errors = errors_of(upload(client, world, content))
    assert len(errors) == 1 and "đã được thống nhất sau họp trù bị" in errors[0]
    assert not Score.objects.exists()


def test_changes_to_a_submitted_sheet_are_refused_and_its_stored_figures_pass(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["II.1"], points="170")
    sheets.sheet_submit(membership=hh, user=world.member)
    template = download(client, world)
    # HH's stored II.1 comes back as it is: no error for it.
    assert upload(client, world, fill(template, {("LG", "II.1"): (100, None)})).status_code == 302
    errors = errors_of(upload(client, world, fill(template, {("HH", "II.1"): (160, None)})))
    assert errors == [
        "Ô J12 (HH – II.1): đơn vị đã nộp phiếu tự chấm nên không sửa được điểm; "
        "chỉ sửa khi trưởng cụm, khối trả lại phiếu."
    ]
    assert Score.objects.get(membership=hh).points == Decimal(170)


def test_a_registered_plan_cannot_be_changed_in_the_file(client, world, card):
    hh = member(world, world.a_member)
    registration = Registration.objects.create(membership=hh, status=Registration.Status.SUBMITTED)
    RegistrationTarget.objects.create(
        registration=registration,
        title="Thu ngân sách",
        planned_value=Decimal(80),
        criterion=card["I.1"],
    )
    template = download(client, world)
    errors = errors_of(upload(client, world, fill(template, {("HH", "I.1"): (100, 60)})))
    assert errors == [
        "Ô J6 (HH – I.1): kế hoạch lấy từ bản đăng ký thi đua của đơn vị (80); không sửa ở đây."
    ]
    assert upload(client, world, fill(template, {("HH", "I.1"): (..., 60)})).status_code == 302
    assert Score.objects.get(membership=hh).plan == Decimal(80)  # pre-filled from the registration


def test_a_unit_that_is_not_in_the_cluster_is_refused(client, world, card):
    workbook = load_workbook(BytesIO(fill(download(client, world), everyone())))
    sheet = workbook[spreadsheets.SHEET_TITLE]
    sheet["J1"], sheet["K1"] = "GH|1", "GH|2"  # a school of cluster B
    buffer = BytesIO()
    workbook.save(buffer)
    errors = errors_of(upload(client, world, buffer.getvalue()))
    assert errors == ["Cột J: đơn vị “GH” không thuộc Cụm thi đua các huyện năm 2025."]
    assert not Score.objects.exists()


def test_tampered_keys_are_refused(client, world, card):
    workbook = load_workbook(BytesIO(fill(download(client, world), everyone())))
    sheet = workbook[spreadsheets.SHEET_TITLE]
    sheet["A6"] = 999999  # not a criterion of the scorecard
    sheet["L1"] = "LG"
    buffer = BytesIO()
    workbook.save(buffer)
    errors = errors_of(upload(client, world, buffer.getvalue()))
    assert errors[0].startswith("Cột L: khóa đơn vị ở dòng ẩn 1")
    assert errors[1].startswith("Dòng 6: khóa tiêu chí ở cột ẩn A (“999999”)")
    assert not Score.objects.exists()


def test_a_template_of_another_scorecard_version_is_refused(client, world, card):
    content = fill(download(client, world), everyone())
    Scorecard.objects.update(status=Scorecard.Status.SUPERSEDED)
    Scorecard.objects.create(
        cluster=world.cluster_a, year=world.year, version=2, status=Scorecard.Status.ISSUED
    )
    errors = errors_of(upload(client, world, content))
    assert len(errors) == 1 and "phiên bản khác của bảng chấm điểm" in errors[0]
    assert not Score.objects.exists()


def test_a_template_of_another_cluster_is_refused(client, world, card):
    make_scorecard(world.cluster_b, world.year)
    client.force_login(world.other_head)
    other = client.get(reverse("scores_template", args=["KHOI-B", YEAR])).content
    errors = errors_of(upload(client, world, other))
    assert errors == [
        "Tệp mẫu này của cụm, khối “KHOI-B” năm 2025, không phải của Cụm thi đua các huyện "
        "năm 2025; hãy tải mẫu của cụm, khối mình."
    ]


def test_the_service_is_for_the_head_only(world, card):
    with pytest.raises(PermissionDenied):
        spreadsheets.scores_import_xlsx(
            cluster=world.cluster_a, year=world.year, file=BytesIO(b"x"), user=world.member
        )


def test_the_service_refuses_without_an_issued_scorecard(client, world, card):
    content = fill(download(client, world), everyone())
    Scorecard.objects.update(status=Scorecard.Status.SUPERSEDED)
    with pytest.raises(ValidationError, match="chưa có bảng chấm điểm được ban hành"):
        spreadsheets.scores_import_xlsx(
            cluster=world.cluster_a, year=world.year, file=BytesIO(content), user=world.head
        )


# ---------------------------------------------------------------------------
# Who may do what

TEMPLATE_ACCESS = {
    "head": 200,
    "staff": 200,
    "admin": 200,
    "deputy": 403,
    "member": 403,
    "other_head": 403,
    "other_member": 403,
    "other_staff": 403,
}
IMPORT_ACCESS = {
    "head": 200,
    "deputy": 403,
    "member": 403,
    "other_head": 403,
    "staff": 403,
    "other_staff": 403,
    "admin": 403,
}


@pytest.mark.parametrize(("who", "status"), TEMPLATE_ACCESS.items())
def test_template_download_access(client, world, card, who, status):
    login(client, world, who)
    assert client.get(url("scores_template")).status_code == status


@pytest.mark.parametrize(("who", "status"), IMPORT_ACCESS.items())
def test_import_access(client, world, card, who, status):
    content = fill(spreadsheets.scorecard_template_xlsx(world.cluster_a, world.year), everyone())
    login(client, world, who)
    assert client.get(url("scores_import")).status_code == status
    response = client.post(url("scores_import"), {"file": SimpleUploadedFile("a.xlsx", content)})
    assert response.status_code == (302 if status == 200 else status)
    assert Score.objects.exists() is (status == 200)


def test_a_deputy_acting_for_the_head_may_import(client, world, card):
    Membership.objects.filter(unit=world.a_deputy).update(acts_for_head=True)
    content = fill(spreadsheets.scorecard_template_xlsx(world.cluster_a, world.year), everyone())
    assert upload(client, world, content, user=world.deputy).status_code == 302
    assert Score.objects.count() == 24


def test_anonymous_visitor_is_sent_to_login(client, world, card):
    content = spreadsheets.scorecard_template_xlsx(world.cluster_a, world.year)
    for response in (
        client.get(url("scores_template")),
        client.get(url("scores_import")),
        client.post(url("scores_import"), {"file": SimpleUploadedFile("a.xlsx", content)}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_review_page_links_the_template_and_for_the_head_the_upload(client, world, card):
    client.force_login(world.head)
    page = client.get(url("review")).content.decode()
    assert url("scores_template") in page and url("scores_import") in page
    client.force_login(world.staff)
    page = client.get(url("review")).content.decode()
    assert url("scores_template") in page and url("scores_import") not in page


# ---------------------------------------------------------------------------
# A unit's newer figure is never reverted by an older template (#11.1)


def post_own_row(client, world, criterion, revision=None, **figures):
    """The unit saves a row of its own sheet, as its page does."""
    client.force_login(world.member)
    data = {f"r{criterion.pk}-{name}": value for name, value in figures.items()}
    data[f"r{criterion.pk}-revision"] = "" if revision is None else str(revision)
    response = client.post(reverse("sheet_row", args=[YEAR, criterion.pk]), data)
    assert response.status_code in (200, 302)
    return response


def test_a_unit_figure_saved_after_the_download_is_not_reverted_by_the_upload(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["II.1"], points="170")
    template = download(client, world)
    # The unit saves a new figure on its own sheet after the head downloaded.
    post_own_row(client, world, card["II.1"], revision=1, points="185")
    assert Score.objects.get(membership=hh, criterion=card["II.1"]).points == Decimal(185)
    # The head changes an unrelated cell and uploads the old template.
    errors = errors_of(upload(client, world, fill(template, {("LG", "II.1"): (100, None)})))
    assert errors == [
        "Ô J12 (HH – II.1): điểm của đơn vị đã được cập nhật sau khi tải tệp mẫu; "
        "giá trị hiện tại: điểm 185. Tệp không ghi đè: hãy để trống ô này, nhập lại "
        "giá trị hiện tại hoặc tải mẫu mới."
    ]
    score = Score.objects.get(membership=hh, criterion=card["II.1"])
    assert (score.points, score.revision) == (Decimal(185), 2)
    assert not Score.objects.filter(membership__unit__code="LG").exists()  # all or nothing
    assert not score.history.filter(history_change_reason__startswith="Nhập từ tệp").exists()


def test_a_stale_cell_left_empty_or_set_to_the_current_value_lets_the_file_in(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["II.1"], points="170")
    own_save(world, hh, card["I.1"], plan="100", actual="90")
    template = download(client, world)
    own_save(world, hh, card["II.1"], revision=1, points="185")
    own_save(world, hh, card["I.1"], revision=1, plan="100", actual="95")
    content = fill(
        template,
        {("HH", "II.1"): ("", ...), ("HH", "I.1"): (100, 95), ("LG", "II.1"): (100, None)},
    )
    assert upload(client, world, content).status_code == 302
    assert stored()["HH", "II.1"]["points"] == Decimal(185)
    assert stored()["HH", "I.1"]["actual"] == Decimal(95)
    assert stored()["LG", "II.1"]["points"] == Decimal(100)


def test_a_row_the_head_adjusted_after_the_download_is_stale_too(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["II.1"], points="170")
    template = download(client, world)
    client.force_login(world.head)
    client.post(
        reverse("review_cell", args=[CODE, YEAR, "HH", card["II.1"].pk]),
        {"adj-points": "150", "adj-reason": "Theo biên bản", "adj-revision": "1"},
    )
    assert Score.objects.get(membership=hh).revision == 2
    errors = errors_of(upload(client, world, fill(template, {("HH", "II.1"): (160, None)})))
    assert errors and errors[0].startswith("Ô J12 (HH – II.1): điểm của đơn vị đã được cập nhật")
    assert Score.objects.get(membership=hh).points == Decimal(170)


def test_the_template_carries_each_cells_revision_in_a_hidden_protected_sheet(client, world, card):
    hh = member(world, world.a_member)
    own_save(world, hh, card["II.1"], points="170")
    own_save(world, hh, card["II.1"], revision=1, points="175")
    workbook = load_workbook(BytesIO(download(client, world)))
    revisions = workbook[spreadsheets.REVISIONS_TITLE]
    assert revisions.sheet_state == "veryHidden"
    assert revisions.protection.sheet
    units = [c.value for c in revisions[1]][1:]
    assert units == ["HH", "LG", "TPBG", "VY"]
    rows = {r[0].value: [c.value for c in r[1:]] for r in revisions.iter_rows(min_row=2)}
    assert rows[card["II.1"].pk] == [2, 0, 0, 0]
    assert rows[card["I.1"].pk] == [0, 0, 0, 0]


def test_a_template_without_its_revisions_is_refused(client, world, card):
    workbook = load_workbook(BytesIO(download(client, world)))
    del workbook[spreadsheets.REVISIONS_TITLE]
    buffer = BytesIO()
    workbook.save(buffer)
    content = fill(buffer.getvalue(), {("LG", "II.1"): (100, None)})
    errors = errors_of(upload(client, world, content))
    assert errors == [spreadsheets.NO_REVISIONS]
    assert not Score.objects.exists()


# ---------------------------------------------------------------------------
# A file bigger inside than a template can be is refused before it is read (#12)


def timed_upload(client, world, content: bytes):
    """The upload's response, its time in seconds and its peak Python memory in MB."""
    import time
    import tracemalloc

    client.force_login(world.head)
    started = time.perf_counter()
    response = upload(client, world, content)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        upload(client, world, content)
        peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
    finally:
        tracemalloc.stop()
    return response, elapsed, peak


def test_an_xlsx_bomb_is_refused_quickly_with_a_vietnamese_message(client, world, card):
    from tests.xlsx_bombs import xlsx_bomb

    bomb = xlsx_bomb(download(client, world), megabytes=100)
    assert len(bomb) < 400 * 1024
    response, elapsed, peak = timed_upload(client, world, bomb)
    errors = errors_of(response)
    assert len(errors) == 1
    assert errors[0].startswith("Tệp Excel quá lớn khi giải nén, vượt quá những gì một tệp")
    assert "tệp không được đọc" in errors[0]
    assert elapsed < 2 and peak < 100, (elapsed, peak)
    assert not Score.objects.exists()


def test_an_xlsx_bomb_with_a_false_declared_size_is_refused_quickly(client, world, card):
    from tests.xlsx_bombs import declare_size, xlsx_bomb

    sheet = "xl/worksheets/sheet1.xml"
    bomb = declare_size(xlsx_bomb(download(client, world), megabytes=100), sheet, 4000)
    response, elapsed, peak = timed_upload(client, world, bomb)
    assert errors_of(response) == [spreadsheets.NOT_XLSX]
    assert elapsed < 2 and peak < 100, (elapsed, peak)
    assert not Score.objects.exists()


def test_more_cells_than_the_clusters_template_holds_are_refused(client, world, card):
    # Small in bytes, but far more rows than this cluster's template has.
    from tests.xlsx_bombs import xlsx_bomb

    bomb = xlsx_bomb(download(client, world), megabytes=2)
    limits = spreadsheets.upload_limits(world.cluster_a, world.year)
    assert limits.rows < 200 and limits.part_bytes > 2 * 1024 * 1024
    errors = errors_of(upload(client, world, bomb))
    assert errors[0].startswith("Tệp Excel có hơn")
    assert "tối đa" in errors[0]


def test_the_template_writes_formula_like_codes_titles_and_names_as_text(client, world, card):
    # #12: what a cluster typed (a code "=1+2", a title "=HYPERLINK(…)", a unit
    # code "-…") comes back as text in Excel, never as a live formula.
    from clusters.models import Unit
    from scoring.models import Criterion

    Criterion.objects.filter(pk=card["I.1"].pk).update(code="=1+2")
    Criterion.objects.filter(pk=card["II.1"].pk).update(title='=HYPERLINK("http://x.invalid")')
    Unit.objects.filter(code="VY").update(code="-VY")
    sheet = load_workbook(BytesIO(download(client, world)))[spreadsheets.SHEET_TITLE]
    found = {
        cell.value: cell.data_type
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=-"
    }
    assert found == {
        "=1+2": "s",
        '=HYPERLINK("http://x.invalid")': "s",
        "-VY|1": "s",  # the hidden keys read back exactly
        "-VY|2": "s",
        "-VY – UBND huyện Việt Yên": "s",
    }
    # The keys are still the unit's: the file uploads as it is.
    assert upload(client, world, download(client, world)).status_code == 302


# Text cells are read the way people type figures; every figure is bounded
# (STYLE 17, issue #12)


def test_text_cells_are_read_with_a_decimal_comma_or_point(client, world, card):
    values = {("HH", "I.1"): ("100", "90,5"), ("HH", "I.3.2"): ("120.5", None)}
    response = upload(client, world, fill(download(client, world), values))
    assert response.status_code == 302
    scores = stored()
    assert scores["HH", "I.1"]["actual"] == Decimal("90.5")
    assert scores["HH", "I.3.2"]["points"] == Decimal("120.5")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1.000", "“1.000” không rõ là số thập phân hay số có dấu phân cách hàng nghìn"),
        ("９０", "“９０” không phải là số"),
        ("1e26", "“1e26” không phải là số"),
        (1e300, "Số quá lớn: tối đa 99.999.999.999.999,999999."),
        (Decimal("-1E+300"), "Số quá lớn"),
    ],
)
def test_an_ambiguous_foreign_or_huge_cell_is_refused_not_a_500(client, world, card, cell, message):
    values = {("HH", "I.1"): (100, cell)}
    errors = errors_of(upload(client, world, fill(download(client, world), values)))
    assert len(errors) == 1
    assert errors[0].startswith("Ô K6 (HH – I.1): ") and message in errors[0]
    assert not Score.objects.exists()
