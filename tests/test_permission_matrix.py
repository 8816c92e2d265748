"""The permission matrix (issue 7): every URL of the project, for every role,
with the answer the product rules (R1–R3, clusters/access.py) call for.

A URL added to the project without a row here fails
`test_every_url_is_in_the_matrix`; a row whose URL is gone fails too.

Roles: anonymous; `member` (HH, a member unit of cluster_a: the unit whose
records the URLs concern); `other_member` (GH, cluster_b); `head` (TPBG, head
of cluster_a); `other_head` (NQ, head of cluster_b); `staff` (Sở Nội vụ, the
standing agency of the council, which guides cluster_a and sees the whole
province); `other_staff` (Sở Giáo dục và Đào tạo, a guiding authority of
[IV.2] guiding cluster_b, not cluster_a); `admin` (superuser, without unit or
authority).

Who decides (issue 13): the rows "…@KHOI-B" try each power of the province on
cluster_b, where the standing agency (`staff`), a guiding authority
(`other_staff`), the head (`other_head`), a member (`other_member`) and the
anonymous visitor are all different people.

Answers: "ok" (2xx, or a redirect that is not to a login page; for a POST sent
with empty or invalid data also 400), "login" (302 to the login page), 403,
404 (the object is invisible by design) and 405 (GET on a POST-only URL).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from awards import documents
from tests import permission_data
from tests.permission_data import agree, announce

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "member",
    "other_member",
    "head",
    "other_head",
    "staff",
    "other_staff",
    "admin",
)
OK, LOGIN = "ok", "login"

# URL prefixes covered elsewhere: the Django admin (tests/clusters/test_admin.py).
SKIPPED_PREFIXES = ("quan-tri/",)


def allow(*roles: str, anonymous: object = LOGIN, others: object = 403, **special) -> dict:
    """The expected answer of every role: "ok" for `roles`, `others` for the
    rest, `anonymous` for the anonymous user, and `special` role by role."""
    unknown = set(roles) - set(ROLES) or set(special) - set(ROLES)
    assert not unknown, f"Vai trò không có: {unknown}"
    expected = {role: OK if role in roles else others for role in ROLES}
    expected["anonymous"] = anonymous
    return expected | special


# Who may, by the helpers of clusters.access:
EVERY_USER = allow("member", "other_member", "head", "other_head", "staff", "other_staff", "admin")
# get_cluster_for_viewer / get_cluster_for_member: the cluster's units and the staff guiding it.
CLUSTER = allow("member", "head", "staff", "admin")
# get_cluster_for_lead_or_staff: the head (or delegated deputy) and the staff guiding the cluster.
OVERSEERS = allow("head", "staff", "admin")
# get_cluster_for_head: the head (or delegated deputy) only, not staff nor superuser.
HEAD = allow("head")
# get_cluster_for_staff: the staff guiding the cluster (Sở Nội vụ guides every one) and superusers.
STAFF = allow("staff", "admin")
# Approving or returning a scorecard (R18), reopening agreed scores (R35): the
# guiding authority's staff only, not a superuser (scoring.services and
# scoring.sheets refuse it; tests/scoring/test_builder_views.py, test_review_views.py).
GUIDING_STAFF = allow("staff")
# get_clusters_for_staff: any authority's staff, each seeing its own clusters.
AUTHORITY_STAFF = allow("staff", "other_staff", "admin")
# get_own_membership: any unit's user, for its own unit; no unit, no page.
OWN_UNIT = allow("member", "other_member", "head", "other_head")
# get_cluster_membership: the cluster's units acting for themselves.
CLUSTER_UNITS = allow("member", "head")
# get_cluster_member_asked: the cluster's member units but the head's, each for itself.
MEMBERS_ASKED = allow("member")
# get_member_for_overseer on HH's records: HH itself, its head, the staff.
HH_RECORD = allow("member", "head", "staff", "admin")
# get_member_for_overseer on LG's records (another unit of the same cluster).
LG_RECORD = allow("head", "staff", "admin")
# get_seat_for_results / get_proposal_for_viewer while the scores are not
# agreed (results) or the results not announced (proposal).
RESULTS = allow("head", "staff", "admin")
# Once the scores are agreed (results, award review, ranking, minutes: issue
# 13) or the results announced (the proposal, R34): the cluster's members too.
RESULTS_ANNOUNCED = allow("member", "head", "staff", "admin")
# The same rules from cluster_b's side: its units, its head, its authority and Sở Nội vụ.
CLUSTER_B = allow("other_member", "other_head", "staff", "other_staff", "admin")
OVERSEERS_B = allow("other_head", "staff", "other_staff", "admin")
STAFF_B = allow("staff", "other_staff", "admin")
# Powers of the province, kept by Sở Nội vụ as the council's standing agency,
# never by a guiding authority (clusters.access.get_cluster_for_province):
# quotas ("Cơ cấu, số lượng khen thưởng của từng cụm, khối thi đua do Chủ tịch
# UBND tỉnh hướng dẫn, phân bổ", III.2.1), the council's bonus ("Hội đồng TĐKT
# tỉnh đánh giá và thưởng tối đa không quá 10 điểm", II.2.3.d), the Government
# flag ("do Hội đồng TĐKT tỉnh lựa chọn", III.2.2), receiving the proposal and
# recording the Chairman's decision ("trình Chủ tịch UBND tỉnh xem xét, quyết
# định khen thưởng (qua Sở Nội vụ)", III.2.2), the deadlines.
PROVINCE = allow("staff", "admin")
# Agreeing a scorecard: "được Cơ quan thường trực Hội đồng TĐKT tỉnh nhất trí
# trước khi ban hành bảng chấm điểm" (II.1): the standing agency's staff only,
# not a superuser.
STANDING = allow("staff")
# A guiding authority follows its clusters and sends their scorecards on to
# Sở Nội vụ ("gửi các kết quả … bảng chấm điểm … về Sở Nội vụ", IV.2): it
# comments on and forwards a scorecard of its own clusters.
GUIDING_B = allow("other_staff")
# Returning a submitted scorecard: its guiding authority or Sở Nội vụ.
RETURNS_B = allow("staff", "other_staff")


@dataclass(frozen=True)
class Case:
    """One row: how to build the URL's kwargs from the data, how to call it
    and the expected answer per role."""

    kwargs: Callable[[object], dict]
    expect: dict
    method: str = "GET"
    data: dict | Callable[[object], dict] = field(default_factory=dict)
    setup: Callable[[object], None] | None = None


def get(kwargs, expect, **extra) -> Case:
    return Case(kwargs, expect, **extra)


def post(kwargs, expect, **extra) -> Case:
    """A POST, sent with empty (or the given) data: a POST-only action, or as
    a "name@post" row the submission of a form page."""
    return Case(kwargs, expect, method="POST", **extra)


def A(**more) -> Callable[[object], dict]:
    """cluster_a's year, and more kwargs computed from the data."""
    return lambda d: {**d.a, **{k: v(d) for k, v in more.items()}}


