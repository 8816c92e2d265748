"""The members discuss and agree the draft scorecard before the head submits it.

The seed [II.1]: the cluster's scorecard "phải được các thành viên trong cụm,
khối thi đua thảo luận thống nhất, được Cơ quan thường trực Hội đồng TĐKT tỉnh
nhất trí trước khi ban hành" (issue 13). The head opens its draft to the
members, each member unit records its position (agree, agree with comments,
disagree), and only then does the head submit it, the positions attached.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clusters.models import Membership
from emulation import limits
from scoring import services
from scoring.models import Criterion, Scorecard, ScorecardPosition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = Scorecard.Status
Stance = ScorecardPosition.Stance
PAGE = "/bang-diem/CUM-A/2025/"


def url(name: str, code: str = "CUM-A") -> str:
    return reverse(name, args=[code, 2025])


def text(response) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def draft(world):
    return services.scorecard_create_from_framework(
        cluster=world.cluster_a, year=world.year, user=world.head
    )


@pytest.fixture
def lg_user(world):
    return UserFactory(username="langgiang", unit=world.a_member2)


def seat(world, unit) -> Membership:
    return Membership.objects.get(cluster=world.cluster_a, year=world.year, unit=unit)


def record(world, scorecard, unit, user, stance=Stance.AGREE, comment="", revision=None):
    return services.scorecard_position_record(
        scorecard=scorecard,
        membership=seat(world, unit),
        user=user,
        stance=stance,
        comment=comment,
        revision=revision,
    )


@pytest.fixture
def consulting(world, draft):
    services.scorecard_open_discussion(scorecard=draft, user=world.head)
    return draft


# ---------------------------------------------------------------------------
# The order: draft → members' discussion → submitted


def test_a_draft_no_member_has_seen_cannot_be_submitted(world, draft):
    with pytest.raises(ValidationError) as excinfo:
        services.scorecard_submit(scorecard=draft, user=world.head)

    assert "lấy ý kiến các thành viên" in " ".join(excinfo.value.messages)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_opening_the_discussion_makes_the_draft_read_only(world, draft):
    services.scorecard_open_discussion(scorecard=draft, user=world.head)

    draft.refresh_from_db()
    assert draft.status == Status.CONSULTING
    assert draft.get_status_display() == "Đang lấy ý kiến các thành viên"
    i1 = draft.criteria.get(code="I.1")
    with pytest.raises(ValidationError, match="chỉ sửa được khi còn là dự thảo"):
        services.criterion_update(criterion=i1, revision=i1.revision, title="Khác")
    assert draft.history.first().history_change_reason == (
        "Lấy ý kiến các thành viên: Dự thảo → Đang lấy ý kiến các thành viên"
    )


def test_an_invalid_draft_is_not_opened_to_the_members(world, draft):
    Criterion.objects.filter(scorecard=draft, code="I.1").update(points=20)

    with pytest.raises(ValidationError, match=r"Phần I: tổng điểm các tiêu chí"):
        services.scorecard_open_discussion(scorecard=draft, user=world.head)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_every_member_agreed_then_the_head_submits_without_a_reason(world, consulting, lg_user):
    record(world, consulting, world.a_deputy, world.deputy)
    record(world, consulting, world.a_member, world.member, Stance.COMMENTS, "Nên tách I.3.")
    record(world, consulting, world.a_member2, lg_user)

    services.scorecard_submit(scorecard=consulting, user=world.head)

    consulting.refresh_from_db()
    assert consulting.status == Status.SUBMITTED
    assert consulting.history.first().history_change_reason == (
        "Trình duyệt: Đang lấy ý kiến các thành viên → Đã trình cơ quan hướng dẫn. "
        "Lý do: Ý kiến các thành viên: 2 nhất trí, 1 nhất trí có góp ý."
    )


def test_a_missing_or_disagreeing_member_needs_the_heads_reason(world, consulting):
    record(world, consulting, world.a_member, world.member, Stance.DISAGREE, "Phần II thiếu.")

    with pytest.raises(ValidationError) as excinfo:
        services.scorecard_submit(scorecard=consulting, user=world.head)

    said = " ".join(excinfo.value.messages)
    assert "Chưa có ý kiến: LG, VY" in said
    assert "Không nhất trí: HH" in said
    assert "ghi lý do" in said
    consulting.refresh_from_db()
    assert consulting.status == Status.CONSULTING

    reason = "LG nghỉ họp, đã báo qua điện thoại; ý kiến của HH đã tiếp thu một phần."
    services.scorecard_submit(scorecard=consulting, user=world.head, reason=reason)

    consulting.refresh_from_db()
    assert (consulting.status, consulting.discussion_note) == (Status.SUBMITTED, reason)
    assert reason in consulting.history.first().history_change_reason


def test_the_head_reopens_the_draft_and_the_positions_given_are_voided(world, consulting):
    record(world, consulting, world.a_member, world.member, Stance.DISAGREE, "Phần II thiếu.")

    with pytest.raises(ValidationError, match="Cần ghi lý do"):
        services.scorecard_reopen(scorecard=consulting, user=world.head, reason="  ")
    services.scorecard_reopen(scorecard=consulting, user=world.head, reason="Sửa phần II")

    consulting.refresh_from_db()
    assert consulting.status == Status.DRAFT
    assert not consulting.positions.exists()
    gone = ScorecardPosition.history.filter(history_type="-").get()
    assert gone.history_user == world.head
    assert "Sửa phần II" in gone.history_change_reason


def test_a_returned_scorecard_goes_back_to_the_members_with_a_new_round(world, consulting):
    record(world, consulting, world.a_member, world.member)
    services.scorecard_submit(scorecard=consulting, user=world.head, reason="Đủ thời gian")
    services.scorecard_return(scorecard=consulting, user=world.staff, reason="Sửa I.3")

    with pytest.raises(ValidationError, match="lấy ý kiến các thành viên"):
        services.scorecard_submit(scorecard=consulting, user=world.head, reason="x")
    services.scorecard_open_discussion(scorecard=consulting, user=world.head)

    consulting.refresh_from_db()
    assert consulting.status == Status.CONSULTING
    assert not consulting.positions.exists()
    assert consulting.discussion_note == ""


# ---------------------------------------------------------------------------
# A member's position


def test_a_member_records_its_position_with_who_and_when(world, consulting):
    position = record(
        world, consulting, world.a_member, world.member, Stance.COMMENTS, "Tiêu chí I.3 nên rõ."
    )

    position.refresh_from_db()
    assert (position.stance, position.comment, position.recorded_by) == (
        Stance.COMMENTS,
        "Tiêu chí I.3 nên rõ.",
        world.member,
    )
    assert position.recorded_at is not None and position.revision == 1
    entry = position.history.get()
    assert entry.history_user == world.member
    assert entry.history_change_reason == (
        "Ý kiến của HH về bảng chấm điểm bản 1: Nhất trí, có góp ý"
    )


@pytest.mark.parametrize("stance", [Stance.COMMENTS, Stance.DISAGREE])
def test_comments_or_disagreement_need_the_words(world, consulting, stance):
    with pytest.raises(ValidationError, match="Cần ghi ý kiến"):
        record(world, consulting, world.a_member, world.member, stance, "   ")
    assert not consulting.positions.exists()


def test_a_comment_over_its_limit_is_refused(world, consulting):
    with pytest.raises(ValidationError, match=f"tối đa {limits.POSITION_COMMENT} ký tự"):
        record(
            world,
            consulting,
            world.a_member,
            world.member,
            Stance.COMMENTS,
            "x" * (limits.POSITION_COMMENT + 1),
        )
    assert not consulting.positions.exists()


def test_a_second_save_from_the_same_page_is_refused_as_stale(world, consulting):
    first = record(world, consulting, world.a_member, world.member, Stance.AGREE)

    with pytest.raises(services.StalePosition, match="Nhất trí"):
        record(world, consulting, world.a_member, world.member, Stance.DISAGREE, "Không")
    record(
        world,
        consulting,
        world.a_member,
        world.member,
        Stance.DISAGREE,
        "Không",
        revision=first.revision,
    )

    position = consulting.positions.get()
    assert (position.stance, position.revision) == (Stance.DISAGREE, 2)


def test_a_member_edits_only_its_own_position(world, consulting):
    with pytest.raises(PermissionDenied):
        record(world, consulting, world.a_member2, world.member)
    assert not consulting.positions.exists()


@pytest.mark.parametrize("who", ["head", "other_member"])
def test_the_head_unit_and_other_clusters_give_no_position(world, consulting, who):
    user = getattr(world, who)
    unit = world.a_head if who == "head" else world.b_member
    membership = Membership.objects.get(year=world.year, unit=unit)
    with pytest.raises(PermissionDenied):
        services.scorecard_position_record(
            scorecard=consulting,
            membership=membership,
            user=user,
            stance=Stance.AGREE,
            comment="",
            revision=None,
        )


def test_no_position_before_the_discussion_nor_after_the_submission(world, draft):
    with pytest.raises(ValidationError, match="chưa đưa ra lấy ý kiến"):
        record(world, draft, world.a_member, world.member)

    services.scorecard_open_discussion(scorecard=draft, user=world.head)
    services.scorecard_submit(scorecard=draft, user=world.head, reason="Cần trình gấp")

    with pytest.raises(ValidationError, match="đã trình"):
        record(world, draft, world.a_member, world.member)
    assert not draft.positions.exists()


# ---------------------------------------------------------------------------
# The pages


def test_member_reads_the_draft_and_gives_its_position_on_the_page(world, client, consulting):
    client.force_login(world.member)
    page = text(client.get(PAGE))
    assert "Đang lấy ý kiến các thành viên" in page
    assert "Ý kiến của đơn vị" in page

    response = client.post(
        url("scorecard_position"), {"stance": "comments", "comment": "Tiêu chí I.3 nên rõ."}
    )

    assert response.status_code == 302
    position = consulting.positions.get()
    assert (position.membership.unit, position.recorded_by) == (world.a_member, world.member)
    page = text(client.get(PAGE))
    assert "Tiêu chí I.3 nên rõ." in page


def test_a_stale_position_on_the_page_names_the_current_one(world, client, consulting):
    record(world, consulting, world.a_member, world.member, Stance.AGREE)
    client.force_login(world.member)

    response = client.post(url("scorecard_position"), {"stance": "disagree", "comment": "Không"})

    assert response.status_code == 200
    assert "vừa được người khác thay đổi" in text(response)
    assert consulting.positions.get().stance == Stance.AGREE
    # The form shown again carries the current revision: saving it now replaces.
    assert 'name="revision" value="1"' in response.content.decode()
    again = {"stance": "disagree", "comment": "Không", "revision": "1"}
    assert client.post(url("scorecard_position"), again).status_code == 302
    assert consulting.positions.get().stance == Stance.DISAGREE


def test_a_position_over_the_limit_is_refused_on_the_page(world, client, consulting):
    client.force_login(world.member)
    long = "x" * (limits.POSITION_COMMENT + 1)

    response = client.post(url("scorecard_position"), {"stance": "comments", "comment": long})

    assert response.status_code == 200
    assert f"Tối đa {limits.POSITION_COMMENT} ký tự" in text(response)
    assert not consulting.positions.exists()


@pytest.mark.parametrize("who", ["head", "staff", "other_member", "admin"])
def test_only_the_clusters_other_members_post_a_position(world, client, consulting, who):
    client.force_login(getattr(world, who))

    response = client.post(url("scorecard_position"), {"stance": "agree"})

    assert response.status_code == 403
    assert not consulting.positions.exists()


def test_anonymous_position_goes_to_login(client, consulting):
    response = client.post(url("scorecard_position"), {"stance": "agree"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["head", "staff"])
def test_head_and_staff_see_every_members_position(world, client, consulting, who):
    record(world, consulting, world.a_member, world.member, Stance.DISAGREE, "Phần II thiếu.")
    client.force_login(getattr(world, who))

    page = text(client.get(PAGE))

    assert "Ý kiến các thành viên" in page
    assert "UBND huyện Hiệp Hòa Không nhất trí Phần II thiếu." in page
    assert "UBND huyện Lạng Giang Chưa có ý kiến" in page


def test_a_member_does_not_see_the_others_positions(world, client, consulting, lg_user):
    record(world, consulting, world.a_member2, lg_user, Stance.DISAGREE, "Ý kiến riêng của LG.")
    client.force_login(world.member)

    assert "Ý kiến riêng của LG." not in text(client.get(PAGE))


def test_head_opens_reopens_and_submits_on_the_page(world, client, draft):
    client.force_login(world.head)
    assert "Lấy ý kiến các thành viên" in text(client.get(PAGE))

    assert client.post(url("scorecard_discuss")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.CONSULTING

    response = client.post(url("scorecard_submit"), {"reason": ""})
    assert response.status_code == 200
    assert "Chưa có ý kiến: HH, LG, VY" in text(response)

    response = client.post(url("scorecard_reopen"), {"reason": "Sửa phần II"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    client.post(url("scorecard_discuss"))
    response = client.post(url("scorecard_submit"), {"reason": "Các đơn vị đã góp ý tại hội nghị"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.discussion_note) == (
        Status.SUBMITTED,
        "Các đơn vị đã góp ý tại hội nghị",
    )
    client.force_login(world.staff)
    assert "Các đơn vị đã góp ý tại hội nghị" in text(client.get(PAGE))


def test_the_positions_and_their_voiding_are_in_the_history_page(world, client, consulting):
    record(world, consulting, world.a_member, world.member, Stance.COMMENTS, "Tiêu chí I.3 nên rõ.")
    services.scorecard_reopen(scorecard=consulting, user=world.head, reason="Sửa phần II")
    client.force_login(world.head)

    page = text(client.get(reverse("history", args=["CUM-A", 2025])))

    assert "Ý kiến về dự thảo bảng chấm điểm" in page
    assert "Ý kiến của HH về bảng chấm điểm bản 1: Nhất trí, có góp ý" in page
    assert "Trưởng cụm, khối mở lại dự thảo: Sửa phần II" in page
    unit_page = text(client.get(reverse("history_unit", args=["CUM-A", 2025, "HH"])))
    assert "Tiêu chí I.3 nên rõ." in unit_page


def test_a_members_home_asks_for_its_position_until_it_gave_one(world, client, consulting):
    client.force_login(world.member)
    asked = "Trưởng cụm, khối đang lấy ý kiến các thành viên về dự thảo bảng chấm điểm"

    page = text(client.get(reverse("home")))
    assert asked in page
    assert f'href="{PAGE}#y-kien-cua-don-vi"' in client.get(reverse("home")).content.decode()

    record(world, consulting, world.a_member, world.member)
    assert asked not in text(client.get(reverse("home")))
    client.force_login(world.head)
    assert asked not in text(client.get(reverse("home")))


def test_the_guiding_authority_sees_the_members_positions_with_the_draft(world, client):
    # Issue 13: the positions are "shown to the head and to Sở Nội vụ with the
    # draft"; the guiding authority that forwards it [IV.2] reads them too.
    draft = services.scorecard_create_from_framework(
        cluster=world.cluster_b, year=world.year, user=world.other_head
    )
    services.scorecard_open_discussion(scorecard=draft, user=world.other_head)
    services.scorecard_position_record(
        scorecard=draft,
        membership=Membership.objects.get(year=world.year, unit=world.b_member),
        user=world.other_member,
        stance=Stance.COMMENTS,
        comment="Tiêu chí II.2 nên chấm theo mức.",
        revision=None,
    )
    services.scorecard_submit(scorecard=draft, user=world.other_head)
    client.force_login(world.other_staff)

    page = text(client.get("/bang-diem/KHOI-B/2025/"))

    assert "Trường THPT Giáp Hải Nhất trí, có góp ý Tiêu chí II.2 nên chấm theo mức." in page
    assert "Ý kiến các thành viên: 1 nhất trí có góp ý" in page
