"""The admin of scoring and awards: loads, in Vietnamese, without N+1, and keeps R17/R18."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards.models import Proposal
from clusters.models import Deduction, Membership, Participation
from scoring import services
from scoring.models import Bonus, Criterion, Flag, Quota, Score, Scorecard, Vote
from tests.factories import discuss_and_submit

pytestmark = pytest.mark.django_db

MODELS = [
    "scoring_framework",
    "scoring_frameworkcriterion",
    "scoring_scorecard",
    "scoring_criterion",
    "scoring_score",
    "scoring_bonus",
    "clusters_deduction",
    "clusters_participation",
    "scoring_flag",
    "scoring_quota",
    "scoring_vote",
    "awards_proposal",
]
# Frameworks are the data of a guidance (Phụ lục 02): shown, never added here.
# Participation facts change only with a source and a reason (R27, R35).
READ_ONLY = {"scoring_framework", "scoring_frameworkcriterion", "clusters_participation"}


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def data(world):
    """A row of every model, so changelists render real rows."""
    scorecard = services.scorecard_create_from_framework(
        cluster=world.cluster_a, year=world.year, user=world.head
    )
    discuss_and_submit(scorecard, world.head)
    services.scorecard_approve(scorecard=scorecard, user=world.staff)
    services.scorecard_issue(scorecard=scorecard, user=world.head)
    add_unit_rows(world, Membership.objects.get(unit=world.a_member, year=world.year), scorecard)
    return scorecard


def add_unit_rows(world, membership, scorecard):
    Score.objects.create(
        membership=membership, criterion=scorecard.criteria.get(code="I.1"), points=Decimal(20)
    )
    Bonus.objects.create(
        membership=membership, kind="council", points=Decimal(2), reason="Sáng tạo"
    )
    Deduction.objects.create(membership=membership, kind="member_duty", reason="Vắng hội nghị")
    Participation.objects.create(membership=membership, annual_report=False)
    Flag.objects.create(membership=membership, kind="defer", reason="under_review")
    Vote.objects.create(membership=membership, votes=3)
    Quota.objects.get_or_create(
        cluster=membership.cluster, year=world.year, award="bang_khen", defaults={"count": 2}
    )
    Proposal.objects.get_or_create(cluster=membership.cluster, year=world.year)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("query", [{}, {"q": "HH"}, {"q": "Hiệp"}])
def test_changelists_load_for_superuser(admin_client, data, model, query):
    response = admin_client.get(reverse(f"admin:{model}_changelist"), query)
    assert response.status_code == 200


@pytest.mark.parametrize("model", [m for m in MODELS if m not in READ_ONLY])
def test_add_pages_load_for_superuser(admin_client, data, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


@pytest.mark.parametrize("model", sorted(READ_ONLY))
def test_framework_is_read_only_in_the_admin(admin_client, model):
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403


def test_change_and_history_pages_load(admin_client, data):
    criterion = data.criteria.get(code="III.4.1")
    for name, obj in [
        ("admin:scoring_scorecard_change", data),
        ("admin:scoring_scorecard_history", data),
        ("admin:scoring_criterion_change", criterion),
        ("admin:scoring_score_change", Score.objects.get()),
        ("admin:scoring_score_history", Score.objects.get()),
        ("admin:scoring_flag_change", Flag.objects.get()),
    ]:
        assert admin_client.get(reverse(name, args=[obj.pk])).status_code == 200, name


def test_framework_criteria_are_visible(admin_client, world):
    from scoring.models import Framework

    framework = Framework.objects.get(year=2022)
    page = admin_client.get(reverse("admin:scoring_framework_change", args=[framework.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "III.4.1" in text and "Tổng thu ngân sách địa phương" in text

    listing = admin_client.get(
        reverse("admin:scoring_frameworkcriterion_changelist"),
        {"q": "ngân sách", "section__exact": "I", "group": "A"},
    ).content.decode()
    assert "Tổng thu ngân sách địa phương so chỉ tiêu" in listing


def test_admin_speaks_vietnamese(admin_client, data):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "Chấm điểm" in index and "Khen thưởng" in index and "Bảng chấm điểm" in index
    listing = admin_client.get(reverse("admin:scoring_criterion_changelist")).content.decode()
    assert "Nội dung" in listing and "Tiêu chí bổ sung" in listing


def test_scorecard_added_in_the_admin_is_a_draft_from_the_framework(admin_client, world):
    url = reverse("admin:scoring_scorecard_add")
    form = {"cluster": world.cluster_a.pk, "year": world.year.pk}

    response = admin_client.post(url, form)

    assert response.status_code == 302
    scorecard = Scorecard.objects.get()
    assert (scorecard.status, scorecard.version, scorecard.framework.year) == ("draft", 1, 2022)
    assert services.scorecard_validate(scorecard) == []
    assert scorecard.history.get().history_user == world.admin

    again = admin_client.post(url, form)
    assert again.status_code == 200
    assert "đã có bảng chấm điểm năm 2025 đang xử lý" in again.content.decode()
    assert Scorecard.objects.count() == 1


def test_issued_scorecard_and_its_criteria_are_read_only(admin_client, data):
    criterion = data.criteria.get(code="I.1")

    scorecard_post = admin_client.post(
        reverse("admin:scoring_scorecard_change", args=[data.pk]), {"cluster_bonus_max": "1"}
    )
    criterion_post = admin_client.post(
        reverse("admin:scoring_criterion_change", args=[criterion.pk]),
        {"title": "Đổi", "points": "1", "method": "qualitative", "direction": "higher"},
    )
    delete = admin_client.get(reverse("admin:scoring_scorecard_delete", args=[data.pk]))

    assert (scorecard_post.status_code, criterion_post.status_code, delete.status_code) == (
        403,
        403,
        403,
    )
    data.refresh_from_db()
    criterion.refresh_from_db()
    assert data.cluster_bonus_max == 5 and criterion.title != "Đổi"


def test_admin_add_of_a_criterion_respects_the_30_percent_limit(admin_client, world):
    scorecard = services.scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    url = reverse("admin:scoring_criterion_add")

    def add(code):
        return admin_client.post(
            url,
            {
                "scorecard": scorecard.pk,
                "section": "II",
                "code": code,
                "title": "Tiêu chí bổ sung",
                "points": "1",
                "method": "qualitative",
                "direction": "higher",
            },
        )

    assert add("II.10").status_code == 302
    assert add("II.11").status_code == 302
    refused = add("II.12")

    assert refused.status_code == 200
    assert "Phần II: đã cụ thể hóa/bổ sung 2/2 tiêu chí" in refused.content.decode()
    assert list(
        Criterion.objects.filter(scorecard=scorecard, added=True).values_list("code", flat=True)
    ) == ["II.10", "II.11"]


def test_admin_cannot_delete_a_framework_criterion_of_a_draft(admin_client, world):
    scorecard = services.scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    criterion = scorecard.criteria.get(code="I.1")

    response = admin_client.post(
        reverse("admin:scoring_criterion_delete", args=[criterion.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def queries_for(client, url, query=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query or {}).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("scoring_scorecard", {}),
        ("scoring_criterion", {"q": "III.1"}),
        ("scoring_score", {}),
        ("scoring_bonus", {}),
        ("clusters_deduction", {}),
        ("clusters_participation", {}),
        ("scoring_flag", {}),
        ("scoring_vote", {}),
        ("scoring_quota", {}),
        ("awards_proposal", {}),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, world, data, model, query):
    url = reverse(f"admin:{model}_changelist")
    few = queries_for(admin_client, url, query)

    other = services.scorecard_create_from_framework(cluster=world.cluster_b, year=world.year)
    discuss_and_submit(other, world.other_head)
    services.scorecard_approve(scorecard=other, user=world.staff)
    services.scorecard_issue(scorecard=other, user=world.other_head)
    for unit in (world.b_member, world.b_head):
        add_unit_rows(world, Membership.objects.get(unit=unit, year=world.year), other)

    assert queries_for(admin_client, url, query) == few


@pytest.mark.parametrize(
    ("points", "message"),
    [("1.000", "dấu phân cách hàng nghìn"), ("1e26", "không phải là số"), ("５", "chữ số 0–9")],
)
def test_admin_reads_figures_like_every_other_form(admin_client, world, points, message):
    """Issue #12: the admin's forms read figures with the same parser."""
    scorecard = services.scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    data = {"scorecard": scorecard.pk, "section": "II", "code": "II.10", "title": "Bổ sung"}
    data |= {"points": points, "method": "qualitative", "direction": "higher"}
    response = admin_client.post(reverse("admin:scoring_criterion_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Criterion.objects.filter(code="II.10").exists()


def test_admin_takes_a_decimal_comma(admin_client, world):
    scorecard = services.scorecard_create_from_framework(cluster=world.cluster_a, year=world.year)
    data = {"scorecard": scorecard.pk, "section": "II", "code": "II.10", "title": "Bổ sung"}
    data |= {"points": "1,5", "method": "qualitative", "direction": "higher"}
    assert admin_client.post(reverse("admin:scoring_criterion_add"), data).status_code == 302
    assert Criterion.objects.get(code="II.10").points == Decimal("1.5")


# --- Kinds named by the year's guidance (#16) ----------------------------------

NEW_BONUS, NEW_BONUS_LABEL = "sang_kien", "Có sáng kiến được công nhận"
NEW_DEDUCTION, NEW_DEDUCTION_LABEL = "nop_cham", "Nộp hồ sơ thi đua chậm"


def _apply_new_kinds(world):
    """A guidance with a bonus and a deduction kind the 2022 one lacks, applied to the year."""
    from scoring.guidances import default_guidance, guidance_apply, guidance_copy

    guidance = guidance_copy(guidance=default_guidance(), user=world.staff)
    parameters = guidance.parameters
    parameters["bonuses"] = {**parameters["bonuses"], NEW_BONUS: 3}
    parameters["deductions"] = {**parameters["deductions"], NEW_DEDUCTION: {"points": 2}}
    guidance.labels = {
        "bonuses": {NEW_BONUS: NEW_BONUS_LABEL},
        "deductions": {NEW_DEDUCTION: NEW_DEDUCTION_LABEL},
    }
    guidance.save()
    guidance_apply(guidance=guidance, year=world.year, user=world.staff, replacing=True)
    return guidance


def _member(world):
    return Membership.objects.get(unit=world.a_member, year=world.year)


def test_the_admin_names_a_new_kind_by_the_years_guidance(admin_client, world):
    _apply_new_kinds(world)
    bonus = Bonus.objects.create(membership=_member(world), kind=NEW_BONUS, points=Decimal(2))
    deduction = Deduction.objects.create(
        membership=_member(world), kind=NEW_DEDUCTION, reason="Nộp chậm"
    )

    for model, obj, label, code in (
        ("scoring_bonus", bonus, NEW_BONUS_LABEL, NEW_BONUS),
        ("clusters_deduction", deduction, NEW_DEDUCTION_LABEL, NEW_DEDUCTION),
    ):
        listing = admin_client.get(reverse(f"admin:{model}_changelist")).content.decode()
        assert listing.count(label) >= 2, model  # the row and the filter
        assert f">{code}<" not in listing, model
        filtered = admin_client.get(reverse(f"admin:{model}_changelist"), {"kind": code})
        assert filtered.status_code == 200 and label in filtered.content.decode()
        change = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
        assert f'value="{code}" selected>{label}</option>' in change.content.decode(), model
    assert NEW_BONUS_LABEL in str(bonus)


def _add(admin_client, model, member, kind):
    data = {"membership": member.pk, "kind": kind, "reason": "Theo hướng dẫn"}
    data |= {"points": "2"} if model == "scoring_bonus" else {"count": "1", "status": "confirmed"}
    return admin_client.post(reverse(f"admin:{model}_add"), data)


@pytest.mark.parametrize(
    ("model", "kind"), [("scoring_bonus", NEW_BONUS), ("clusters_deduction", NEW_DEDUCTION)]
)
def test_the_admin_refuses_a_kind_the_years_guidance_lacks(admin_client, world, model, kind):
    refused = _add(admin_client, model, _member(world), kind)

    assert refused.status_code == 200
    assert "không có trong hướng dẫn áp dụng cho năm 2025" in refused.content.decode()
    assert not Bonus.objects.exists() and not Deduction.objects.exists()

    _apply_new_kinds(world)
    assert _add(admin_client, model, _member(world), kind).status_code == 302
    assert (Bonus if model == "scoring_bonus" else Deduction).objects.get().kind == kind


def test_the_admin_adds_a_criterion_to_a_section_only_a_new_guidance_has(admin_client, world):
    """#16: sections are the year's guidance's (R37), not the 2022 I, II, III."""
    from scoring.guidances import apply_regulation
    from scoring.models import Framework, FrameworkCriterion
    from scoring.regulation import DEFAULT, regulation_from_json, regulation_to_json

    block = regulation_to_json(DEFAULT)
    block["sections"][0]["points"] = 450
    block["sections"].append(
        {"code": "VIII", "title": "Chuyển đổi số", "points": 100, "framework_criteria": 5}
    )
    block["code"] = "BN-2026"
    apply_regulation(world.year, regulation_from_json(block))
    scorecard = Scorecard.objects.create(cluster=world.cluster_a, year=world.year)
    data = {"scorecard": scorecard.pk, "section": "VIII", "code": "VIII.1", "title": "Số hóa"}
    data |= {"points": "1", "method": "qualitative", "direction": "higher"}

    response = admin_client.post(reverse("admin:scoring_criterion_add"), data)

    errors = re.findall(r"errorlist.*?</ul>", response.content.decode(), re.S)
    assert response.status_code == 302, errors
    assert Criterion.objects.get(scorecard=scorecard, code="VIII.1").section == "VIII"
    framework = Framework.objects.get(year=2022)
    FrameworkCriterion(
        framework=framework, section="VIII", code="VIII.1", title="Số hóa"
    ).full_clean()


def test_the_admin_names_a_proposed_award_by_the_years_guidance(admin_client, world):
    from awards.models import ProposalItem
    from scoring.guidances import apply_regulation
    from scoring.regulation import regulation_from_json

    block = {"awards": ["co_thi_dua", "bang_khen", "giay_khen"]}
    guidance = apply_regulation(world.year, regulation_from_json(block))
    guidance.labels = {"awards": {"giay_khen": "Giấy khen của Chủ tịch UBND tỉnh"}}
    guidance.save()
    proposal, _ = Proposal.objects.get_or_create(cluster=world.cluster_a, year=world.year)
    item = ProposalItem.objects.create(
        proposal=proposal,
        membership=_member(world),
        rank=1,
        total=Decimal(950),
        status="eligible",
        award="giay_khen",
    )
    label = "Giấy khen của Chủ tịch UBND tỉnh"

    listing = admin_client.get(reverse("admin:awards_proposalitem_changelist")).content.decode()
    assert listing.count(label) >= 2 and ">giay_khen<" not in listing  # the row and the filter
    change_url = reverse("admin:awards_proposalitem_change", args=[item.pk])
    change = admin_client.get(change_url).content.decode()
    assert f'value="giay_khen" selected>{label}</option>' in change
    assert label in str(item)

    data = {"proposal": proposal.pk, "membership": item.membership_id, "rank": "1"}
    data |= {"total": "950", "status": "eligible", "award": "tap_the_ldxs"}
    refused = admin_client.post(change_url, data)
    assert refused.status_code == 200
    assert "không có trong hướng dẫn áp dụng cho năm 2025" in refused.content.decode()
    assert ProposalItem.objects.get().award == "giay_khen"


def test_the_admin_names_a_new_reason_and_quota_award_by_the_years_guidance(admin_client, world):
    from scoring.guidances import apply_regulation
    from scoring.regulation import regulation_from_json

    block = {"exclusion_reasons": ["chuyen_doi_so"], "awards": ["co_thi_dua", "giay_khen"]}
    guidance = apply_regulation(world.year, regulation_from_json(block))
    reason, award = "Không hoàn thành chuyển đổi số", "Giấy khen của Chủ tịch UBND tỉnh"
    guidance.labels = {"reasons": {"chuyen_doi_so": reason}, "awards": {"giay_khen": award}}
    guidance.save()
    flag = Flag.objects.create(membership=_member(world), kind="exclude", reason="chuyen_doi_so")
    quota = Quota.objects.create(
        cluster=world.cluster_a, year=world.year, award="giay_khen", count=1
    )

    for model, obj, label, code in (
        ("scoring_flag", flag, reason, "chuyen_doi_so"),
        ("scoring_quota", quota, award, "giay_khen"),
    ):
        listing = admin_client.get(reverse(f"admin:{model}_changelist")).content.decode()
        assert listing.count(label) >= 2 and f">{code}<" not in listing, model
        change = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk])).content
        assert f'value="{code}" selected>{label}</option>' in change.decode(), model
        assert label in str(obj)

    data = {"membership": _member(world).pk, "kind": "exclude", "reason": "violation"}
    refused = admin_client.post(reverse("admin:scoring_flag_add"), data | {"revision": "1"})
    assert "không có trong hướng dẫn áp dụng cho năm 2025" in refused.content.decode()
    data = {"cluster": world.cluster_a.pk, "year": world.year.pk, "award": "bang_khen"}
    refused = admin_client.post(reverse("admin:scoring_quota_add"), data | {"count": "1"})
    assert "không có trong hướng dẫn áp dụng cho năm 2025" in refused.content.decode()
    assert Flag.objects.count() == 1 and Quota.objects.count() == 1