def B(**more) -> Callable[[object], dict]:
    return lambda d: {**d.b, **{k: v(d) for k, v in more.items()}}


def YEAR(**more) -> Callable[[object], dict]:
    return lambda d: {**d.year, **{k: v(d) for k, v in more.items()}}


def NONE(d) -> dict:
    return {}


def GUIDANCE(d) -> dict:
    return {"pk": d.guidance.pk}


def GUIDANCE_KIND(d) -> dict:
    return {"pk": d.guidance.pk, "year": d.world.year.year, "kind": "khoi"}


def _guidance_for_blocks(d) -> None:
    """The draft guidance scores the year's blocks instead of the year's (#16),
    set as an import would (KHOI-B has issued its scorecard)."""
    from scoring.guidances import guidance_apply

    guidance_apply(
        guidance=d.guidance, year=d.world.year, cluster_kind="khoi", user=None, replacing=True
    )


def GUIDANCE_CRITERION(d) -> dict:
    return {"pk": d.guidance.pk, "criterion_pk": d.guidance.framework.criteria.first().pk}


HH = {"unit": lambda d: "HH"}
LG = {"unit": lambda d: "LG"}


def UNIT_HH(d) -> dict:
    return {"unit": "HH"}


REASON = {"reason": "Nhập nhầm, xóa theo đề nghị của đơn vị"}

