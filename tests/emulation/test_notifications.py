"""In-app notifications (#15): told when something waits for the user or
concerns it, a bell with the unread count in the bar (one query), a page of
the user's own notifications, read when opened or all at once; an e-mail
after the transaction commits."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from awards import services as award_services
from awards.models import Proposal
from clusters.models import Conference
from emulation.models import Notification, User
from emulation.notifications import notify
from scoring import services as scoring_services
from scoring import sheets
from scoring.models import Criterion, Scorecard, Sheet

pytestmark = pytest.mark.django_db

LIST = reverse("notifications")


def _texts(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("text", flat=True))


# ---------------------------------------------------------------------------
# The service


def test_each_recipient_is_told_once_and_emailed_after_commit(
    world, django_capture_on_commit_callbacks
):
    world.member.email = "thanhvien@bacgiang.gov.vn"
    world.member.save()
    with django_capture_on_commit_callbacks() as callbacks:
        notify(recipients=[world.member, world.member, world.head], text="Có việc.", link="/")
        assert mail.outbox == []  # nothing goes before the commit
    assert sorted(_texts(world.member) + _texts(world.head)) == ["Có việc.", "Có việc."]
    for callback in callbacks:
        callback()
    (message,) = mail.outbox  # the head has no address
    assert message.to == ["thanhvien@bacgiang.gov.vn"]
    assert "Có việc." in message.subject and "Có việc." in message.body


def test_a_long_text_is_cut_to_its_limit(world):
    (notice,) = notify(recipients=[world.member], text="Lý do " * 500, email=False)
    assert len(notice.text) <= 500


# ---------------------------------------------------------------------------
# The pages: the user's own only


def test_the_list_shows_only_the_users_own(client, world):
    notify(recipients=[world.member], text="Phiếu của Hiệp Hòa bị trả lại.", email=False)
    notify(recipients=[world.other_member], text="Phiếu của Giáp Hải bị trả lại.", email=False)
    client.force_login(world.member)
    page = client.get(LIST).content.decode()
    assert "Phiếu của Hiệp Hòa bị trả lại." in page
    assert "Giáp Hải" not in page


def test_the_list_is_paginated(client, world):
    for n in range(35):
        notify(recipients=[world.member], text=f"Thông báo số {n}.", email=False)
    client.force_login(world.member)
    first = client.get(LIST).content.decode()
    assert "Thông báo số 34." in first and "Thông báo số 4." not in first
    assert "Trang 1/2" in first
    assert "Thông báo số 4." in client.get(LIST + "?trang=2").content.decode()


def test_opening_one_marks_it_read_and_goes_to_its_page(client, world):
    (notice,) = notify(recipients=[world.member], text="Nhắc việc.", link="/viec-can-lam/")
    client.force_login(world.member)
    response = client.get(reverse("notification_open", args=[notice.pk]))
    assert response.status_code == 302 and response.url == "/viec-can-lam/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_link_elsewhere_is_not_followed(client, world):
    (notice,) = notify(recipients=[world.member], text="x", link="https://example.com/")
    client.force_login(world.member)
    response = client.get(reverse("notification_open", args=[notice.pk]))
    assert response.url == LIST


def test_another_users_notification_is_not_found_nor_marked(client, world):
    (notice,) = notify(recipients=[world.member], text="Nhắc việc.", email=False)
    client.force_login(world.other_member)
    assert client.get(reverse("notification_open", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_is_sent_to_login(client, world):
    (notice,) = notify(recipients=[world.member], text="Nhắc việc.", email=False)
    for url in (LIST, reverse("notification_open", args=[notice.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response.url
    response = client.post(reverse("notifications_read_all"))
    assert response.status_code == 302 and "/dang-nhap/" in response.url
    assert Notification.objects.unread().count() == 1


def test_read_all_marks_only_the_users_own(client, world):
    notify(recipients=[world.member, world.head], text="Có việc.", email=False)
    notify(recipients=[world.member], text="Việc khác.", email=False)
    client.force_login(world.member)
    page = client.get(LIST).content.decode()
    assert "Đánh dấu đã đọc tất cả" in page
    response = client.post(reverse("notifications_read_all"), follow=True)
    assert "Đã đánh dấu đã đọc 2 thông báo." in response.content.decode()
    assert not Notification.objects.filter(recipient=world.member).unread().exists()
    assert Notification.objects.filter(recipient=world.head).unread().count() == 1


# ---------------------------------------------------------------------------
# The bell


def test_the_bell_counts_the_unread(client, world):
    client.force_login(world.member)
    assert "data-unread" not in client.get(LIST).content.decode()
    for _ in range(3):
        notify(recipients=[world.member], text="Có việc.", email=False)
    notify(recipients=[world.head], text="Của trưởng cụm.", email=False)
    page = client.get(reverse("home")).content.decode()
    assert '<span class="badge rounded-pill text-bg-light" data-unread>3</span>' in page


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_bell_costs_one_query_whatever_the_notifications(client, world):
    client.force_login(world.member)
    url = reverse("password_change")  # a page that draws little but the bar
    before = _queries(client, url)
    for _ in range(40):
        notify(recipients=[world.member], text="Có việc.", email=False)
    assert _queries(client, url) == before
    Notification.objects.all().delete()
    # The bell's own query: the page without any unread costs the same.
    assert _queries(client, url) == before


def test_the_list_page_costs_the_same_queries_whatever_its_length(client, world):
    client.force_login(world.member)
    notify(recipients=[world.member], text="Có việc.", email=False)
    few = _queries(client, LIST)
    for _ in range(29):
        notify(recipients=[world.member], text="Có việc.", email=False)
    assert _queries(client, LIST) == few


# ---------------------------------------------------------------------------
# What tells whom


def _scorecard(world, status) -> Scorecard:
    return Scorecard.objects.create(cluster=world.cluster_a, year=world.year, status=status)


def test_approving_a_scorecard_tells_the_head(world):
    scorecard = _scorecard(world, Scorecard.Status.SUBMITTED)
    scoring_services.scorecard_approve(scorecard=scorecard, user=world.staff)
    (text,) = _texts(world.head)
    assert "đã phê duyệt bảng chấm điểm năm 2025" in text
    assert _texts(world.member) == []


def test_returning_a_scorecard_tells_the_head_why(world):
    scorecard = _scorecard(world, Scorecard.Status.SUBMITTED)
    scoring_services.scorecard_return(
        scorecard=scorecard, user=world.staff, reason="Tiêu chí I.2 chưa rõ"
    )
    (notice,) = Notification.objects.filter(recipient=world.head)
    assert "bị trả lại. Lý do: Tiêu chí I.2 chưa rõ" in notice.text
    assert notice.link == reverse("scorecard", args=["CUM-A", 2025])


def test_submitting_a_scorecard_tells_its_guiding_authority(world):
    scorecard = _scorecard(world, Scorecard.Status.SUBMITTED)
    from scoring import notices

    notices.scorecard_waiting(scorecard)
    assert "đang chờ" in _texts(world.staff)[0]
    assert _texts(world.other_staff) == []


def test_returning_a_sheet_tells_the_unit(world):
    _scorecard(world, Scorecard.Status.ISSUED)
    membership = world.a_member.memberships.get()
    Sheet.objects.create(membership=membership, status=Sheet.Status.SUBMITTED)
    sheets.sheet_return(membership=membership, user=world.head, reason="Thiếu minh chứng")
    (notice,) = Notification.objects.filter(recipient=world.member)
    assert "trả lại phiếu tự chấm điểm năm 2025" in notice.text
    assert "Thiếu minh chứng" in notice.text
    assert notice.link == reverse("sheet", args=[2025])
    assert _texts(world.other_member) == []


def test_adjusting_a_cell_tells_the_unit_its_agreed_figure_and_why(world):
    scorecard = _scorecard(world, Scorecard.Status.ISSUED)
    criterion = Criterion.objects.create(
        scorecard=scorecard, section="I", code="I.1", title="Tiêu chí I.1", points=Decimal(10)
    )
    membership = world.a_member.memberships.get()
    sheets.score_adjust(
        membership=membership,
        criterion=criterion,
        user=world.head,
        reason="Minh chứng chỉ đạt một nửa",
        points=Decimal("5"),
        revision=None,
    )
    (notice,) = Notification.objects.filter(recipient=world.member)
    assert "điều chỉnh điểm tiêu chí I.1" in notice.text
    assert "Minh chứng chỉ đạt một nửa" in notice.text
    assert notice.link == reverse("sheet", args=[2025])
    assert _texts(world.other_member) == []


def test_agreeing_the_scores_tells_every_member(world):
    scorecard = _scorecard(world, Scorecard.Status.ISSUED)
    Criterion.objects.create(
        scorecard=scorecard, section="I", code="I.1", title="Tiêu chí I.1", points=Decimal(10)
    )
    Conference.objects.create(
        cluster=world.cluster_a,
        year=world.year,
        kind=Conference.Kind.PREPARATORY,
        held_on=timezone.localdate(),
        place="UBND thành phố Bắc Giang",
    )
    sheets.scores_agree(
        cluster=world.cluster_a, year=world.year, user=world.head, unsubmitted_reason="Đã họp"
    )
    for user in (world.member, world.head, world.deputy):
        assert "đã được thống nhất" in _texts(user)[0]
    assert _texts(world.other_member) == []


def _proposal(world, status) -> Proposal:
    return Proposal.objects.create(
        cluster=world.cluster_a, year=world.year, status=status, submitted_by=world.head
    )


def test_a_proposal_submitted_waits_for_sonoivu(world):
    from awards import notices

    notices.proposal_submitted(_proposal(world, Proposal.Status.SUBMITTED))
    assert "chờ Sở Nội vụ tiếp nhận" in _texts(world.staff)[0]
    assert _texts(world.other_staff) == []


def test_a_proposal_returned_and_decided_tells_the_head(world, media_root):
    proposal = _proposal(world, Proposal.Status.SUBMITTED)
    award_services.proposal_return(proposal=proposal, reason="Thiếu biên bản", user=world.staff)
    assert "Thiếu biên bản" in _texts(world.head)[0]
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.ACCEPTED)
    # A decision awards each unit the council agreed: one unit proposed (#14).
    from decimal import Decimal

    from awards.models import ProposalItem
    from clusters.models import Membership

    ProposalItem.objects.create(
        proposal=proposal,
        membership=Membership.objects.get(
            cluster=world.cluster_a, year=world.year, unit=world.a_member
        ),
        rank=1,
        total=Decimal("950"),
        status="eligible",
        award="bang_khen",
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.permission_data import PDF_BYTES

    award_services.council_meeting_record(
        proposal=proposal,
        held_on=date(2026, 1, 15),
        members_present="Chủ tịch Hội đồng",
        verdicts={
            item.membership_id: award_services.Verdict("agreed") for item in proposal.items.all()
        },
        user=world.staff,
    )
    award_services.proposal_decide(
        proposal=proposal,
        number="123/QĐ-UBND",
        date=date(2026, 1, 20),
        signer="Nguyễn Văn A",
        user=world.staff,
        file=SimpleUploadedFile("qd.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    assert any("Quyết định số 123/QĐ-UBND ngày 20/01/2026" in t for t in _texts(world.head))
    award_services.proposal_announce(proposal=proposal, user=world.staff)
    assert any("đã được công bố" in t for t in _texts(world.member))


def test_the_scorecards_workflow_tells_who_acts_next(world):
    """Through the services: submitted → its authority; returned and approved →
    the head; issued → every member."""
    from tests.scoring.test_scorecard_services import discuss_and_submit, draft_for

    draft = draft_for(world)
    discuss_and_submit(draft, world.head)
    assert any("đang chờ" in t for t in _texts(world.staff))
    scoring_services.scorecard_return(scorecard=draft, user=world.staff, reason="Chưa cụ thể")
    discuss_and_submit(draft, world.head)
    scoring_services.scorecard_approve(scorecard=draft, user=world.staff)
    head = _texts(world.head)
    assert any("Chưa cụ thể" in t for t in head) and any("phê duyệt" in t for t in head)
    scoring_services.scorecard_issue(scorecard=draft, user=world.head)
    assert any("đã ban hành bảng chấm điểm năm 2025" in t for t in _texts(world.member))
    assert _texts(world.other_member) == []