@pytest.mark.parametrize(
    ("cap", "valid"), [(None, False), (10, True)], ids=["2022_cap_5", "cap_10"]
)
def test_a_drafts_cluster_bonus_cap_is_bounded_by_the_years_guidance(world, cap, valid):
    """#16, R39: the admin bounds a cluster's bonus cap by the cap of the year's
    guidance; the model itself no longer holds 2022's 5."""
    from scoring.admin import ScorecardChangeForm
    from scoring.guidances import apply_regulation
    from scoring.regulation import DEFAULT, regulation_from_json, regulation_to_json

    if cap is not None:
        block = regulation_to_json(DEFAULT)
        block["code"] = "BN-2026"
        block["bonuses"]["cluster"] = cap
        apply_regulation(world.year, regulation_from_json(block))
    scorecard = Scorecard.objects.create(cluster=world.cluster_a, year=world.year)

    form = ScorecardChangeForm(instance=scorecard, data={"cluster_bonus_max": "8"})

    assert form.is_valid() is valid
    if not valid:
        assert form.errors["cluster_bonus_max"] == [
            "Điểm thưởng tối đa của cụm, khối không được vượt quá 5 điểm theo hướng dẫn "
            "áp dụng cho năm 2025 (BG-2022)."
        ]


def test_the_admin_keeps_a_bonus_kind_within_its_cap(admin_client, world):
    """R23 in the admin as on the pages: a unit's reporting bonuses total at most 5."""
    member = _member(world)
    given = Bonus.objects.create(
        membership=member, kind="reporting", points=Decimal(4), reason="Báo cáo đúng hạn"
    )
    data = {"membership": member.pk, "kind": "reporting", "reason": "Thêm", "points": "2"}

    refused = admin_client.post(reverse("admin:scoring_bonus_add"), data)

    assert refused.status_code == 200
    assert "tổng 6 điểm vượt mức tối đa 5 điểm" in refused.content.decode()
    assert Bonus.objects.count() == 1
    # An entry's change is measured without the points it replaces.
    change = reverse("admin:scoring_bonus_change", args=[given.pk])
    assert admin_client.post(change, data | {"points": "5"}).status_code == 302
    assert Bonus.objects.get().points == Decimal(5)


