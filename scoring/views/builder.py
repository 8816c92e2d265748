"""The scorecard builder: a cluster's head builds the year's scorecard from the
council's framework; the authority guiding the cluster comments on it and
forwards it to Sở Nội vụ, or returns it; Sở Nội vụ approves (or returns) it;
the head issues it, and every member follows where it stands (R15–R19,
issue 13).

Each view fetches through one helper of clusters.access, parses a form and
calls scoring.services; the services judge and compute, and a refused change
comes back to the page next to the row or section it concerns.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clusters.access import (
    Seat,
    get_cluster_for_guiding_staff,
    get_cluster_for_head,
    get_cluster_for_member,
    get_cluster_for_province,
    get_cluster_for_staff,
    get_cluster_member_asked,
    get_clusters_for_staff,
    get_year,
    is_guiding_staff,
    is_staff_of,
    is_standing_staff,
)
from clusters.models import Cluster, EmulationYear, Membership
from emulation.numbers import format_figure
from scoring import engine, services
from scoring.forms import (
    AddCriterionForm,
    BaseBandFormSet,
    CriterionForm,
    DiscussionReasonForm,
    GuidanceNoteForm,
    PositionForm,
    ReturnForm,
    SplitFormSet,
    band_formset,
    has_band_data,
)
from scoring.guidances import stored_regulation
from scoring.models import Criterion, Method, Scorecard
from scoring.services import BandInput

Status = Scorecard.Status


# ---------------------------------------------------------------------------
# The page


@login_required
def scorecard(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_member(request.user, code, get_year(year))
    return _render(request, seat.cluster, seat.year, _viewer(request, seat))


@login_required
def scorecards_pending(request: HttpRequest) -> HttpResponse:
    """Sở Nội vụ: every scorecard awaiting its agreement; a guiding authority:
    its clusters' scorecards waiting for its comment or forwarding."""
    clusters = get_clusters_for_staff(request.user)
    awaiting = services.AWAITING if is_standing_staff(request.user) else (Status.SUBMITTED,)
    pending = (
        Scorecard.objects.filter(status__in=awaiting, cluster__in=clusters)
        .select_related("cluster__authority", "year")
        .order_by("updated_at")
    )
    return render(request, "scoring/scorecards_pending.html", {"pending": pending})


# ---------------------------------------------------------------------------
# Building a draft (head, or deputy when delegated: R3)


@login_required
@require_POST
def scorecard_create(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster, emulation_year = _lead(request, code, year)
    _run(
        request,
        lambda: services.scorecard_create_from_framework(
            cluster=cluster, year=emulation_year, user=request.user
        ),
        success="Đã tạo dự thảo bảng chấm điểm từ khung tiêu chí của Hội đồng.",
    )
    return redirect("scorecard", code, year)


@login_required
@require_POST
def criterion_save(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    cluster, emulation_year, criterion = _draft_criterion(request, code, year, pk)
    form = CriterionForm(request.POST, criterion=criterion)
    bands = (
        band_formset(criterion, request.POST) if has_band_data(criterion, request.POST) else None
    )

    def save() -> None:
        try:
            services.criterion_update(
                criterion=criterion,
                **form.changes(),
                bands=_band_inputs(form, bands),
                user=request.user,
                revision=form.cleaned_data["revision"],
            )
        except services.StaleCriterion as error:
            # Shown again with the revision stored now: saving once more, after
            # reading the current content, is a deliberate replacement.
            form.data = form.data.copy()
            form.data[form.add_prefix("revision")] = error.criterion.revision
            raise

    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus(f"c{pk}", {"form": form, "bands": bands}),
        save,
        anchor=f"c-{pk}",
    )


def _band_inputs(form: CriterionForm, bands: BaseBandFormSet | None) -> list[BandInput] | None:
    """The edited bands while the row stays tiered; otherwise none are sent and
    the service drops the old ones with the method (R19)."""
    if bands is None or form.cleaned_data.get("method") != Method.TIERED:
        return None
    return bands.bands()


@login_required
@require_POST
def criterion_split(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    cluster, emulation_year, criterion = _draft_criterion(request, code, year, pk)
    parts = SplitFormSet(request.POST, criterion=criterion)
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus(f"s{pk}", {"split": parts}),
        lambda: services.criterion_split(
            criterion=criterion, parts=parts.parts(), user=request.user
        ),
        anchor=f"c-{pk}",
    )


@login_required
@require_POST
def criterion_remove(request: HttpRequest, code: str, year: int, pk: int) -> HttpResponse:
    cluster, emulation_year, criterion = _draft_criterion(request, code, year, pk)
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus(f"c{pk}", {}),
        lambda: services.criterion_remove(criterion=criterion, user=request.user),
        anchor=f"phan-{criterion.section}",
    )