# Key: the URL's name, or "name@variant" for a second row of the same URL
# pointing at other data (another unit's records, cluster_b, another state).
MATRIX: dict[str, Case] = {
    # --- Authentication and the admin (one row each) -----------------------
    # Logged-in users are sent on to the home page.
    "login": get(NONE, allow(*ROLES[1:], anonymous=OK)),
    # Logging out ends on the login page whoever asks.
    "logout": post(NONE, allow(others=LOGIN)),
    # Each user changes their own password; resetting a forgotten one by
    # e-mail is open to anyone (an invalid link answers with its own page).
    "password_change": get(NONE, EVERY_USER),
    "password_change_done": get(NONE, EVERY_USER),
    "password_reset": get(NONE, allow(*ROLES, anonymous=OK)),
    "password_reset_done": get(NONE, allow(*ROLES, anonymous=OK)),
    "password_reset_confirm": get(
        lambda d: {"uidb64": "MQ", "token": "sai-ma"}, allow(*ROLES, anonymous=OK)
    ),
    "password_reset_complete": get(NONE, allow(*ROLES, anonymous=OK)),
    # The icon browsers ask for by themselves, for anyone.
    "favicon": get(NONE, allow(*ROLES, anonymous=OK)),
    # The admin's own login page for everyone but the superuser.
    "admin:index": get(NONE, allow("admin", others=LOGIN)),
    # --- clusters: home, the cluster, registration, pledge ----------------
    "home": get(NONE, EVERY_USER),
    "todo": get(NONE, EVERY_USER),
    "deadlines": get(YEAR(), AUTHORITY_STAFF),
    # Changing a date: Sở Nội vụ and superusers only (clusters.access.can_change_deadlines):
    # the guidance's deadlines are the province's (I.2.1, "báo cáo … (qua Sở Nội vụ)").
    "deadlines@post": post(YEAR(), PROVINCE),
    "reminders_sent": get(YEAR(), AUTHORITY_STAFF),
    "cluster_detail": get(A(), CLUSTER),
    "cluster_detail@KHOI-B": get(B(), CLUSTER_B),
    "registration_edit": get(YEAR(), OWN_UNIT),
    "registration_progress": get(A(), OVERSEERS),
    "registration_detail": get(A(**HH), HH_RECORD),
    "registration_detail@LG": get(A(**LG), LG_RECORD),
    # Entering a unit's registration from paper (#14): the head (or delegated
    # deputy) and Sở Nội vụ, not a guiding authority. HH's is submitted: its page.
    "registration_behalf": get(A(**HH), OVERSEERS),
    "registration_behalf@KHOI-B": get(
        B(unit=lambda d: "GH"), allow("other_head", "staff", "admin")
    ),
    # The participation records (R27): the head and the staff, not the unit itself.
    "participation": get(A(), OVERSEERS),
    "participation_edit": get(A(**HH), OVERSEERS),
    "participation_edit@post": post(
        A(**HH), OVERSEERS, data={"fact": "registered", "value": "yes", "reason": "Bản giấy"}
    ),
    "pledge": get(A(), CLUSTER),
    "pledge_edit": get(A(), HEAD),
    "pledge_sign": post(A(), CLUSTER_UNITS),
    "pledge_paper": post(A(), HEAD),
    "pledge_signature_correct": post(A(pk=lambda d: d.signature.pk), OVERSEERS),
    "head_documents": get(A(), CLUSTER),
    "head_document_upload": get(A(), HEAD),
    "reports": get(A(), CLUSTER),
    "report_upload": get(A(), CLUSTER_UNITS),
    # Stored files: a member's report for the unit itself, its head and the
    # staff; the cluster's documents for its units and the staff.
    "upload_download": get(lambda d: {"kind": "bao-cao", "pk": d.report.pk}, HH_RECORD),
    "upload_download@LG": get(lambda d: {"kind": "bao-cao", "pk": d.lg_report.pk}, LG_RECORD),
    "upload_download@giao-uoc": get(lambda d: {"kind": "giao-uoc", "pk": d.pledge.pk}, CLUSTER),
    "upload_download@van-ban": get(
        lambda d: {"kind": "van-ban", "pk": d.head_document.pk}, CLUSTER
    ),
    "upload_download@bien-ban": get(lambda d: {"kind": "bien-ban", "pk": d.conference.pk}, CLUSTER),
    # Extensions (#14): read by the head and the staff guiding the cluster;
    # granted and revoked by Sở Nội vụ and the head, never by a guiding authority.
    "extensions": get(A(), OVERSEERS),
    "extensions@post": post(A(), OVERSEERS),
    "extensions@KHOI-B": get(B(), OVERSEERS_B),
    "extensions@post-KHOI-B": post(B(), allow("other_head", "staff", "admin")),
    "extension_revoke": post(A(pk=lambda d: d.extension.pk), OVERSEERS, data=REASON),
    # Reminders by hand (#15): the head (or delegated deputy) and Sở Nội vụ,
    # not a guiding authority (clusters.access.get_cluster_for_reminding).
    "reminders_by_hand": get(A(), allow("head", "staff", "admin")),
    "reminders_by_hand@post": post(A(), allow("head", "staff", "admin")),
    "reminders_by_hand@KHOI-B": get(B(), allow("other_head", "staff", "admin")),
    # The user's own notifications (#15): another user's is not found.
    "notifications": get(NONE, EVERY_USER),
    "notification_open": get(lambda d: {"pk": d.notification.pk}, allow("member", others=404)),
    "notifications_read_all": post(NONE, EVERY_USER),
    # The head's delegation to the deputy (#14): the cluster sees it; only the
    # head itself gives or ends one (not staff, not a delegated deputy).
    # The year's records (#14). Exemplary models: read by the cluster, put
    # forward by each unit for itself, withdrawn by their own unit only, marked
    # presented by the head; the province's list for the staff, each its own clusters.
    "exemplars": get(A(), CLUSTER),
    "exemplar_propose": get(A(), CLUSTER_UNITS),
    "exemplar_withdraw": post(A(pk=lambda d: d.exemplar.pk), allow("member")),
    "exemplars_present": post(A(), HEAD),
    "exemplars_province": get(YEAR(), AUTHORITY_STAFF),
    "upload_download@dien-hinh": get(lambda d: {"kind": "dien-hinh", "pk": d.exemplar.pk}, CLUSTER),
    # A conference's guests and the adoption of its minutes: the head.
    "conference_guests": get(A(pk=lambda d: d.conference.pk), HEAD),
    "conference_guest_remove": post(
        A(pk=lambda d: d.conference.pk, guest=lambda d: d.guest.pk), HEAD
    ),
    "conference_adopt": get(A(pk=lambda d: d.conference.pk), HEAD),
    # The cluster's own report: sent by the head, read by the cluster and staff.
    "cluster_report_send": get(A(), HEAD),
    "upload_download@bao-cao-cum": get(
        lambda d: {"kind": "bao-cao-cum", "pk": d.cluster_report.pk}, CLUSTER
    ),
    # Ad-hoc reports: asked by Sở Nội vụ, answered by each addressee for itself.
    "adhoc_reports": get(A(), CLUSTER),
    "adhoc_reports@post": post(A(), PROVINCE),
    "adhoc_answer": get(A(pk=lambda d: d.adhoc.pk), CLUSTER_UNITS),
    "upload_download@dot-xuat": get(
        lambda d: {"kind": "dot-xuat", "pk": d.adhoc_answer.pk}, HH_RECORD
    ),
    # The guiding authority's evaluation [IV.2]: read by the staff who see the
    # cluster, written and sent by its guiding authority only (Sở Nội vụ
    # guides cluster_a itself; Sở GD&ĐT guides cluster_b).
    "evaluation": get(A(), STAFF),
    "evaluation@KHOI-B": get(B(), STAFF_B),
    "evaluation@post": post(A(), allow("staff")),
    "evaluation@post-KHOI-B": post(B(), GUIDING_B),
    "evaluation_send": post(A(), allow("staff")),
    "evaluation_send@KHOI-B": post(B(), GUIDING_B),
    "evaluations_province": get(YEAR(), AUTHORITY_STAFF),
    "delegations": get(A(), CLUSTER),
    "delegations@post": post(A(), HEAD),
    "delegation_end": post(A(pk=lambda d: d.delegation.pk), HEAD, data=REASON),
    # What a unit's documents print (#15): its own officers, and Sở Nội vụ for any unit.
    "letterhead_own": get(NONE, OWN_UNIT),
    "letterhead_own@post": post(NONE, OWN_UNIT),
    "letterhead_unit": get(lambda d: {"unit": "HH"}, PROVINCE),
    "letterhead_unit@post": post(lambda d: {"unit": "HH"}, PROVINCE),
    # Heads and deputies before the cluster's first year in the system (#14):
    # read by whoever sees the cluster, entered, corrected and removed by Sở
    # Nội vụ (and superusers), never by a guiding authority or the head.
    "prior_roles": get(A(), CLUSTER),
    "prior_roles@post": post(A(), PROVINCE),
    "prior_roles@KHOI-B": get(B(), CLUSTER_B),
    "prior_roles@post-KHOI-B": post(B(), PROVINCE),
    "prior_role_edit": get(A(pk=lambda d: d.prior_role.pk), PROVINCE),
    "prior_role_edit@post": post(A(pk=lambda d: d.prior_role.pk), PROVINCE),
    "prior_role_remove": post(A(pk=lambda d: d.prior_role.pk), PROVINCE, data=REASON),
    # --- Conferences, deductions, election ---------------------------------
    "conferences": get(A(), CLUSTER),
    "conference_create": get(A(kind=lambda d: "so-ket"), HEAD),
    "conference_detail": get(A(pk=lambda d: d.conference.pk), CLUSTER),
    "conference_edit": get(A(pk=lambda d: d.conference.pk), HEAD),
    "conference_attendance": get(A(pk=lambda d: d.conference.pk), HEAD),
    "deductions": get(A(), OVERSEERS),
    "deduction_propose": post(A(), HEAD),
    "deduction_confirm": post(A(pk=lambda d: d.proposed_deduction.pk), STAFF),
    "deduction_reject": post(A(pk=lambda d: d.proposed_deduction.pk), STAFF),
    "election": get(A(), OVERSEERS),
    "election_record": post(A(), OVERSEERS),
    "election_assign": post(A(), STAFF),
    "election_assign_correct": post(A(), STAFF),
    # --- scoring: the scorecard builder (an open draft exists) -------------
    "scorecards_pending": get(NONE, AUTHORITY_STAFF),
    "scorecard": get(A(), CLUSTER),
    "scorecard@KHOI-B": get(B(), CLUSTER_B),
    "scorecard_create": post(A(), HEAD),
    "criterion_add": post(A(section=lambda d: "I"), HEAD),
    "criterion_save": post(A(pk=lambda d: d.draft_leaf.pk), HEAD),
    "criterion_split": post(A(pk=lambda d: d.draft_leaf.pk), HEAD),
    "criterion_remove": post(A(pk=lambda d: d.draft_leaf.pk), HEAD),
    # The members discuss the draft before it is submitted (II.1): the head
    # opens it to them or takes it back; each other member unit of the cluster
    # gives its own position (the head's unit drafted it).
    "scorecard_discuss": post(A(), HEAD),
    "scorecard_reopen": post(A(), HEAD),
    "scorecard_position": post(A(), MEMBERS_ASKED),
    "scorecard_position@KHOI-B": post(B(), allow("other_member")),
    "scorecard_submit": post(A(), HEAD),
    "scorecard_approve": post(A(), STANDING),
    "scorecard_approve@KHOI-B": post(B(), STANDING),
    # With a reason, so the refusal of the services (R18) is reached.
    "scorecard_return": post(A(), GUIDING_STAFF, data={"reason": "Chưa rõ cách chấm"}),
    "scorecard_return@KHOI-B": post(B(), RETURNS_B, data={"reason": "Chưa rõ cách chấm"}),
    # cluster_a's guiding authority is Sở Nội vụ itself: nothing to forward.
    "scorecard_forward": post(A(), allow()),
    "scorecard_forward@KHOI-B": post(B(), GUIDING_B, data={"note": "Đề nghị Sở Nội vụ xem xét"}),
    "scorecard_comment": post(A(), GUIDING_STAFF),
    "scorecard_comment@KHOI-B": post(B(), GUIDING_B, data={"note": "Tiêu chí I.3 chưa rõ"}),
    "scorecard_issue": post(A(), HEAD),
    "scorecard_new_version": post(A(), HEAD),
    # --- Self-scoring and evidence: one's own sheet ------------------------
    "sheet": get(YEAR(), OWN_UNIT),
    "sheet_submit": post(YEAR(), OWN_UNIT),
    # A criterion of cluster_a: not a row of cluster_b's sheets (404).
    "sheet_row": post(
        YEAR(criterion_id=lambda d: d.leaf.pk),
        allow("member", "head", other_member=404, other_head=404),
    ),
    "evidence_upload": post(
        YEAR(criterion_id=lambda d: d.leaf.pk),
        allow("member", "head", other_member=404, other_head=404),
    ),
    "evidence_download": get(lambda d: {"pk": d.evidence.pk}, HH_RECORD),
    "evidence_download@LG": get(lambda d: {"pk": d.lg_evidence.pk}, LG_RECORD),
    # Only the unit removes its evidence (R19–R22); the head and staff read it.
    "evidence_delete": post(lambda d: {"pk": d.evidence.pk}, allow("member")),
    # --- The head's review -------------------------------------------------
    "review": get(A(), OVERSEERS),
    "review@KHOI-B": get(B(), OVERSEERS_B),
    # The agree page lists the sheets not submitted (#11.6); its form posts to itself.
    "review_agree": get(A(), HEAD),
    "review_agree@post": post(A(), HEAD),
    # Reopening agreed scores is the guiding authority's staff's alone, not a
    # superuser's (scoring.sheets.scores_reopen); the page is only its form.
    "review_reopen": get(A(), GUIDING_STAFF),
    "review_reopen@post": post(A(), GUIDING_STAFF, data={"reason": "Khiếu nại của đơn vị"}),
    "review_return": get(A(**HH), HEAD),
    "review_cell": get(A(**HH, criterion_id=lambda d: d.leaf.pk), HEAD),
    # A unit's sheet entered from its paper copy (#14): the head (or delegated
    # deputy) and Sở Nội vụ, not a guiding authority nor the unit itself.
    "sheet_behalf": get(A(**HH), OVERSEERS),
    "sheet_behalf@post": post(A(**HH), OVERSEERS),
    "sheet_behalf@KHOI-B": get(B(unit=lambda d: "GH"), allow("other_head", "staff", "admin")),
    "scores_template": get(A(), OVERSEERS),
    "scores_import": get(A(), HEAD),
    # --- Bonuses, deductions and flags -------------------------------------
    "adjustments": get(A(), OVERSEERS),
    "adjustments@KHOI-B": get(B(), OVERSEERS_B),
    "adjustment_bonus_add": post(A(), OVERSEERS),
    # The head removes its cluster bonus; staff the reporting and council ones (R23).
    "adjustment_bonus_remove": post(A(pk=lambda d: d.head_bonus.pk), HEAD, data=REASON),
    "adjustment_bonus_remove@staff-bonus": post(
        A(pk=lambda d: d.staff_bonus.pk), STAFF, data=REASON
    ),
    # The council's bonus (R23, II.2.3.d) is given and removed by Sở Nội vụ only.
    "adjustment_bonus_add@council-KHOI-B": post(
        B(),
        PROVINCE,
        data=lambda d: {"member": d.gh.pk, "kind": "council", "points": "2", "reason": "Sáng tạo"},
    ),
    "adjustment_bonus_remove@council-KHOI-B": post(
        B(pk=lambda d: d.council_bonus_b.pk), PROVINCE, data=REASON
    ),
    "adjustment_deduction_add": post(A(), STAFF),
    "adjustment_deduction_remove": post(A(pk=lambda d: d.deduction.pk), STAFF, data=REASON),
    "adjustment_flag_set": post(A(), STAFF),
    "adjustment_flag_remove": post(A(pk=lambda d: d.flag.pk), STAFF, data=REASON),
    "adjustment_evidence": get(
        A(**HH, what=lambda d: "diem-tru", pk=lambda d: d.deduction.pk), HH_RECORD
    ),
    "adjustment_evidence@khong-xet": get(
        A(**HH, what=lambda d: "khong-xet", pk=lambda d: d.flag.pk), HH_RECORD
    ),
    "adjustment_evidence@LG": get(
        A(**LG, what=lambda d: "diem-tru", pk=lambda d: d.lg_deduction.pk), LG_RECORD
    ),
    # --- The audit history (R35): the head and staff, not the unit itself --
    "history": get(A(), OVERSEERS),
    "history_unit": get(A(**HH), OVERSEERS),
    # --- Results (members once the scores are agreed, issue 13; R11, R34) --
    "results": get(A(), RESULTS),
    "results@agreed": get(A(), RESULTS_ANNOUNCED, setup=agree),
    "results@announced": get(A(), RESULTS_ANNOUNCED, setup=announce),
    "results_download": get(A(fmt=lambda d: "csv"), RESULTS),
    "results_download@agreed": get(A(fmt=lambda d: "csv"), RESULTS_ANNOUNCED, setup=agree),
    # --- Awards --------------------------------------------------------------
    "award_quotas": get(A(), STAFF),
    "award_quotas@KHOI-B": get(B(), PROVINCE),
    "award_quotas@post-KHOI-B": post(B(), PROVINCE),
    "award_review": get(A(), RESULTS),
    "award_review@agreed": get(A(), RESULTS_ANNOUNCED, setup=agree),
    "award_vote": post(A(), HEAD),
    "award_proposals": get(YEAR(), AUTHORITY_STAFF),
    "award_proposal": get(A(), RESULTS),
    "award_proposal@announced": get(A(), RESULTS_ANNOUNCED, setup=announce),
    "award_proposal_submit": post(A(), HEAD),
    "award_proposal_return": get(A(), STAFF),
    "award_proposal_accept": post(A(), STAFF),
    "award_proposal_nominate": post(A(**HH), STAFF),
    "award_proposal_withdraw": post(A(**HH), STAFF),
    "award_proposal_decide": get(A(), STAFF),
    "award_proposal_decision_correct": get(A(), STAFF),
    "award_proposal_announce": post(A(), STAFF),
    # The council's meeting and results, the decisions' signed scans, the dossier (#14).
    "award_proposal_council": get(A(), STAFF),
    "award_proposal_council_change": get(A(**HH), STAFF),
    # cluster_a's meeting has a decision on it: Sở Nội vụ reads that it is frozen.
    "award_proposal_council_correct": get(A(), STAFF),
    "award_proposal_council_correct@post": post(A(), STAFF),
    "award_decision_file": get(A(pk=lambda d: d.decision.pk), RESULTS),
    "award_decision_file@announced": get(
        A(pk=lambda d: d.decision.pk), RESULTS_ANNOUNCED, setup=announce
    ),
    "award_dossier_upload": post(A(), HEAD),
    "award_dossier_file": get(A(kind=lambda d: "to_trinh"), OVERSEERS),
    # cluster_b's proposal, submitted: received, returned, nominated and
    # decided on by Sở Nội vụ, never by the authority guiding the cluster.
    "award_proposal@KHOI-B": get(B(), OVERSEERS_B),
    "award_proposal_return@KHOI-B": get(B(), PROVINCE),
    "award_proposal_return@post-KHOI-B": post(B(), PROVINCE, data=REASON),
    "award_proposal_accept@KHOI-B": post(B(), PROVINCE),
    "award_proposal_nominate@KHOI-B": post(B(unit=lambda d: "GH"), PROVINCE),
    "award_proposal_withdraw@KHOI-B": post(B(unit=lambda d: "GH"), PROVINCE),
    "award_proposal_decide@KHOI-B": get(B(), PROVINCE),
    "award_proposal_decide@post-KHOI-B": post(B(), PROVINCE),
    "award_proposal_decision_correct@KHOI-B": get(B(), PROVINCE),
    "award_proposal_decision_correct@post-KHOI-B": post(B(), PROVINCE),
    "award_proposal_announce@KHOI-B": post(B(), PROVINCE),
    "award_proposal_council@KHOI-B": get(B(), PROVINCE),
    "award_proposal_council@post-KHOI-B": post(B(), PROVINCE),
    # No council result in cluster_b: Sở Nội vụ finds none, the guiding authority may not look.
    "award_proposal_council_change@KHOI-B": get(
        B(unit=lambda d: "GH"), allow(staff=404, admin=404)
    ),
    # No meeting recorded for cluster_b: nothing to correct.
    "award_proposal_council_correct@KHOI-B": get(B(), allow(staff=404, admin=404)),
    # --- Official documents (PDF) ------------------------------------------
    "document_registration": get(YEAR(), OWN_UNIT),
    "document_registration_member": get(A(**HH), HH_RECORD),
    "document_registration_member@LG": get(A(**LG), LG_RECORD),
    "document_sheet": get(YEAR(), OWN_UNIT),
    "document_sheet_member": get(A(**HH), HH_RECORD),
    "document_sheet_member@LG": get(A(**LG), LG_RECORD),
    "document_ranking": get(A(), RESULTS),
    "document_ranking@agreed": get(A(), RESULTS_ANNOUNCED, setup=agree),
    "document_minutes": get(A(), RESULTS),
    "document_minutes@agreed": get(A(), RESULTS_ANNOUNCED, setup=agree),
    "document_proposal": get(A(), OVERSEERS),
    # --- The organisation (#14): kept by Sở Nội vụ (and superusers); any
    # authority's staff read the units and clusters of their own clusters.
    "year_start": get(A(), PROVINCE),
    "year_start@post": post(A(), PROVINCE),
    "year_start@KHOI-B": get(B(), PROVINCE),
    "memberships_edit": get(A(), PROVINCE),
    "memberships_edit@post-KHOI-B": post(B(), PROVINCE),
    "units": get(NONE, AUTHORITY_STAFF),
    "unit_create": get(NONE, PROVINCE),
    "unit_edit": get(lambda d: {"code": "HH"}, PROVINCE),
    "unit_edit@KHOI-B": get(lambda d: {"code": "GH"}, PROVINCE),
    "unit_active": post(lambda d: {"code": "GH"}, PROVINCE),
    "cluster_list": get(NONE, AUTHORITY_STAFF),
    "cluster_create": get(NONE, PROVINCE),
    "cluster_edit": get(lambda d: {"code": "KHOI-B"}, PROVINCE),
    # Units' accounts: only Sở Nội vụ creates, deactivates and sends the link.
    "accounts": get(NONE, PROVINCE),
    "account_create": get(NONE, PROVINCE),
    "account_create@post": post(NONE, PROVINCE),
    "account_active": post(lambda d: {"pk": d.account.pk}, PROVINCE),
    "account_send_link": post(lambda d: {"pk": d.account.pk}, PROVINCE),
    # --- The province at a glance: any authority's staff, its own clusters -
    "province_current": get(NONE, AUTHORITY_STAFF),
    "province": get(YEAR(), AUTHORITY_STAFF),
    "province_download": get(YEAR(), AUTHORITY_STAFF),
    # --- A unit's record over the years (HH): the unit, the head of its
    # cluster, Sở Nội vụ; only the province records a succession (#14, #16).
    # clusters.access.get_unit_for_record: as HH's other records.
    "unit_record": get(UNIT_HH, HH_RECORD),
    "unit_record@post": post(UNIT_HH, PROVINCE),
    "unit_record_download": get(UNIT_HH, HH_RECORD),
    # --- Guidances (#16): read by everyone signed in; copied, edited and
    # applied by Sở Nội vụ, the council's standing agency (and superusers).
    "guidance_list": get(NONE, EVERY_USER),
    "guidance_detail": get(GUIDANCE, EVERY_USER),
    "guidance_copy": post(GUIDANCE, PROVINCE),
    "guidance_edit": get(GUIDANCE, PROVINCE),
    "guidance_edit@post": post(GUIDANCE, PROVINCE),
    "guidance_apply": get(GUIDANCE, PROVINCE),
    "guidance_apply@post": post(GUIDANCE, PROVINCE),
    "guidance_unapply": get(GUIDANCE_KIND, PROVINCE, setup=_guidance_for_blocks),
    "guidance_unapply@post": post(
        GUIDANCE_KIND, PROVINCE, setup=_guidance_for_blocks, data={"reason": "Nhầm loại"}
    ),
    "guidance_framework": get(GUIDANCE, PROVINCE),
    "guidance_framework@post": post(GUIDANCE, PROVINCE),
    "guidance_framework_upload": post(GUIDANCE, PROVINCE),
    "guidance_framework_download": get(GUIDANCE, EVERY_USER),
    "guidance_criterion": get(GUIDANCE_CRITERION, PROVINCE),
    "guidance_criterion@post": post(GUIDANCE_CRITERION, PROVINCE),
    "guidance_criterion_remove": post(GUIDANCE_CRITERION, PROVINCE),
}