def test_the_admin_gives_no_cluster_bonus_before_the_scorecard_sets_its_cap(admin_client, world):
    data = {"membership": _member(world).pk, "kind": "cluster", "reason": "Tích cực", "points": "1"}

    refused = admin_client.post(reverse("admin:scoring_bonus_add"), data)

    assert "chưa có mức điểm thưởng tối đa của cụm, khối" in refused.content.decode()
    assert not Bonus.objects.exists()


def test_the_admin_keeps_the_deduction_rules(admin_client, world):
    """R25 in the admin as on the pages: a once-a-year kind is confirmed once
    (a proposal is not counted yet) and a head-only kind is for the head."""
    member = _member(world)
    Deduction.objects.create(
        membership=member, kind="award_structure", reason="Thiếu", status="confirmed"
    )
    data = {"membership": member.pk, "kind": "award_structure", "reason": "Lần hai"}
    data |= {"count": "1", "status": "confirmed"}
    add = reverse("admin:clusters_deduction_add")

    second = admin_client.post(add, data).content.decode()
    head_only = admin_client.post(add, data | {"kind": "head_duty", "status": "proposed"})

    assert "chỉ được trừ tối đa 1 lần trong năm" in second
    assert "chỉ áp dụng cho đơn vị trưởng cụm/khối" in head_only.content.decode()
    assert Deduction.objects.count() == 1
    assert admin_client.post(add, data | {"status": "proposed"}).status_code == 302
    assert Deduction.objects.count() == 2