@login_required
@require_POST
def criterion_add(request: HttpRequest, code: str, year: int, section: str) -> HttpResponse:
    cluster, emulation_year = _lead(request, code, year)
    if section not in stored_regulation(emulation_year, cluster).section_codes:  # R37
        raise Http404("Không có phần này.")
    draft = _open_or_404(cluster, emulation_year)
    parents = {c.pk: c for c in draft.criteria.filter(section=section)}
    form = AddCriterionForm(request.POST, section=section, parents=parents.values())
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus(f"add-{section}", {"add": form}),
        lambda: services.criterion_add(
            scorecard=draft,
            section=section,
            **{k: v for k, v in form.cleaned_data.items() if k != "parent"},
            parent=parents.get(form.cleaned_data["parent"]),
            user=request.user,
        ),
        anchor=f"phan-{section}",
    )


# ---------------------------------------------------------------------------
# Approval (R18)


@login_required
@require_POST
def scorecard_discuss(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The head opens its draft to the members' discussion [II.1]."""
    cluster, emulation_year = _lead(request, code, year)
    draft = _open_or_404(cluster, emulation_year)
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus("discuss", {}),
        lambda: services.scorecard_open_discussion(scorecard=draft, user=request.user),
        success="Đã đưa dự thảo ra lấy ý kiến các thành viên; bảng không sửa được cho đến "
        "khi trình hoặc mở lại.",
    )


@login_required
@require_POST
def scorecard_reopen(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """The head takes the draft back to change it; the positions given are void."""
    cluster, emulation_year = _lead(request, code, year)
    draft = _open_or_404(cluster, emulation_year)
    form = _reopen_form(request.POST)
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus("reopen", {"reopen": form}),
        lambda: services.scorecard_reopen(
            scorecard=draft, user=request.user, reason=form.cleaned_data["reason"]
        ),
        success="Đã mở lại dự thảo; các ý kiến đã cho không còn hiệu lực.",
    )