def url_name(key: str) -> str:
    return key.split("@", 1)[0]


# ---------------------------------------------------------------------------
# Every URL of the project


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str | None]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name


def project_urls() -> dict[str, str | None]:
    """Route → name of every URL outside the skipped prefixes."""
    return {
        route: name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    }


def test_every_url_is_in_the_matrix():
    urls = project_urls()
    unnamed = sorted(route for route, name in urls.items() if name is None)
    assert not unnamed, f"URL không có tên (không kiểm được quyền): {', '.join(unnamed)}"
    names = set(urls.values()) | {"admin:index"}
    covered = {url_name(key) for key in MATRIX}
    missing = sorted(names - covered)
    assert not missing, f"URL {', '.join(missing)} chưa có trong ma trận phân quyền"
    gone = sorted(covered - names)
    assert not gone, f"Ma trận phân quyền có URL không còn tồn tại: {', '.join(gone)}"


def test_every_row_names_every_role():
    wrong = {key: sorted(set(case.expect) ^ set(ROLES)) for key, case in MATRIX.items()}
    assert not {key: roles for key, roles in wrong.items() if roles}


# A criterion of cluster_a is no row of a cluster_b unit's own sheet: not found.
NOT_FOUND_BY_DESIGN = {
    ("sheet_row", "other_member"),
    ("sheet_row", "other_head"),
    ("evidence_upload", "other_member"),
    ("evidence_upload", "other_head"),
}


