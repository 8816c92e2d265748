"""The scorecard workflow: building a cluster's scorecard from the framework,
concretising it, and taking it through approval (R15–R19), with an audit
trail of every status change (R35).

Every write to a scorecard or its criteria goes through a function here, so
`grep scorecard_` and `grep criterion_` find each way one changes.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from itertools import count

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.utils import timezone
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_manager_for_model,
)

from clusters.access import (
    ensure_acts_for_province,
    is_guiding_staff,
    is_staff_of,
    is_standing_staff,
)
from clusters.models import Cluster, EmulationYear, Membership, RegistrationTarget, Unit
from clusters.services import memberships_set, year_create
from emulation import audit, limits
from emulation.models import User
from emulation.numbers import format_figure
from scoring import engine, notices
from scoring.guidances import framework_for, guidance_mark_in_use, stored_regulation
from scoring.models import (
    Band,
    Criterion,
    Direction,
    Evidence,
    Framework,
    FrameworkCriterion,
    Method,
    Score,
    Scorecard,
    ScorecardPosition,
)
from scoring.regulation import Regulation

Status = Scorecard.Status
Stance = ScorecardPosition.Stance
# At most one scorecard of a cluster's year is on its way to being issued (R18).
OPEN_STATUSES = (
    Status.DRAFT,
    Status.CONSULTING,
    Status.SUBMITTED,
    Status.FORWARDED,
    Status.RETURNED,
    Status.APPROVED,
)
# Waiting for Sở Nội vụ's agreement (R18, II.1).
AWAITING = (Status.SUBMITTED, Status.FORWARDED)
# Criterion points are DecimalField(max_digits=7, decimal_places=2); a figure
# (band bound) is DecimalField(max_digits=20, decimal_places=6).
FIGURE_PLACES = Decimal("0.000001")
FIGURE_LIMIT = Decimal(10) ** 14


@dataclass(frozen=True)
class BandInput:
    """One band of a tiered criterion as the services take it (R19, R21)."""

    points: Decimal
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True


# ---------------------------------------------------------------------------
# Building a scorecard


def open_scorecard(*, cluster: Cluster, year: EmulationYear) -> Scorecard | None:
    """The cluster's scorecard of `year` that is not yet issued, if any (R18)."""
    return (
        Scorecard.objects.filter(cluster=cluster, year=year, status__in=OPEN_STATUSES)
        .order_by("-version")
        .first()
    )


@transaction.atomic
def scorecard_create_from_framework(
    *,
    cluster: Cluster,
    year: EmulationYear,
    framework: Framework | None = None,
    user: User | None = None,
) -> Scorecard:
    """A draft scorecard copied from the council's framework (R15–R17, R19).

    The framework is the given one, else the newest whose year is at most the
    emulation year. The draft holds section I of the cluster's group (R16) and
    sections II and III, with the framework's tree, order, methods and tiers
    (tiered leaves get their bands; criteria the framework measures against a
    plan start quantitative, with its direction; the others qualitative until
    the cluster says otherwise).

    Product decision on points: Phụ lục 02 fixes points only in section III.
    Criteria without framework points share what their section (or parent)
    has left in whole points, the first ones a point more (I for group A:
    18 × 29 then 28; `_allot`), so a fresh draft already totals 550/200/200
    and passes R17; the cluster then sets its own weights.
    """
    _lock_cluster(cluster)
    errors = scorecard_create_errors(cluster=cluster, year=year, framework=framework)
    if errors:
        raise ValidationError(errors)
    framework = framework or framework_for(year, cluster)
    # R37: the sections and points of the guidance the cluster's year is under.
    regulation = stored_regulation(year, cluster)
    roots, children = _framework_tree(framework, cluster.group, regulation.section_codes)
    scorecard = Scorecard(
        cluster=cluster, year=year, version=_next_version(cluster, year), framework=framework
    )
    audit.save(scorecard, user=user, reason=f"Tạo dự thảo từ khung năm {framework.year}")
    built = _built_reason(scorecard)

    order = count()
    bands: list[Band] = []

    def build(nodes: list[FrameworkCriterion], total: Decimal, parent: Criterion | None):
        for node, points in zip(nodes, _allot(total, nodes), strict=True):
            kids = children[node.pk]
            criterion = Criterion(
                scorecard=scorecard,
                parent=parent,
                framework_criterion=node,
                section=node.section,
                code=node.code,
                title=node.title,
                points=points,
                order=next(order),
                is_leaf=not kids,
                method=node.method if node.method in Method.values else Method.QUALITATIVE,
                direction=node.direction or Direction.HIGHER,
            )
            audit.save(criterion, user=user, reason=built)
            if not kids:
                bands.extend(_bands_from_tiers(criterion, node.tiers))
            build(kids, points, criterion)

    for section in regulation.sections:
        build(roots[section.code], section.points, None)
    bulk_create_with_history(bands, Band, default_user=user, default_change_reason=built)
    return scorecard


# The history of criteria and bands made with their scorecard (from the
# framework or as a new version's copy) starts with this reason: the base the
# later edits of a draft are compared with, not a change of its own (R35).
BUILT_WITH_SCORECARD = "Tạo cùng bảng chấm điểm"


def _built_reason(scorecard: Scorecard) -> str:
    return f"{BUILT_WITH_SCORECARD} bản {scorecard.version}"


def _framework_tree(
    framework: Framework, group: str, sections: Sequence[str]
) -> tuple[dict[str, list[FrameworkCriterion]], dict[int | None, list[FrameworkCriterion]]]:
    """The framework's criteria for `group`: per section the group's variant
    where the section has one (I, R16), else the criteria common to all."""
    rows = framework.criteria.filter(Q(group=group) | Q(group="")).order_by("order", "pk")
    by_section: dict[str, dict[str, list[FrameworkCriterion]]] = defaultdict(
        lambda: defaultdict(list)
    )
    children: dict[int | None, list[FrameworkCriterion]] = defaultdict(list)
    for row in rows:
        if row.parent_id is None:
            by_section[row.section][row.group].append(row)
        else:
            children[row.parent_id].append(row)
    roots = {}
    for section in sections:
        variants = by_section[section]
        roots[section] = variants[group] or variants[""]
        if not roots[section]:
            raise ValidationError(
                f"Khung năm {framework.year} không có tiêu chí phần {section} cho nhóm {group}."
            )
    return roots, children


def _allot(total: Decimal, nodes: Sequence[FrameworkCriterion]) -> list[Decimal]:
    """Framework points where given; the rest of `total` shared among the other
    nodes in whole points, the first ones taking a point more until the rest is
    used up (550 over 19: 18 × 29, then 28), so that a draft shows round figures
    and still totals its section (#15). A fraction of the rest (a parent with
    decimal points) goes to the first; too few points for one each are shared
    to 0.01, the remainder to the first."""
    shares = [node.points for node in nodes]
    missing = [i for i, points in enumerate(shares) if points is None]
    if missing:
        rest = total - sum((p for p in shares if p is not None), Decimal(0))
        whole = int(rest.to_integral_value(rounding=ROUND_DOWN))
        share, extra = divmod(whole, len(missing))
        if share > 0:
            for n, i in enumerate(missing):
                shares[i] = Decimal(share + (1 if n < extra else 0))
            shares[missing[0]] += rest - whole
        else:
            cents = (rest / len(missing)).quantize(engine.CENT, rounding=ROUND_DOWN)
            for i in missing:
                shares[i] = cents
            shares[missing[0]] += rest - cents * len(missing)
    return shares  # type: ignore[return-value]