@login_required
@require_POST
def scorecard_position(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """A member unit's own position on the draft under discussion [II.1]."""
    emulation_year = get_year(year)
    membership = get_cluster_member_asked(request.user, code, emulation_year)
    draft = _open_or_404(membership.cluster, emulation_year)
    form = PositionForm(request.POST)

    def save() -> None:
        try:
            services.scorecard_position_record(
                scorecard=draft,
                membership=membership,
                user=request.user,
                stance=form.cleaned_data["stance"],
                comment=form.cleaned_data["comment"],
                revision=form.cleaned_data["revision"],
            )
        except services.StalePosition as error:
            # Shown again with the revision stored now: saving once more, after
            # reading the current position, is a deliberate replacement.
            form.data = form.data.copy()
            form.data["revision"] = error.position.revision if error.position else ""
            raise

    return _attempt(
        request,
        membership.cluster,
        emulation_year,
        Focus("position", {"position": form}),
        save,
        anchor="y-kien-cua-don-vi",
        viewer=Viewer(leads=False, member=membership),
        success="Đã ghi ý kiến của đơn vị về dự thảo bảng chấm điểm.",
    )


@login_required
@require_POST
def scorecard_submit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster, emulation_year = _lead(request, code, year)
    draft = _open_or_404(cluster, emulation_year)
    form = _submit_form(request.POST)
    return _attempt(
        request,
        cluster,
        emulation_year,
        Focus("submit", {"submit": form}),
        lambda: services.scorecard_submit(
            scorecard=draft, user=request.user, reason=form.cleaned_data["reason"]
        ),
        success=f"Đã trình {cluster.authority.name} phê duyệt bảng chấm điểm.",
    )


def _submit_form(data=None) -> DiscussionReasonForm:
    return DiscussionReasonForm(
        data,
        label="Giải trình khi chưa đủ ý kiến nhất trí",
        required=False,
        help_text="Chỉ cần khi có thành viên chưa cho ý kiến hoặc không nhất trí; Sở Nội vụ "
        "đọc cùng ý kiến các thành viên.",
    )


def _reopen_form(data=None) -> DiscussionReasonForm:
    return DiscussionReasonForm(data, label="Lý do mở lại dự thảo để sửa", required=True)


@login_required
@require_POST
def scorecard_comment(request: HttpRequest, code: str, year: int) -> HttpResponse:
    return _guidance(request, code, year, forward=False)


@login_required
@require_POST
def scorecard_forward(request: HttpRequest, code: str, year: int) -> HttpResponse:
    return _guidance(request, code, year, forward=True)


def _guidance(request: HttpRequest, code: str, year: int, *, forward: bool) -> HttpResponse:
    """The guiding authority's comment, alone or sent on with the scorecard to
    Sở Nội vụ [IV.2] (the note is then optional)."""
    seat = get_cluster_for_guiding_staff(request.user, code, get_year(year))
    submitted = _open_or_404(seat.cluster, seat.year)
    form = GuidanceNoteForm(request.POST, required=not forward)
    action = services.scorecard_forward if forward else services.scorecard_comment
    return _attempt(
        request,
        seat.cluster,
        seat.year,
        Focus("note", {"note": form}),
        lambda: action(scorecard=submitted, user=request.user, note=form.cleaned_data["note"]),
        viewer=_viewer(request, seat),
        success="Đã chuyển bảng chấm điểm tới Sở Nội vụ để nhất trí trước khi ban hành."
        if forward
        else "Đã ghi ý kiến góp ý bảng chấm điểm.",
    )


@login_required
@require_POST
def scorecard_approve(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_province(request.user, code, get_year(year))
    submitted = _open_or_404(seat.cluster, seat.year)
    _run(
        request,
        lambda: services.scorecard_approve(scorecard=submitted, user=request.user),
        success="Đã phê duyệt bảng chấm điểm; trưởng cụm, khối có thể ban hành.",
    )
    return redirect("scorecard", code, year)


@login_required
@require_POST
def scorecard_return(request: HttpRequest, code: str, year: int) -> HttpResponse:
    seat = get_cluster_for_staff(request.user, code, get_year(year))
    submitted = _open_or_404(seat.cluster, seat.year)
    form = ReturnForm(request.POST)
    return _attempt(
        request,
        seat.cluster,
        seat.year,
        Focus("return", {"return": form}),
        lambda: services.scorecard_return(
            scorecard=submitted, user=request.user, reason=form.cleaned_data["reason"]
        ),
        viewer=_viewer(request, seat),
        success="Đã trả lại bảng chấm điểm cho cụm, khối kèm lý do.",
    )


@login_required
@require_POST
def scorecard_issue(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster, emulation_year = _lead(request, code, year)
    approved = _open_or_404(cluster, emulation_year)
    _run(
        request,
        lambda: services.scorecard_issue(scorecard=approved, user=request.user),
        success="Đã ban hành bảng chấm điểm; các đơn vị chấm điểm theo bảng này.",
    )
    return redirect("scorecard", code, year)


@login_required
@require_POST
def scorecard_new_version(request: HttpRequest, code: str, year: int) -> HttpResponse:
    cluster, emulation_year = _lead(request, code, year)
    issued = Scorecard.objects.issued().filter(cluster=cluster, year=emulation_year).first()
    if issued is None:
        raise Http404("Cụm, khối chưa ban hành bảng chấm điểm năm này.")
    _run(
        request,
        lambda: services.scorecard_new_version(scorecard=issued, user=request.user),
        success="Đã tạo dự thảo phiên bản mới; bản đang ban hành vẫn có hiệu lực đến khi "
        "bản mới được ban hành.",
    )
    return redirect("scorecard", code, year)


# ---------------------------------------------------------------------------
# Fetching and running


def _lead(request: HttpRequest, code: str, year: int) -> tuple[Cluster, EmulationYear]:
    emulation_year = get_year(year)
    cluster, _ = get_cluster_for_head(request.user, code, emulation_year)
    return cluster, emulation_year


def _draft_criterion(
    request: HttpRequest, code: str, year: int, pk: int
) -> tuple[Cluster, EmulationYear, Criterion]:
    cluster, emulation_year = _lead(request, code, year)
    criterion = get_object_or_404(
        Criterion.objects.select_related("scorecard__cluster", "parent"),
        pk=pk,
        scorecard__cluster=cluster,
        scorecard__year=emulation_year,
    )
    return cluster, emulation_year, criterion


def _open_or_404(cluster: Cluster, year: EmulationYear) -> Scorecard:
    found = services.open_scorecard(cluster=cluster, year=year)
    if found is None:
        raise Http404("Cụm, khối không có bảng chấm điểm đang xây dựng hay chờ duyệt.")
    return found


def _run(request: HttpRequest, action: Callable[[], object], *, success: str) -> None:
    """A one-button action: its refusal becomes the page's error message."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)


@dataclass(frozen=True)
class Viewer:
    leads: bool  # builds, opens to the members, submits and issues (R3)
    oversees: bool = False  # the staff following the cluster: read every position
    member: Membership | None = None  # a member unit asked for its position [II.1]
    approves: bool = False  # Sở Nội vụ agrees to it (R18, II.1)
    returns: bool = False  # its guiding authority or Sở Nội vụ (R18)
    comments: bool = False  # its guiding authority [IV.2]
    forwards: bool = False  # a guiding authority other than Sở Nội vụ [IV.2]


LEAD = Viewer(leads=True)


def _viewer(request: HttpRequest, seat: Seat) -> Viewer:
    """What the user does with the cluster's scorecard (clusters.access, issue 13)."""
    user, cluster = request.user, seat.cluster
    guiding = is_guiding_staff(user, cluster)
    asked = seat.membership is not None and seat.membership.role != Membership.Role.HEAD
    return Viewer(
        leads=seat.leads,
        oversees=seat.oversees,
        member=seat.membership if asked else None,
        approves=is_standing_staff(user),
        returns=is_staff_of(user, cluster),
        comments=guiding,
        forwards=guiding and not cluster.authority.is_standing_agency,
    )


@dataclass
class Focus:
    """The form a POST came from, bound, and why the services refused it."""

    key: str
    bound: dict[str, object]
    errors: list[str] = field(default_factory=list)

    def is_valid(self) -> bool:
        return all(form is None or form.is_valid() for form in self.bound.values())

    def messages(self) -> list[str]:
        return _form_messages(self.bound.values()) + self.errors


def _attempt(
    request: HttpRequest,
    cluster: Cluster,
    year: EmulationYear,
    focus: Focus,
    action: Callable[[], object],
    *,
    anchor: str = "",
    viewer: Viewer = LEAD,
    success: str = "",
) -> HttpResponse:
    """Run the service; on success back to the page (at `anchor`), else the page
    again with the bound form and the refusal where the form is. The services
    are atomic, so a refusal leaves nothing half-saved."""
    if focus.is_valid():
        try:
            action()
        except ValidationError as error:
            focus.errors = error.messages
        else:
            if success:
                messages.success(request, success)
            url = reverse("scorecard", args=[cluster.code, year.year])
            return redirect(f"{url}#{anchor}" if anchor else url)
    return _render(request, cluster, year, viewer, focus)


def _form_messages(forms: Iterable) -> list[str]:
    found: list[str] = []
    for form in forms:
        if form is None:
            continue
        if hasattr(form, "forms"):  # a formset
            found += form.non_form_errors()
            found += _form_messages(form.forms)
            continue
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            found += [f"{label}: {error}" if label else error for error in errors]
    return found


# ---------------------------------------------------------------------------
# What the page shows


@dataclass
class Row:
    criterion: Criterion
    depth: int
    kids_total: Decimal | None
    form: CriterionForm | None = None
    bands: object = None
    split: object = None
    errors: list[str] = field(default_factory=list)

    @property
    def points_label(self) -> str:
        return engine.fmt_points(self.criterion.points)

    @property
    def kids_label(self) -> str:
        return "" if self.kids_total is None else engine.fmt_points(self.kids_total)

    @property
    def kids_off(self) -> bool:
        return self.kids_total is not None and self.kids_total != self.criterion.points

    @property
    def removable(self) -> bool:
        return self.criterion.framework_criterion_id is None

    @property
    def fixed_label(self) -> str:
        """R17: the points Phụ lục 02 fixes for a section III item, else ""."""
        fixed = self.criterion.fixed_points
        return "" if fixed is None else engine.fmt_points(fixed)

    @property
    def method_label(self) -> str:
        method = self.criterion.method
        label = engine.METHOD_LABELS.get(method, method)
        if method == Method.QUANTITATIVE:
            return f"{label}, {engine.DIRECTION_LABELS.get(self.criterion.direction, '')}"
        return label

    @property
    def band_lines(self) -> list[str]:
        return [_band_label(band) for band in self.criterion.bands.all()]


@dataclass
class Section:
    code: str
    label: str
    frame: Decimal
    total: Decimal
    used: int  # R17: framework criteria concretised plus criteria added
    limit: int
    added_percent: str  # the guidance's share of the framework's criteria (30 in 2022)
    rows: list[Row]
    add_form: AddCriterionForm | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.total == self.frame

    @property
    def total_label(self) -> str:
        return engine.fmt_points(self.total)

    @property
    def frame_label(self) -> str:
        return engine.fmt_points(self.frame)

    @property
    def difference_label(self) -> str:
        gap = self.total - self.frame
        if gap == 0:
            return "đủ điểm"
        return f"{'thừa' if gap > 0 else 'thiếu'} {engine.fmt_points(abs(gap))} điểm"


def _render(
    request: HttpRequest,
    cluster: Cluster,
    year: EmulationYear,
    viewer: Viewer,
    focus: Focus | None = None,
) -> HttpResponse:
    current = services.open_scorecard(cluster=cluster, year=year)
    issued = Scorecard.objects.issued().filter(cluster=cluster, year=year).first()
    shown = current or issued
    editing = viewer.leads and shown is not None and shown.is_editable
    split_pk = request.GET.get("tach") if editing else None
    context = {
        "cluster": cluster,
        "year": year,
        "viewer": viewer,
        "scorecard": shown,
        "issued": issued,
        "editing": editing,
        "sections": _sections(shown, cluster, editing, focus, split_pk) if shown else [],
        "focus": focus,
        **_decision_forms(viewer, shown, focus),
        **_discussion(viewer, shown, focus),
    }
    return render(request, "scoring/scorecard.html", context)


# A scorecard in these states went through (or is in) the members' discussion.
DISCUSSED = (
    Status.CONSULTING,
    Status.SUBMITTED,
    Status.FORWARDED,
    Status.RETURNED,
    Status.APPROVED,
)


def _discussion(viewer: Viewer, shown: Scorecard | None, focus: Focus | None) -> dict:
    """The members' positions [II.1]: every one for the head and the staff; a
    member its own, with its form while the draft is under discussion; the
    head's submit and reopen forms."""
    if shown is None:
        return {}

    def bound(key: str, form):
        return focus.bound[key] if focus and focus.key == key else form

    consulting = shown.status == Status.CONSULTING
    context: dict = {}
    if viewer.leads or viewer.oversees:
        discussion = services.scorecard_discussion(shown)
        given = any(position for _, position in discussion.rows)
        context["discussion"] = discussion if shown.status in DISCUSSED or given else None
    if viewer.leads and consulting:
        context["submit_form"] = bound("submit", _submit_form())
        context["reopen_form"] = bound("reopen", _reopen_form())
    if viewer.member is not None:
        own = shown.positions.filter(membership=viewer.member).first()
        context["own_position"] = own
        if consulting:
            initial = (
                {"revision": own.revision, "stance": own.stance, "comment": own.comment}
                if own
                else None
            )
            context["position_form"] = bound("position", PositionForm(initial=initial))
    return context


def _decision_forms(viewer: Viewer, shown: Scorecard | None, focus: Focus | None) -> dict:
    """The approval card: Sở Nội vụ approves or returns a scorecard awaiting it;
    the guiding authority comments, forwards or returns one just submitted."""
    status = shown.status if shown is not None else None
    submitted = status == Status.SUBMITTED
    awaiting = status in services.AWAITING

    def bound(key: str, form):
        return focus.bound[key] if focus and focus.key == key else form

    returns = viewer.returns and (submitted or (awaiting and viewer.approves))
    comments = viewer.comments and submitted
    return {
        "can_approve": viewer.approves and awaiting,
        "return_form": bound("return", ReturnForm()) if returns else None,
        "note_form": bound("note", GuidanceNoteForm()) if comments else None,
        "can_forward": viewer.forwards and submitted,
    }


def _sections(
    scorecard: Scorecard, cluster: Cluster, editing: bool, focus: Focus | None, split_pk
) -> list[Section]:
    """The tree by the sections of the year's guidance (R37) with its running
    totals: the engine's sum of the leaves against each section's points
    (550/200/200 in 2022), and the criteria concretised or added against the
    guidance's limit (30% in 2022) (R15, R17)."""
    regulation = stored_regulation(scorecard.year, cluster)
    rows = list(
        scorecard.criteria.order_by("order")
        .select_related("framework_criterion")
        .prefetch_related("bands")
    )
    counts = services.frame_counts(rows)
    by_pk = {row.pk: row for row in rows}
    kids: dict[int, list[Criterion]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None:
            kids[row.parent_id].append(row)

    def depth(row: Criterion) -> int:
        return 0 if row.parent_id is None else 1 + depth(by_pk[row.parent_id])

    def bound(key: str, name: str):
        return focus.bound.get(name) if focus is not None and focus.key == key else None

    sections = []
    for frame in regulation.sections:
        code = frame.code
        mine = [row for row in rows if row.section == code]
        section = Section(
            code=code,
            label=regulation.section_title(code),
            frame=frame.points,
            total=sum((row.points for row in mine if row.is_leaf), Decimal(0)),
            used=counts.get(code, engine.FrameCount()).used,
            limit=regulation.added_limit(code, cluster.group),
            added_percent=format_figure(regulation.added_ratio * 100),
            rows=[],
        )
        for criterion in mine:
            row = Row(
                criterion,
                depth(criterion),
                sum((kid.points for kid in kids[criterion.pk]), Decimal(0))
                if not criterion.is_leaf
                else None,
            )
            if editing:
                _editors(row, bound, split_pk)
            if focus is not None and focus.key in (f"c{criterion.pk}", f"s{criterion.pk}"):
                row.errors = focus.messages()
            section.rows.append(row)
        if editing:
            section.add_form = bound(f"add-{code}", "add") or AddCriterionForm(
                section=code, parents=mine
            )
        if focus is not None and focus.key == f"add-{code}":
            section.errors = focus.messages()
        sections.append(section)
    return sections


def _editors(row: Row, bound, split_pk) -> None:
    criterion = row.criterion
    pk = criterion.pk
    row.form = bound(f"c{pk}", "form") or CriterionForm(criterion=criterion)
    if criterion.is_leaf and criterion.method == Method.TIERED:
        row.bands = bound(f"c{pk}", "bands") or band_formset(criterion)
    if criterion.is_leaf:
        row.split = bound(f"s{pk}", "split")
        if row.split is None and split_pk == str(pk):
            row.split = SplitFormSet(criterion=criterion)


def _band_label(band) -> str:
    low, high = band.min_value, band.max_value
    parts = []
    if low is not None:
        parts.append(f"{'từ' if band.min_inclusive else 'trên'} {format_figure(low)}")
    if high is not None:
        upto = "đến" if band.max_inclusive else ("đến dưới" if low is not None else "dưới")
        parts.append(f"{upto} {format_figure(high)}")
    where = " ".join(parts) or "mọi giá trị"
    return f"{where}: {engine.fmt_points(band.points)} điểm"