def test_post_actions_refuse_with_403_or_login():
    """The rows' own promise: a POST action refuses a role with 403 or the
    login page (404 only where listed), never with an answer that could mean it ran."""
    loose = [
        (key, role, answer)
        for key, case in MATRIX.items()
        if case.method == "POST"
        for role, answer in case.expect.items()
        if answer not in (OK, LOGIN, 403) and (key, role) not in NOT_FOUND_BY_DESIGN
    ]
    assert not loose


# ---------------------------------------------------------------------------
# The matrix itself


@pytest.fixture(autouse=True)
def _no_pdf_rendering(monkeypatch):
    """Who may fetch a document does not depend on WeasyPrint: skip the rendering."""
    monkeypatch.setattr(documents, "render_pdf", lambda template, context: b"%PDF-1.7 matrix")


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The `world` of tests/conftest.py and the records of tests/permission_data.py,
    built once per module (and xdist worker) inside a transaction that is rolled
    back at the end; each test runs in a savepoint of it (pytest-django's `db`),
    so what a POST changes is undone before the next test. The files go to a
    temporary MEDIA_ROOT of the module's own."""
    from tests.conftest import world as world_fixture

    module_settings = override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    module_settings.enable()
    outer = transaction.atomic()
    try:
        with django_db_blocker.unblock():
            outer.__enter__()
            # The same world the other tests get, built outside a test's `db` fixture.
            built = permission_data.build(world_fixture.__wrapped__(None))
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
        module_settings.disable()


@pytest.fixture(scope="module")
def _module_client():
    return Client()


@pytest.fixture
def client(_module_client):
    """One test client for the module, without cookies at each test: a new
    client builds the middleware chain again, and WhiteNoise's start-up (it
    indexes every static file) would be most of each test's time."""
    _module_client.cookies.clear()
    return _module_client


def answer_of(response, method: str) -> object:
    """The response as one of the matrix's answers."""
    status = response.status_code
    if status in (301, 302, 303):
        path = urlsplit(response["Location"]).path
        return LOGIN if path in (reverse("login"), reverse("admin:login")) else OK
    if 200 <= status < 300 or (status == 400 and method == "POST"):
        return OK
    return status


def _call(client, key: str, case: Case, data):
    url = reverse(url_name(key), kwargs=case.kwargs(data))
    if case.method == "POST":
        body = case.data(data) if callable(case.data) else case.data
        return url, client.post(url, body)
    return url, client.get(url)


PAIRS = [pytest.param(key, role, id=f"{key}[{role}]") for key in MATRIX for role in ROLES]


@pytest.mark.parametrize(("key", "role"), PAIRS)
def test_permission(client, db, data, key, role):
    case = MATRIX[key]
    if case.setup is not None:
        case.setup(data)
    if role != "anonymous":
        client.force_login(getattr(data.world, role))
    url, response = _call(client, key, case, data)
    expected, got = case.expect[role], answer_of(response, case.method)
    where = f" → {response['Location']}" if response.has_header("Location") else ""
    assert got == expected, (
        f"{case.method} {url} ({key}) as {role}: expected {expected}, "
        f"got {got} (HTTP {response.status_code}{where})"
    )


POST_ONLY = [key for key, case in MATRIX.items() if case.method == "POST" and "@" not in key]


@pytest.mark.parametrize("key", POST_ONLY)
def test_get_on_a_post_only_url_is_405(client, db, data, key):
    """GET on a POST-only action: 405 for a signed-in user, whatever the role
    (the anonymous user is sent to log in first, but for logging out)."""
    case = MATRIX[key]
    url = reverse(url_name(key), kwargs=case.kwargs(data))
    assert answer_of(client.get(url), "GET") == (405 if key == "logout" else LOGIN)
    client.force_login(data.world.admin)
    assert client.get(url).status_code == 405