def _bands_from_tiers(criterion: Criterion, tiers: Iterable[dict]) -> list[Band]:
    def figure(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return [
        Band(
            criterion=criterion,
            order=order,
            min_value=figure(tier.get("min")),
            min_inclusive=tier.get("min_inclusive", True),
            max_value=figure(tier.get("max")),
            max_inclusive=tier.get("max_inclusive", True),
            points=Decimal(tier["points"]),
        )
        for order, tier in enumerate(tiers)
    ]


def scorecard_create_errors(
    *, cluster: Cluster, year: EmulationYear, framework: Framework | None = None
) -> list[str]:
    """Why a new draft cannot be made for the cluster's year; empty when it can."""
    errors = _open_errors(cluster, year)
    if framework is None and framework_for(year, cluster) is None:
        errors.append(f"Chưa có khung tiêu chí (Phụ lục 02) nào ban hành đến năm {year.year}.")
    return errors


def _open_errors(cluster: Cluster, year: EmulationYear) -> list[str]:
    existing = open_scorecard(cluster=cluster, year=year)
    if existing is None:
        return []
    return [
        f"Cụm, khối {cluster.code} đã có bảng chấm điểm năm {year.year} đang xử lý "
        f"(bản {existing.version}: {existing.get_status_display()}); "
        "không tạo thêm bảng mới."
    ]


def _lock_cluster(cluster: Cluster) -> None:
    # Serialises the "one open scorecard" check and the next version number.
    list(Cluster.objects.select_for_update(of=("self",)).filter(pk=cluster.pk).values_list("pk"))


def _next_version(cluster: Cluster, year: EmulationYear) -> int:
    latest = Scorecard.objects.filter(cluster=cluster, year=year).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


# ---------------------------------------------------------------------------
# Concretising a draft (R17, R19)


@transaction.atomic
def criterion_split(
    *,
    criterion: Criterion,
    parts: Sequence[tuple[str, str, Decimal]],
    user: User | None = None,
) -> list[Criterion]:
    """Split a leaf into sub-criteria (code, title, points) that total its points (R17).

    The criterion stays, now as a heading. Splitting a framework criterion
    concretises it, which counts toward the 30% limit as adding one does
    ("cụ thể hoá hoặc bổ sung thêm tiêu chí … không vượt quá 30%" [II.1]),
    once per framework criterion however often it is split; splitting an
    added criterion does not count again. The parts inherit its scoring
    method and direction, except that a tiered criterion's parts start
    qualitative (its bands were set for its own points).
    """
    scorecard = _lock_editable(criterion)
    if not criterion.is_leaf:
        raise ValidationError(
            f"Tiêu chí {criterion.code} đã có tiêu chí con; chỉ tách được tiêu chí "
            "chấm điểm trực tiếp."
        )
    if len(parts) < 2:
        raise ValidationError(f"Tách tiêu chí {criterion.code} cần ít nhất hai tiêu chí con.")
    errors = _frame_limit_errors(scorecard, criterion.section, under=criterion, splits=True)
    errors += _size_errors(scorecard, adding=len(parts))
    errors += _new_codes_errors(scorecard, [code for code, _, _ in parts])
    regulation = stored_regulation(scorecard.year, scorecard.cluster)
    for code, title, points in parts:
        errors += _title_errors(title, code)
        errors += _points_errors(points, f"Tiêu chí {code}", criterion.section, regulation)
    if not errors:
        total = sum((points for _, _, points in parts), Decimal(0))
        if total != criterion.points:
            errors.append(
                f"Phần {criterion.section}: các tiêu chí con của {criterion.code} có tổng "
                f"{engine.fmt_points(total)} điểm, phải bằng "
                f"{engine.fmt_points(criterion.points)} điểm "
                f"của tiêu chí {criterion.code}."
            )
    if errors:
        raise ValidationError(errors)

    method = Method.QUALITATIVE if criterion.method == Method.TIERED else criterion.method
    codes = ", ".join(code.strip() for code, _, _ in parts)
    reason = f"Tách tiêu chí {criterion.code} thành {codes}"
    audit.delete_all(criterion.bands.all(), user=user, reason=reason)
    criterion.is_leaf = False
    audit.save(criterion, user=user, reason=reason)
    created = [
        Criterion(
            scorecard=scorecard,
            parent=criterion,
            section=criterion.section,
            code=code.strip(),
            title=title.strip(),
            points=points,
            order=criterion.order,
            method=method,
            direction=criterion.direction,
        )
        for code, title, points in parts
    ]
    for part in created:
        audit.save(part, user=user, reason=reason)
    _renumber(scorecard)
    return _refreshed(created)


@transaction.atomic
def criterion_add(
    *,
    scorecard: Scorecard,
    section: str,
    code: str,
    title: str,
    points: Decimal,
    method: str = Method.QUALITATIVE,
    direction: str = Direction.HIGHER,
    parent: Criterion | None = None,
    user: User | None = None,
) -> Criterion:
    """A criterion the cluster adds to a section (R17): concretised plus added
    criteria at most 30% of the framework's count for the section and group,
    rounded down. Added under an added criterion, it splits that one and does
    not count again."""
    _lock(scorecard)
    if parent is not None:
        parent.refresh_from_db()
    errors = criterion_add_errors(
        scorecard=scorecard,
        section=section,
        code=code,
        title=title,
        points=points,
        method=method,
        direction=direction,
        parent=parent,
    )
    if errors:
        raise ValidationError(errors)

    reason = f"Thêm tiêu chí {code.strip()}" + (f" vào {parent.code}" if parent else "") + ""
    if parent is not None and parent.is_leaf:
        audit.delete_all(parent.bands.all(), user=user, reason=reason)
        parent.is_leaf = False
        audit.save(parent, user=user, reason=reason)
    last = scorecard.criteria.aggregate(o=Max("order"))["o"]
    criterion = Criterion(
        scorecard=scorecard,
        parent=parent,
        section=section,
        code=code.strip(),
        title=title.strip(),
        points=points,
        order=(last or 0) + 1,
        added=True,
        method=method,
        direction=direction,
    )
    audit.save(criterion, user=user, reason=reason)
    _renumber(scorecard)
    criterion.refresh_from_db()
    return criterion


def criterion_add_errors(
    *,
    scorecard: Scorecard,
    section: str,
    code: str,
    title: str,
    points: Decimal,
    method: str = Method.QUALITATIVE,
    direction: str = Direction.HIGHER,
    parent: Criterion | None = None,
) -> list[str]:
    """Why `criterion_add` would refuse these; empty when it would not (R17–R19)."""
    errors = _editable_errors(scorecard)
    if errors:
        return errors
    regulation = stored_regulation(scorecard.year, scorecard.cluster)
    sections = regulation.section_codes  # R37
    if section not in sections:
        return [f"Phần '{section}' không hợp lệ, chỉ có {', '.join(sections)}."]
    errors = _frame_limit_errors(scorecard, section, under=parent, splits=False)
    errors += _size_errors(scorecard, adding=1)
    if errors:
        return errors
    errors = _new_codes_errors(scorecard, [code])
    errors += _title_errors(title, code)
    errors += _points_errors(points, f"Tiêu chí {code}", section, regulation)
    errors += _method_errors(method, direction, code)
    if parent is not None and (parent.scorecard_id != scorecard.pk or parent.section != section):
        errors.append(
            f"Tiêu chí cha {parent.code} phải thuộc phần {section} của bảng chấm điểm này."
        )
    return errors


@transaction.atomic
def criterion_update(
    *,
    criterion: Criterion,
    title: str | None = None,
    points: Decimal | None = None,
    method: str | None = None,
    direction: str | None = None,
    bands: Sequence[BandInput] | None = None,
    user: User | None = None,
    revision: int | None,
) -> Criterion:
    """Change what a draft's criterion says or how it is scored (R17, R19).

    `bands` replaces the bands of a tiered criterion, band by band, so the
    history shows what each one was and became; a criterion that stops being
    tiered loses its bands.

    `revision` is the Criterion.revision the page was loaded with: as for a
    quota (awards.services.quota_set), of two edits made from the same page
    (the head and the deputy acting for it) the second is refused with the
    row's current content (StaleCriterion), and so is an edit without it.
    """
    _lock_editable(criterion)
    if criterion.revision != revision:
        raise StaleCriterion(criterion)
    label = f"Tiêu chí {criterion.code}"
    new_method = criterion.method if method is None else method
    new_points = criterion.points if points is None else points
    errors: list[str] = []
    if title is not None:
        errors += _title_errors(title, criterion.code)
    if points is not None:
        regulation = stored_regulation(criterion.scorecard.year, criterion.scorecard.cluster)
        errors += _points_errors(points, label, criterion.section, regulation)
        errors += _fixed_points_errors(criterion, points)
    errors += _method_errors(
        new_method, criterion.direction if direction is None else direction, criterion.code
    )
    if not criterion.is_leaf and (method is not None or direction is not None or bands):
        errors.append(
            f"{label} có tiêu chí con nên không có cách chấm riêng; hãy sửa các tiêu chí con."
        )
    if bands and new_method != Method.TIERED:
        errors.append(f"{label}: chỉ tiêu chí chấm theo mức mới có các mức điểm.")
    for index, band in enumerate(bands or (), start=1):
        errors += _band_errors(band, f"{label}, mức {index}", new_points)
    if errors:
        raise ValidationError(errors)

    reason = f"Sửa tiêu chí {criterion.code}"
    wanted = {
        "title": None if title is None else title.strip(),
        "points": points,
        "method": method,
        "direction": direction,
    }
    changed = False
    for name, value in wanted.items():
        if value is not None and getattr(criterion, name) != value:
            setattr(criterion, name, value)
            changed = True
    if new_method != Method.TIERED:
        bands = ()
    banded = bands is not None and _replace_bands(criterion, bands, user=user, reason=reason)
    if changed or banded:
        criterion.revision += 1
    if changed:
        audit.save(criterion, user=user, reason=reason)
    elif banded:
        # Only the bands changed: their own history says so (R35); the row's
        # revision moves without a history line of its own.
        Criterion.objects.filter(pk=criterion.pk).update(revision=criterion.revision)
    return criterion


class StaleCriterion(ValidationError):
    """A criterion edited from a page whose revision someone else has since replaced."""

    def __init__(self, criterion: Criterion) -> None:
        self.criterion = criterion
        how = f", {criterion.get_method_display().lower()}" if criterion.is_leaf else ""
        super().__init__(
            f"Tiêu chí {criterion.code} vừa được người khác sửa; hiện tại: "
            f"“{criterion.title}”, {engine.fmt_points(criterion.points)} điểm{how}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


def _replace_bands(
    criterion: Criterion, bands: Sequence[BandInput], *, user: User | None, reason: str
) -> bool:
    """The criterion's bands become `bands`: the n-th band is updated in place
    where it changed, extra ones are added and missing ones removed. True when
    any band changed."""
    old = list(criterion.bands.order_by("order", "pk"))
    changed = len(old) > len(bands)
    for order, given in enumerate(bands):
        values = {
            "order": order,
            "min_value": given.min_value,
            "min_inclusive": given.min_inclusive,
            "max_value": given.max_value,
            "max_inclusive": given.max_inclusive,
            "points": given.points,
        }
        band = old[order] if order < len(old) else Band(criterion=criterion)
        if band.pk is None or any(getattr(band, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(band, name, value)
            audit.save(band, user=user, reason=reason)
            changed = True
    audit.delete_all(old[len(bands) :], user=user, reason=reason)
    return changed


@transaction.atomic
def criterion_remove(*, criterion: Criterion, user: User | None = None) -> None:
    """Remove an added criterion or a sub-criterion from a draft (R17).

    A framework criterion stays: R17 lets a cluster concretise and add, not
    drop. A parent left without sub-criteria is scored directly again.
    """
    scorecard = _lock_editable(criterion)
    if criterion.framework_criterion_id is not None:
        raise ValidationError(
            f"Tiêu chí {criterion.code} thuộc khung của Hội đồng, không được xóa; chỉ được "
            "cụ thể hóa hoặc bổ sung tiêu chí."
        )
    parent = criterion.parent
    reason = f"Xóa tiêu chí {criterion.code}"
    # Row by row, deepest first, so each deletion is recorded with who and why.
    subtree = _subtree(criterion)
    audit.delete_all(Band.objects.filter(criterion__in=subtree), user=user, reason=reason)
    audit.delete_all(reversed(subtree), user=user, reason=reason)
    if parent is not None and not parent.children.exists():
        parent.is_leaf = True
        audit.save(parent, user=user, reason=reason)
    _renumber(scorecard)


def _subtree(criterion: Criterion) -> list[Criterion]:
    """The criterion and all its descendants, parents before their children."""
    rows = list(criterion.scorecard.criteria.all())
    found = [criterion]
    for node in found:
        found += [row for row in rows if row.parent_id == node.pk]
    return found


def _lock_editable(criterion: Criterion) -> Scorecard:
    scorecard = criterion.scorecard
    _lock(scorecard)
    _ensure_editable(scorecard)
    criterion.refresh_from_db()
    return scorecard


def _ensure_editable(scorecard: Scorecard) -> None:
    errors = _editable_errors(scorecard)
    if errors:
        raise ValidationError(errors)


def _editable_errors(scorecard: Scorecard) -> list[str]:
    state = f"Bảng chấm điểm bản {scorecard.version} {scorecard.get_status_display().lower()}"
    if scorecard.is_frozen:
        return [
            f"{state}, không được sửa; muốn thay đổi hãy tạo phiên bản mới và trình duyệt lại ."
        ]
    if not scorecard.is_editable:
        return [f"{state}, chỉ sửa được khi còn là dự thảo hoặc bị trả lại."]
    return []


def _position(sections: tuple[str, ...], code: str) -> int:
    return sections.index(code) if code in sections else len(sections)


def _renumber(scorecard: Scorecard) -> None:
    """Keep `order` a pre-order walk of the tree (the sections in the year's
    guidance's order, R37), so a scorecard lists each criterion under its
    parent; new rows go last among their siblings."""
    sections = stored_regulation(scorecard.year, scorecard.cluster).section_codes
    rows = list(scorecard.criteria.only("pk", "parent_id", "section", "order"))
    children: dict[int | None, list[Criterion]] = defaultdict(list)
    for row in rows:
        children[row.parent_id].append(row)
    for siblings in children.values():
        siblings.sort(key=lambda r: (_position(sections, r.section), r.order, r.pk))
    numbers = count()
    changed: list[Criterion] = []

    def walk(nodes: list[Criterion]) -> None:
        for node in nodes:
            number = next(numbers)
            if node.order != number:
                node.order = number
                changed.append(node)
            walk(children[node.pk])

    walk(children[None])
    Criterion.objects.bulk_update(changed, ["order"])


def _refreshed(criteria: list[Criterion]) -> list[Criterion]:
    for criterion in criteria:
        criterion.refresh_from_db(fields=["order"])
    return criteria


def _new_codes_errors(scorecard: Scorecard, codes: Sequence[str]) -> list[str]:
    errors = []
    cleaned = [code.strip() for code in codes]
    if any(not code for code in cleaned):
        errors.append("Mã tiêu chí không được để trống.")
    longest = Criterion._meta.get_field("code").max_length
    errors += [
        f"Mã tiêu chí {code} dài quá {longest} ký tự." for code in cleaned if len(code) > longest
    ]
    repeated = sorted({code for code in cleaned if code and cleaned.count(code) > 1})
    if repeated:
        errors.append(f"Mã tiêu chí bị trùng: {', '.join(repeated)}.")
    taken = scorecard.criteria.filter(code__in=cleaned).values_list("code", flat=True)
    errors += [f"Mã tiêu chí {code} đã có trong bảng chấm điểm." for code in sorted(taken)]
    return errors


def _title_errors(title: str, code: str) -> list[str]:
    return [] if title.strip() else [f"Tiêu chí {code}: nội dung không được để trống."]


def _is_exact_number(value: object) -> bool:
    # A float would carry binary error into the points; only exact types pass.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return False
    return not isinstance(value, Decimal) or value.is_finite()


def _points_errors(value: object, label: str, section: str, regulation: Regulation) -> list[str]:
    """Criterion points: > 0, at most 2 decimals, within the points the year's
    guidance gives the section (R15, R17, R37)."""
    if not _is_exact_number(value):
        return [f"{label}: điểm phải là một số."]
    points = Decimal(value)  # type: ignore[arg-type]
    if points != points.quantize(engine.CENT):
        return [f"{label}: điểm chỉ được có tối đa 2 chữ số thập phân."]
    if points <= 0:
        return [f"{label}: điểm phải lớn hơn 0."]
    frame = regulation.section(section)
    if frame is not None and points > frame.points:
        return [
            f"{label}: điểm không được vượt quá {engine.fmt_points(frame.points)} điểm "
            f"của phần {section}."
        ]
    return []


def _fixed_points_errors(criterion: Criterion, points: Decimal) -> list[str]:
    """R17: Phụ lục 02 gives section III's items their points (III.1 = 35 …
    III.7 = 15); a cluster may split an item but not re-weight it."""
    fixed = criterion.fixed_points
    if fixed is None or points == fixed:
        return []
    return [
        f"Tiêu chí {criterion.code}: Phụ lục 02 quy định {engine.fmt_points(fixed)} điểm cho "
        f"mục này, không được đổi thành {engine.fmt_points(Decimal(points))} điểm; chỉ được "
        "phân chia lại điểm giữa các tiêu chí con của mục."
    ]


def _method_errors(method: str, direction: str, code: str) -> list[str]:
    errors = []
    if method not in Method.values:
        errors.append(
            f"Tiêu chí {code}: cách chấm '{method}' không hợp lệ "
            "(định lượng, định tính hoặc theo mức)."
        )
    if direction not in Direction.values:
        errors.append(
            f"Tiêu chí {code}: chiều '{direction}' không hợp lệ "
            "(cao hơn là tốt hoặc thấp hơn là tốt)."
        )
    return errors


def _band_errors(band: BandInput, label: str, criterion_points: Decimal) -> list[str]:
    errors = []
    if not _is_exact_number(band.points):
        errors.append(f"{label}: điểm phải là một số.")
    elif Decimal(band.points) != Decimal(band.points).quantize(engine.CENT):
        errors.append(f"{label}: điểm chỉ được có tối đa 2 chữ số thập phân.")
    elif not 0 <= band.points <= criterion_points:
        errors.append(f"{label}: điểm phải từ 0 đến {engine.fmt_points(criterion_points)}.")
    for bound, name in ((band.min_value, "cận dưới"), (band.max_value, "cận trên")):
        if bound is None:
            continue
        if (
            not _is_exact_number(bound)
            or abs(bound) >= FIGURE_LIMIT
            or Decimal(bound) != Decimal(bound).quantize(FIGURE_PLACES)
        ):
            errors.append(f"{label}: {name} phải là một số có tối đa 6 chữ số thập phân.")
    return errors


# ---------------------------------------------------------------------------
# Validation (R15–R17, R19)


def scorecard_validate(scorecard: Scorecard) -> list[str]:
    """Why the scorecard cannot be submitted yet, in Vietnamese; empty when valid.

    The engine checks the leaves (section totals, points, methods, bands,
    R17's 30% and item points), read through `frame_marks` as a dataset
    would list them; the tree rules are checked here: sub-criteria total
    their parent, and an item keeps the points Phụ lục 02 gives it.
    """
    rows = list(
        scorecard.criteria.order_by("order")
        .select_related("framework_criterion")
        # Bands for the engine's R19 checks.
        .prefetch_related("bands")
    )
    leaves, added, parents = _as_dataset(rows)
    regulation = stored_regulation(scorecard.year, scorecard.cluster)  # R37: the year's frame
    errors = engine.validate_criteria(
        [row.rule for row in leaves], added, scorecard.cluster.group, parents, regulation
    )
    errors += _size_errors(scorecard, adding=0, rows=len(rows))
    errors += _tree_errors(rows, regulation)
    for row in rows:
        if row.fixed_points is not None and row.points != row.fixed_points:
            errors += _fixed_points_errors(row, row.points)
    return errors


@dataclass(frozen=True)
class LeafMark:
    """A leaf as DATASET.md lists it (R17): the `parent` it names, if any,
    and whether it is `added`."""

    parent: str | None
    added: bool


def frame_marks(rows: Sequence[Criterion]) -> dict[int, LeafMark]:
    """R17 read off a scorecard's tree (all its rows), by leaf pk.

    A leaf in or under an added row is added, and names the topmost added
    row above it as its parent (an added criterion split counts once). Any
    other leaf names its framework criterion (the tree's root above it) when
    the cluster concretised that one, that is made a row of its own under it;
    the framework's own sub-items (III.1.1a …) concretise nothing. Rows
    without a framework link (an imported scorecard) are the cluster's.
    """
    by_pk = {row.pk: row for row in rows}
    concretised = set()
    for row in rows:
        up = _chain(row, by_pk)
        if len(up) > 1 and row.framework_criterion_id is None and not any(r.added for r in up):
            concretised.add(up[-1].pk)
    marks = {}
    for row in rows:
        if not row.is_leaf:
            continue
        up = _chain(row, by_pk)
        added = [r for r in up if r.added]
        if added:
            marks[row.pk] = LeafMark(None if added[-1] is row else added[-1].code, True)
        else:
            root = up[-1]
            named = root is not row and root.pk in concretised
            marks[row.pk] = LeafMark(root.code if named else None, False)
    return marks


def _chain(row: Criterion, by_pk: dict[int, Criterion]) -> list[Criterion]:
    """The row and its ancestors, up to the root of its tree."""
    found = [row]
    while found[-1].parent_id is not None:
        found.append(by_pk[found[-1].parent_id])
    return found


def _as_dataset(rows: Sequence[Criterion]) -> tuple[list[Criterion], set[str], dict[str, str]]:
    """A tree's leaves with the added codes and parents a dataset gives them (R17)."""
    marks = frame_marks(rows)
    leaves = [row for row in rows if row.is_leaf]
    added = {row.code for row in leaves if marks[row.pk].added}
    parents = {row.code: marks[row.pk].parent for row in leaves if marks[row.pk].parent}
    return leaves, added, parents  # type: ignore[return-value]


def frame_counts(rows: Sequence[Criterion]) -> dict[str, engine.FrameCount]:
    """R17 per section of a scorecard's tree: concretised and added criteria."""
    leaves, added, parents = _as_dataset(rows)
    return engine.frame_counts(
        [engine.Criterion(row.code, row.section, row.points, row.method) for row in leaves],
        added,
        parents,
    )


def _size_errors(scorecard: Scorecard, *, adding: int, rows: int | None = None) -> list[str]:
    """The scorecard's rows, headings included, with `adding` more, within
    limits.CRITERIA_PER_SCORECARD (issue #12: the scoring sheet prints them all)."""
    count = (scorecard.criteria.count() if rows is None else rows) + adding
    if count <= limits.CRITERIA_PER_SCORECARD:
        return []
    return [
        f"Bảng chấm điểm có {count} tiêu chí (kể cả tiêu chí được tách), vượt giới hạn "
        f"{limits.CRITERIA_PER_SCORECARD} tiêu chí."
    ]


def _frame_limit_errors(
    scorecard: Scorecard, section: str, *, under: Criterion | None, splits: bool
) -> list[str]:
    """R17: whether one more concretised (`splits`: `under` is split) or added
    (under `under`, or at the section's top) criterion stays within 30%."""
    if scorecard.cluster.group not in engine.GROUPS:
        return []  # validation names the bad group
    rows = list(scorecard.criteria.all())
    by_pk = {row.pk: row for row in rows}
    # A parent of another scorecard has no chain here; criterion_add_errors names it.
    up = _chain(by_pk[under.pk], by_pk) if under is not None and under.pk in by_pk else []
    if any(row.added for row in up):
        return []  # splits or extends an added criterion: already counted
    _, added, parents = _as_dataset(rows)
    if splits and up and up[-1].code in {p for code, p in parents.items() if code not in added}:
        return []  # its framework criterion is concretised already
    used = frame_counts(rows).get(section, engine.FrameCount()).used
    regulation = stored_regulation(scorecard.year, scorecard.cluster)
    limit = engine.added_limit(section, scorecard.cluster.group, regulation)
    if used < limit:
        return []
    return [
        f"Phần {section}: đã cụ thể hóa/bổ sung {used}/{limit} tiêu chí, không được cụ thể hóa "
        f"hoặc bổ sung quá {format_figure(regulation.added_ratio * 100)}% số tiêu chí của khung."
    ]


def _tree_errors(rows: Sequence[Criterion], regulation: Regulation) -> list[str]:
    by_pk = {row.pk: row for row in rows}
    children: dict[int, list[Criterion]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None:
            children[row.parent_id].append(row)
    errors = []
    for row in rows:
        kids = children[row.pk]
        where = f"Phần {row.section}: tiêu chí {row.code}"
        if not row.is_leaf:
            errors += _points_errors(row.points, where, row.section, regulation)
        if row.parent_id is not None and by_pk[row.parent_id].section != row.section:
            errors.append(f"{where} phải cùng phần với tiêu chí cha của nó.")
        if row.is_leaf and kids:
            errors.append(f"{where} có tiêu chí con nên không được chấm trực tiếp.")
        elif not row.is_leaf and not kids:
            errors.append(f"{where} không được chấm trực tiếp nhưng chưa có tiêu chí con.")
        elif kids:
            total = sum((kid.points for kid in kids), Decimal(0))
            if total != row.points:
                errors.append(
                    f"Phần {row.section}: các tiêu chí con của {row.code} có tổng "
                    f"{engine.fmt_points(total)} điểm, phải bằng "
                    f"{engine.fmt_points(row.points)} điểm "
                    f"của tiêu chí {row.code}."
                )
    return errors


# ---------------------------------------------------------------------------
# Approval (R18) with its audit trail (R35)


# The seed [II.1]: concretising or adding criteria "phải được các thành viên
# trong cụm, khối thi đua thảo luận thống nhất, được Cơ quan thường trực Hội
# đồng TĐKT tỉnh nhất trí trước khi ban hành bảng chấm điểm". So the head opens
# its valid draft to the members (CONSULTING, read-only); each member unit but
# the head's, which drafted it, records its position; the head submits once
# every member agreed ("thống nhất"), or, when some gave none or disagree,
# with its reason, which Sở Nội vụ reads next to their positions: a member's
# silence or refusal does not block the cluster, Sở Nội vụ decides. Taking the
# draft back to change it deletes the positions given (their history stays),
# since they were given on a text that changes; so does a new round after the
# scorecard was returned.
DISCUSS_FIRST = (
    "Trưởng cụm, khối cần đưa dự thảo ra lấy ý kiến các thành viên trước khi trình duyệt "
    ": bảng chấm điểm “phải được các thành viên trong cụm, khối thi đua thảo luận thống "
    "nhất” (Phần II.1)."
)


def is_placeholder_title(title: str, code: str) -> bool:
    """A title that only names the criterion's place ("Nội dung II.1", "II.1…"),
    as a draft or a sample file fills it in before the cluster writes it."""
    words = title.strip().rstrip(".…").strip().casefold()
    for lead in ("nội dung", "tiêu chí"):
        words = words.removeprefix(lead).strip()
    return words in ("", code.strip().casefold())


def _placeholder_title_errors(scorecard: Scorecard) -> list[str]:
    return [
        f"Tiêu chí {code}: nội dung “{title}” chưa phải nội dung thật của tiêu chí; "
        "ghi rõ nội dung trước khi trình duyệt."
        for code, title in scorecard.criteria.order_by("order").values_list("code", "title")
        if is_placeholder_title(title, code)
    ]


@transaction.atomic
def scorecard_open_discussion(*, scorecard: Scorecard, user: User) -> Scorecard:
    """Draft or returned → the members' discussion, once the scorecard is valid
    (R17); from now on the head changes it only by taking it back [II.1]."""
    _lock(scorecard)
    if scorecard.status not in {Status.DRAFT, Status.RETURNED}:
        raise ValidationError(
            "Chỉ bảng chấm điểm dự thảo hoặc bị trả lại mới được đưa ra lấy ý kiến."
        )
    errors = scorecard_validate(scorecard) + _placeholder_title_errors(scorecard)
    if errors:
        raise ValidationError(errors)
    _void_positions(scorecard, user=user, reason="Bắt đầu lượt lấy ý kiến mới")
    scorecard.discussion_note = ""
    _move(scorecard, Status.CONSULTING, user=user, action="Lấy ý kiến các thành viên")
    return scorecard


@transaction.atomic
def scorecard_reopen(*, scorecard: Scorecard, user: User, reason: str) -> Scorecard:
    """The members' discussion → draft, for the head to change it; the
    positions given so far are void (deleted, with the reason in their
    history) and the members are asked again when it is reopened [II.1]."""
    _lock(scorecard)
    if scorecard.status != Status.CONSULTING:
        raise ValidationError("Chỉ mở lại dự thảo đang lấy ý kiến các thành viên.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do mở lại dự thảo để sửa.")
    _void_positions(scorecard, user=user, reason=f"Trưởng cụm, khối mở lại dự thảo: {reason}")
    _move(scorecard, Status.DRAFT, user=user, action="Mở lại dự thảo", why=reason)
    return scorecard


def _void_positions(scorecard: Scorecard, *, user: User, reason: str) -> None:
    audit.delete_all(
        ScorecardPosition.objects.filter(scorecard=scorecard), user=user, reason=reason
    )


def consulted_members(scorecard: Scorecard) -> list[Membership]:
    """The member units asked for their position: all of the cluster's year but
    the head's, which drafted the scorecard [II.1]."""
    return list(
        Membership.objects.filter(cluster_id=scorecard.cluster_id, year_id=scorecard.year_id)
        .exclude(role=Membership.Role.HEAD)
        .select_related("unit")
        .order_by("unit__code")
    )


@dataclass(frozen=True)
class Discussion:
    """The members' positions on one scorecard version, unit by unit."""

    rows: list[tuple[Membership, ScorecardPosition | None]]

    def _codes(self, test) -> list[str]:
        return [m.unit.code for m, position in self.rows if test(position)]

    @property
    def missing(self) -> list[str]:
        return self._codes(lambda p: p is None)

    @property
    def disagreeing(self) -> list[str]:
        return self._codes(lambda p: p is not None and p.stance == Stance.DISAGREE)

    @property
    def agreed(self) -> bool:
        """Every member agreed, with or without comments: "thống nhất" [II.1]."""
        return not self.missing and not self.disagreeing

    @property
    def summary(self) -> str:
        counts = [
            (sum(1 for _, p in self.rows if p is not None and p.stance == stance), label)
            for stance, label in (
                (Stance.AGREE, "nhất trí"),
                (Stance.COMMENTS, "nhất trí có góp ý"),
                (Stance.DISAGREE, "không nhất trí"),
            )
        ] + [(len(self.missing), "chưa có ý kiến")]
        return "Ý kiến các thành viên: " + ", ".join(
            f"{count} {label}" for count, label in counts if count
        )


def scorecard_discussion(scorecard: Scorecard) -> Discussion:
    """Each member unit asked, with its position on this version (or None)."""
    positions = {
        p.membership_id: p
        for p in scorecard.positions.select_related("recorded_by", "membership__unit")
    }
    return Discussion([(m, positions.get(m.pk)) for m in consulted_members(scorecard)])


class StalePosition(ValidationError):
    """A position saved from a page whose revision someone else has since replaced."""

    def __init__(self, position: ScorecardPosition | None) -> None:
        self.position = position
        if position is None:
            current = "không còn (dự thảo đã được mở lại)"
        else:
            note = f"; góp ý: “{position.comment}”" if position.comment else ""
            current = f"“{position.get_stance_display()}”{note}"
        super().__init__(
            f"Ý kiến của đơn vị vừa được người khác thay đổi; hiện tại: {current}. "
            "Hãy xem lại rồi lưu lần nữa.",
            code="stale",
        )


@transaction.atomic
def scorecard_position_record(
    *,
    scorecard: Scorecard,
    membership: Membership,
    user: User,
    stance: str,
    comment: str,
    revision: int | None,
) -> ScorecardPosition:
    """A member unit's position on the draft under discussion [II.1], by its
    own user: agree, agree with comments, or disagree (both with the words).
    `revision` is the position's revision the page was loaded with (None when
    the unit had none): of two saves from the same page the second is refused
    with the current position (StalePosition)."""
    if (
        membership.cluster_id != scorecard.cluster_id
        or membership.year_id != scorecard.year_id
        or user.unit_id != membership.unit_id
    ):
        raise PermissionDenied("Mỗi đơn vị thành viên chỉ ghi ý kiến của chính mình.")
    if membership.role == Membership.Role.HEAD:
        raise PermissionDenied(
            "Đơn vị trưởng cụm, khối dự thảo bảng chấm điểm; các thành viên khác cho ý kiến."
        )
    _lock(scorecard)
    if scorecard.status != Status.CONSULTING:
        if scorecard.status in {Status.DRAFT, Status.RETURNED}:
            raise ValidationError("Trưởng cụm, khối chưa đưa ra lấy ý kiến dự thảo này.")
        raise ValidationError(
            f"Bảng chấm điểm bản {scorecard.version} đã trình hoặc đã ban hành; "
            "không ghi ý kiến được nữa."
        )
    if stance not in Stance.values:
        raise ValidationError("Ý kiến không hợp lệ.")
    comment = (comment or "").strip()
    if stance != Stance.AGREE and not comment:
        raise ValidationError("Cần ghi ý kiến góp ý hoặc lý do không nhất trí.")
    if len(comment) > limits.POSITION_COMMENT:
        raise ValidationError(
            f"Nội dung góp ý tối đa {limits.POSITION_COMMENT} ký tự (hiện có {len(comment)})."
        )
    position = (
        ScorecardPosition.objects.select_for_update(of=("self",))
        .filter(scorecard=scorecard, membership=membership)
        .first()
    )
    if (position.revision if position else None) != revision:
        raise StalePosition(position)
    position = position or ScorecardPosition(scorecard=scorecard, membership=membership, revision=0)
    position.stance = stance
    position.comment = comment
    position.recorded_by = user
    position.recorded_at = timezone.now()
    position.revision += 1
    audit.save(
        position,
        user=user,
        reason=f"Ý kiến của {membership.unit.code} về bảng chấm điểm bản {scorecard.version}: "
        f"{position.get_stance_display()}",
    )
    return position


@transaction.atomic
def scorecard_submit(*, scorecard: Scorecard, user: User, reason: str = "") -> Scorecard:
    """The members' discussion → submitted to the authority, once the scorecard
    is valid and the members agreed it, or with the head's reason why not all
    did [II.1]; the positions go with it (its history names them)."""
    _lock(scorecard)
    if scorecard.status in {Status.DRAFT, Status.RETURNED}:
        raise ValidationError(DISCUSS_FIRST)
    if scorecard.status != Status.CONSULTING:
        raise ValidationError(
            "Chỉ bảng chấm điểm đang lấy ý kiến các thành viên mới được trình duyệt."
        )
    errors = scorecard_validate(scorecard)
    if errors:
        raise ValidationError(errors)
    discussion = scorecard_discussion(scorecard)
    reason = (reason or "").strip()
    if not discussion.agreed and not reason:
        errors = [
            f"{label}: {', '.join(codes)}."
            for label, codes in (
                ("Chưa có ý kiến", discussion.missing),
                ("Không nhất trí", discussion.disagreeing),
            )
            if codes
        ]
        raise ValidationError(
            [
                "Các thành viên chưa thảo luận thống nhất bảng chấm điểm (Phần II.1).",
                *errors,
                "Muốn trình ngay, trưởng cụm, khối cần ghi lý do để Sở Nội vụ xem cùng ý kiến "
                "các thành viên.",
            ]
        )
    if len(reason) > limits.REASON:
        raise ValidationError(f"Lý do tối đa {limits.REASON} ký tự (hiện có {len(reason)}).")
    scorecard.return_reason = ""
    scorecard.guidance_note = ""
    scorecard.discussion_note = reason
    why = f"{discussion.summary}." + (f" Giải trình: {reason}" if reason else "")
    _move(scorecard, Status.SUBMITTED, user=user, action="Trình duyệt", why=why)
    notices.scorecard_waiting(scorecard)
    return scorecard


@transaction.atomic
def scorecard_comment(*, scorecard: Scorecard, user: User, note: str) -> Scorecard:
    """The guiding authority's comment on a submitted scorecard, for the head
    and Sở Nội vụ to read; each one stays in the history (R35, issue 13)."""
    _lock(scorecard)
    _ensure_guiding(user, scorecard, "góp ý")
    if scorecard.status != Status.SUBMITTED:
        raise ValidationError("Chỉ góp ý bảng chấm điểm đang trình.")
    note = (note or "").strip()
    if not note:
        raise ValidationError("Cần ghi ý kiến góp ý.")
    scorecard.guidance_note = note
    audit.save(scorecard, user=user, reason=f"Góp ý của {user.authority.name}: {note}")
    return scorecard


@transaction.atomic
def scorecard_forward(*, scorecard: Scorecard, user: User, note: str = "") -> Scorecard:
    """Submitted → forwarded to Sở Nội vụ by the authority guiding the cluster,
    with its comment if any: the guiding authorities "gửi các kết quả … bảng
    chấm điểm … về Sở Nội vụ" [IV.2]; they do not approve it (issue 13)."""
    _lock(scorecard)
    _ensure_guiding(user, scorecard, "chuyển Sở Nội vụ")
    if scorecard.cluster.authority.is_standing_agency:
        raise PermissionDenied(
            "Cụm, khối do Sở Nội vụ trực tiếp hướng dẫn: bảng chấm điểm không cần chuyển."
        )
    if scorecard.status != Status.SUBMITTED:
        raise ValidationError("Chỉ chuyển Sở Nội vụ bảng chấm điểm đang trình.")
    note = (note or "").strip()
    if note:
        scorecard.guidance_note = note
    _move(scorecard, Status.FORWARDED, user=user, action="Chuyển Sở Nội vụ", why=note)
    notices.scorecard_waiting(scorecard, forwarded=True)
    return scorecard


@transaction.atomic
def scorecard_approve(*, scorecard: Scorecard, user: User) -> Scorecard:
    """Submitted (or forwarded) → approved, by Sở Nội vụ's staff: the seed has
    the scorecard "được Cơ quan thường trực Hội đồng TĐKT tỉnh nhất trí trước
    khi ban hành" [II.1] (R18), not the authority guiding the cluster."""
    _lock(scorecard)
    if not is_standing_staff(user):
        raise PermissionDenied(
            "Chỉ cán bộ Sở Nội vụ (cơ quan thường trực Hội đồng Thi đua – Khen thưởng tỉnh) "
            "mới được phê duyệt bảng chấm điểm."
        )
    if scorecard.status not in AWAITING:
        raise ValidationError("Chỉ bảng chấm điểm đang trình mới được phê duyệt.")
    _move(scorecard, Status.APPROVED, user=user, action="Phê duyệt")
    notices.scorecard_approved(scorecard)
    return scorecard


@transaction.atomic
def scorecard_return(*, scorecard: Scorecard, user: User, reason: str) -> Scorecard:
    """Submitted → returned to the cluster with a reason, by its guiding
    authority or Sở Nội vụ; once forwarded, by Sở Nội vụ only (R18)."""
    _lock(scorecard)
    if scorecard.status == Status.FORWARDED and not is_standing_staff(user):
        raise PermissionDenied("Bảng chấm điểm đã chuyển Sở Nội vụ; chỉ Sở Nội vụ trả lại được.")
    if not is_staff_of(user, scorecard.cluster):
        raise PermissionDenied(
            f"Chỉ cán bộ cơ quan hướng dẫn cụm, khối {scorecard.cluster.code} hoặc Sở Nội vụ "
            "mới được trả lại bảng chấm điểm."
        )
    if scorecard.status not in AWAITING:
        raise ValidationError("Chỉ bảng chấm điểm đang trình mới được trả lại.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Cần ghi lý do trả lại bảng chấm điểm.")
    scorecard.return_reason = reason
    _move(scorecard, Status.RETURNED, user=user, action="Trả lại", why=reason)
    notices.scorecard_returned(scorecard, reason)
    return scorecard


@transaction.atomic
def scorecard_issue(*, scorecard: Scorecard, user: User) -> Scorecard:
    """Approved → issued: from now on units score against it (R18).

    The version issued before for the cluster's year becomes superseded, and
    what was attached to its criteria (scores with their agreed figures,
    evidence, registration targets: CRITERION_CARRIED) moves to this version:
    each row whose criterion code is a leaf of this version is re-pointed at
    that criterion (recorded in the row's history). Rows of codes this version
    dropped, split or no longer scores directly stay with the superseded
    version, where they remain readable but no longer count. A moved score
    keeps its figures even if the criterion's method changed; the engine
    ignores figures the method does not use.
    """
    _lock(scorecard)
    if scorecard.status != Status.APPROVED:
        raise ValidationError("Chỉ bảng chấm điểm đã phê duyệt mới được ban hành.")
    previous = (
        Scorecard.objects.select_for_update(of=("self",))
        .filter(cluster_id=scorecard.cluster_id, year_id=scorecard.year_id, status=Status.ISSUED)
        .exclude(pk=scorecard.pk)
        .first()
    )
    if previous is not None:
        # Before the new one is issued: one issued scorecard per cluster and year.
        _move(
            previous,
            Status.SUPERSEDED,
            user=user,
            action=f"Thay bằng bản {scorecard.version}",
        )
        _carry_attachments(previous, scorecard, user=user)
    _move(scorecard, Status.ISSUED, user=user, action="Ban hành")
    notices.scorecard_issued(scorecard)
    # The guidance it was built under is in use from now on: frozen (R18).
    guidance_mark_in_use(year=scorecard.year, cluster=scorecard.cluster, user=user)
    return scorecard


# Everything that points at a criterion, and what a new version does with it
# (#11.2). A model given a foreign key to Criterion must be listed in one of
# the two; tests/scoring/test_scorecard_services.py fails until it is.
#
# The scorecard's own structure: copied with the tree by scorecard_new_version.
CRITERION_COPIED: frozenset[tuple[type[models.Model], str]] = frozenset(
    {(Criterion, "parent"), (Band, "criterion")}
)
# What the units (and the head, for the agreed figures) attached to a
# criterion: moved to its successor when the new version is issued, each move
# recorded in the row's history (R35).
CRITERION_CARRIED: tuple[tuple[type[models.Model], str], ...] = (
    (Score, "criterion"),
    (Evidence, "criterion"),
    (RegistrationTarget, "criterion"),
)


def _carry_attachments(old: Scorecard, new: Scorecard, *, user: User) -> None:
    """Move every row of CRITERION_CARRIED from a criterion of `old` to the leaf
    of `new` with the same code. A row whose code `new` dropped or no longer
    scores directly stays where it was, readable with the superseded version,
    and its history says why, so the history page leads to it (R35)."""
    kept = dict(new.criteria.values_list("code", "is_leaf"))
    leaves = dict(new.criteria.filter(is_leaf=True).values_list("code", "pk"))
    codes = dict(old.criteria.values_list("pk", "code"))
    moved = f"Chuyển sang bảng chấm điểm bản {new.version}"
    for model, name in CRITERION_CARRIED:
        attname = model._meta.get_field(name).attname
        going, staying = [], []
        for row in model.objects.filter(**{f"{name}__scorecard": old}):
            code = codes[getattr(row, attname)]
            if code in leaves:
                setattr(row, attname, leaves[code])
                going.append(row)
            else:
                why = "không còn được chấm trực tiếp" if code in kept else "không còn"
                row._change_reason = (
                    f"Giữ ở bảng chấm điểm bản {old.version}: tiêu chí {code} {why} "
                    f"ở bản {new.version}"
                )
                staying.append(row)
        bulk_update_with_history(
            going, model, [name], default_user=user, default_change_reason=moved
        )
        get_history_manager_for_model(model).bulk_history_create(
            staying, update=True, default_user=user
        )


@transaction.atomic
def scorecard_new_version(*, scorecard: Scorecard, user: User) -> Scorecard:
    """A draft copy (next version) of an issued scorecard, with the same tree
    and bands: an issued scorecard is frozen, and a change goes through
    approval again (R18)."""
    _lock(scorecard)
    if scorecard.status != Status.ISSUED:
        raise ValidationError("Chỉ tạo phiên bản mới từ bảng chấm điểm đã ban hành.")
    cluster = scorecard.cluster
    _lock_cluster(cluster)
    errors = _open_errors(cluster, scorecard.year)
    if errors:
        raise ValidationError(errors)
    draft = Scorecard(
        cluster=cluster,
        year=scorecard.year,
        version=_next_version(cluster, scorecard.year),
        framework=scorecard.framework,
        cluster_bonus_max=scorecard.cluster_bonus_max,
    )
    audit.save(
        draft, user=user, reason=f"Tạo dự thảo bản {draft.version} từ bản {scorecard.version}"
    )
    _copy_criteria(scorecard, draft, user=user)
    return draft


def _copy_criteria(scorecard: Scorecard, draft: Scorecard, *, user: User | None) -> None:
    """The criteria and bands of `scorecard` into `draft`, with the same tree."""
    built = _built_reason(draft)
    copies: dict[int, Criterion] = {}
    bands: list[Band] = []
    for row in scorecard.criteria.order_by("order").prefetch_related("bands"):
        copy = Criterion(
            scorecard=draft,
            parent=copies[row.parent_id] if row.parent_id else None,
            framework_criterion_id=row.framework_criterion_id,
            section=row.section,
            code=row.code,
            title=row.title,
            points=row.points,
            order=row.order,
            is_leaf=row.is_leaf,
            added=row.added,
            method=row.method,
            direction=row.direction,
        )
        audit.save(copy, user=user, reason=built)
        copies[row.pk] = copy
        bands += [
            Band(
                criterion=copy,
                order=band.order,
                min_value=band.min_value,
                min_inclusive=band.min_inclusive,
                max_value=band.max_value,
                max_inclusive=band.max_inclusive,
                points=band.points,
            )
            for band in row.bands.all()
        ]
    bulk_create_with_history(bands, Band, default_user=user, default_change_reason=built)


def _lock(scorecard: Scorecard) -> None:
    """Lock the scorecard's row and read its current state, so two people
    cannot move or edit it at once."""
    list(
        Scorecard.objects.select_for_update(of=("self",)).filter(pk=scorecard.pk).values_list("pk")
    )
    scorecard.refresh_from_db()


def _ensure_guiding(user: User, scorecard: Scorecard, action: str) -> None:
    if not is_guiding_staff(user, scorecard.cluster):
        raise PermissionDenied(
            f"Chỉ cán bộ cơ quan hướng dẫn cụm, khối {scorecard.cluster.code} mới được "
            f"{action} bảng chấm điểm."
        )


def _move(
    scorecard: Scorecard, status: str, *, user: User | None, action: str, why: str = ""
) -> None:
    """Change the status; the history row keeps who, when, old → new and why (R35)."""
    old = Status(scorecard.status).label
    scorecard.status = status
    reason = f"{action}: {old} → {Status(status).label}"
    audit.save(scorecard, user=user, reason=f"{reason}. Lý do: {why}" if why else reason)


# ---------------------------------------------------------------------------
# Starting a cluster's next year (#14)


@dataclass(frozen=True)
class YearStarted:
    year: EmulationYear
    memberships: list[Membership]
    scorecard: Scorecard | None
    copied: bool


@transaction.atomic
def year_start(
    *,
    cluster: Cluster,
    year: EmulationYear,
    units: Iterable[Unit],
    head: Unit,
    deputy: Unit | None,
    user: User,
) -> YearStarted:
    """Sở Nội vụ starts the cluster's year after `year` (#14): the year with
    its deadlines from the calendar (R5–R10, year_create), the cluster's
    members with their head and deputy (R2, memberships_set), and a draft
    scorecard copied from this year's issued one (R18), which the head then
    takes through approval again.

    Idempotent: started again, it changes only the memberships that differ
    and copies no second scorecard (a scorecard of the next year, in
    whatever state, is kept). One transaction: a refusal leaves nothing."""
    ensure_acts_for_province(user)
    following = year_create(year=year.year + 1)
    memberships = memberships_set(
        cluster=cluster,
        year=following,
        units=units,
        head=head,
        deputy=deputy,
        user=user,
        reason=f"Bắt đầu năm {following.year} từ năm {year.year}",
    )
    scorecard = Scorecard.objects.filter(cluster=cluster, year=following).order_by("-version")
    existing = scorecard.first()
    issued = Scorecard.objects.filter(cluster=cluster, year=year, status=Status.ISSUED).first()
    if existing is not None or issued is None:
        return YearStarted(following, memberships, existing, copied=False)
    draft = Scorecard(
        cluster=cluster,
        year=following,
        version=1,
        framework=issued.framework,
        cluster_bonus_max=issued.cluster_bonus_max,
    )
    audit.save(
        draft,
        user=user,
        reason=(
            f"Bắt đầu năm {following.year}: dự thảo sao từ bảng chấm điểm đã ban hành năm "
            f"{year.year} (bản {issued.version})"
        ),
    )
    _copy_criteria(issued, draft, user=user)
    return YearStarted(following, memberships, draft, copied=True)
