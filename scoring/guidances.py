"""Guidances as records (#16): the figures a year is scored under (R36–R40)
and the framework its scorecards are built from, applied to a year or to one
kind of cluster in a year.

`stored_regulation(year, cluster)` is the one way to know which regulation
scores a cluster's year; every write to a guidance or to its application goes
through a function here, with its reason in the history (R35).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, TextField
from django.db.models.functions import Cast

from clusters.models import Cluster, EmulationYear
from emulation import audit
from emulation.models import User
from emulation.prepared import Prepared
from scoring.models import Framework, FrameworkCriterion, Guidance, GuidanceYear, Scorecard
from scoring.regulation import (
    DEFAULT,
    Regulation,
    RegulationError,
    regulation_from_json,
    regulation_to_json,
)

DEFAULT_CODE = DEFAULT.code
# The seed leaves the number and the day blank ("Hướng dẫn số …/HD-UBND ngày
# …/3/2022"): the record keeps what the seed says, nothing invented.
DEFAULT_ISSUER = "Chủ tịch UBND tỉnh Bắc Giang"
DEFAULT_NUMBER = "/HD-UBND"


@lru_cache(maxsize=64)
def _parsed(text: str) -> Regulation:
    return regulation_from_json(json.loads(text))


def regulation_of(guidance: Guidance) -> Regulation:
    """The guidance's figures, with the labels it gives its kinds; its stored
    block was checked on its way in."""
    return with_labels(_regulation_from(guidance.parameters), guidance.labels or {})


def _regulation_from(parameters: dict) -> Regulation:
    return _parsed(json.dumps(parameters, sort_keys=True, ensure_ascii=False))


def with_labels(regulation: Regulation, labels: dict) -> Regulation:
    """`regulation` naming its kinds, reasons and awards by `labels`
    ({"bonuses": {kind: label}, "deductions": {kind: label}, "reasons":
    {reason: label}, "awards": {award: label}}) where given."""
    reasons = (*regulation.exclusion_reasons, *regulation.deferral_reasons)
    given = {
        "bonus_labels": _given(labels, "bonuses", regulation.bonuses),
        "deduction_labels": _given(labels, "deductions", regulation.deductions),
        "reason_labels": _given(labels, "reasons", reasons),
        "award_labels": _given(labels, "awards", regulation.awards),
    }
    if not any(given.values()):
        return regulation
    return replace(
        regulation,
        **{name: {**getattr(regulation, name), **found} for name, found in given.items()},
    )


def _given(labels: dict, what: str, codes) -> dict[str, str]:
    return {k: v for k, v in labels.get(what, {}).items() if k in codes}


@dataclass(frozen=True)
class YearRegulations:
    """The regulations of a year's clusters: the year's, and the one applied
    to a kind of cluster instead (R36)."""

    year: Regulation = DEFAULT
    by_kind: dict[str, Regulation] = field(default_factory=dict)

    def for_cluster(self, cluster: Cluster | None) -> Regulation:
        if cluster is None:
            return self.year
        return self.by_kind.get(cluster.kind, self.year)


# Within `regulations_read_once()`, each year's regulations are read once.
_READ_ONCE: ContextVar[dict[int, YearRegulations] | None] = ContextVar(
    "regulations_read_once", default=None
)


@contextmanager
def regulations_read_once() -> Iterator[None]:
    """A page that names the kinds of many rows of a few years (the admin's
    lists) reads each year's guidances once, not once per row. Only for
    reading: a guidance applied inside is not seen."""
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def year_regulations(year: EmulationYear | int) -> YearRegulations:
    """One query. A year no guidance was applied to is scored under the 2022
    guidance (R36)."""
    year_id = year.pk if isinstance(year, EmulationYear) else year
    read = _READ_ONCE.get()
    if read is not None:
        if year_id not in read:
            read[year_id] = _year_regulations(year_id)
        return read[year_id]
    return _year_regulations(year_id)


def _year_regulations(year_id: int) -> YearRegulations:
    general = DEFAULT
    by_kind: dict[str, Regulation] = {}
    for kind, parameters, labels in _APPLIED.fetch(year_id):
        regulation = applied_regulation(parameters, labels)
        if kind:
            by_kind[kind] = regulation
        else:
            general = regulation
    return YearRegulations(general, by_kind)


def years_regulations(year_ids: Iterable[int]) -> dict[int, YearRegulations]:
    """`year_regulations` of several years in one query (a unit's record over
    the years)."""
    years = set(year_ids)
    found: dict[int, tuple[Regulation, dict[str, Regulation]]] = {}
    rows = (
        GuidanceYear.objects.filter(year_id__in=years)
        .order_by()
        .values_list("year_id", "cluster_kind", "guidance__parameters", "guidance__labels")
    )
    for year_id, kind, parameters, labels in rows:
        _, by_kind = found.setdefault(year_id, (DEFAULT, {}))
        regulation = with_labels(_regulation_from(parameters), labels or {})
        if kind:
            by_kind[kind] = regulation
        else:
            found[year_id] = (regulation, by_kind)
    return {year_id: YearRegulations(*found.get(year_id, (DEFAULT, {}))) for year_id in years}


# Only the values, unordered, compiled once per process, the figures as their
# stored text: every save at the deadline peak reads them (#17).
_APPLIED = Prepared(
    lambda year_id: (
        GuidanceYear.objects.filter(year_id=year_id)
        .order_by()
        .values_list("cluster_kind", Cast("guidance__parameters", TextField()), "guidance__labels")
    )
)


def applied_regulation(parameters: str | None, labels: dict | None) -> Regulation:
    """The regulation of an applied guidance read as its parameters' stored
    text and its labels; the 2022 guidance's where none applies (R36)."""
    if parameters is None:
        return DEFAULT
    return with_labels(_regulation_of_text(parameters), labels or {})


@lru_cache(maxsize=64)
def _regulation_of_text(text: str) -> Regulation:
    """A guidance's figures from their stored text, decoded and put in
    _regulation_from's canonical form once per process and text."""
    return _regulation_from(json.loads(text))


def stored_regulation(year: EmulationYear | int, cluster: Cluster | None = None) -> Regulation:
    """The regulation a cluster's year is scored under (R36): the guidance
    applied to the cluster's kind in that year, else the year's."""
    return year_regulations(year).for_cluster(cluster)


def default_guidance() -> Guidance:
    """The 2022 Bắc Giang record (migration 0019), made again where a test
    database was flushed."""
    found = Guidance.objects.filter(code=DEFAULT_CODE, version=1).first()
    if found is not None:
        return found
    guidance = Guidance(
        code=DEFAULT_CODE,
        name=DEFAULT.name,
        issuer=DEFAULT_ISSUER,
        document_number=DEFAULT_NUMBER,
        status=Guidance.Status.IN_USE,
        parameters=regulation_to_json(DEFAULT),
        framework=default_framework(),
    )
    audit.save(guidance, user=None, reason="Hướng dẫn năm 2022 của tỉnh Bắc Giang")
    return guidance


def applied_guidance(year: EmulationYear, cluster_kind: str = "") -> Guidance | None:
    application = (
        GuidanceYear.objects.filter(year=year, cluster_kind=cluster_kind)
        .select_related("guidance")
        .first()
    )
    return application.guidance if application else None


def default_framework() -> Framework | None:
    """Phụ lục 02 of 2022, loaded by migration 0002."""
    return Framework.objects.filter(year=2022).order_by("pk").first()


def framework_for(year: EmulationYear, cluster: Cluster) -> Framework | None:
    """The framework a cluster's new scorecard is built from: its guidance's,
    else the newest issued up to the year (before guidances were records)."""
    kinds = [cluster.kind, ""]
    for application in (
        GuidanceYear.objects.filter(year=year, cluster_kind__in=kinds)
        .select_related("guidance__framework")
        .order_by("-cluster_kind")
    ):
        if application.guidance.framework is not None:
            return application.guidance.framework
    return Framework.objects.filter(year__lte=year.year).order_by("-year", "pk").first()


# ---------------------------------------------------------------------------
# Writes


def check_parameters(block: object) -> Regulation:
    """R36–R40 on a guidance's figures; a ValidationError with every refusal."""
    try:
        return regulation_from_json(block)
    except RegulationError as error:
        raise ValidationError(error.messages) from None


def _next_version(code: str) -> int:
    highest = Guidance.objects.filter(code=code).aggregate(v=Max("version"))["v"]
    return (highest or 0) + 1


@transaction.atomic
def guidance_for_regulation(
    *,
    regulation: Regulation,
    user: User | None,
    name: str | None = None,
    framework: Framework | None = None,
    reason: str,
) -> Guidance:
    """The guidance record of `regulation`: one whose figures, code and name
    are equal, else a new one (a new version of its code)."""
    if regulation == DEFAULT and name in (None, DEFAULT.name):
        return default_guidance()
    for guidance in Guidance.objects.filter(code=regulation.code).order_by("-version"):
        if regulation_of(guidance) == regulation and (name is None or guidance.name == name):
            return guidance
    if framework is None:
        older = Guidance.objects.filter(code=regulation.code).order_by("-version").first()
        framework = older.framework if older else default_framework()
    guidance = Guidance(
        code=regulation.code,
        name=name or regulation.name,
        version=_next_version(regulation.code),
        status=Guidance.Status.DRAFT,
        parameters=regulation_to_json(regulation),
        framework=framework,
    )
    audit.save(guidance, user=user, reason=reason)
    return guidance


def guidance_apply_errors(
    *, guidance: Guidance, year: EmulationYear, cluster_kind: str = ""
) -> list[str]:
    """Why `guidance` cannot score the year (or the kind) now: a cluster it
    would cover has an issued scorecard, built under the guidance it has."""
    if cluster_kind and cluster_kind not in Cluster.Kind.values:
        return ["Loại cụm, khối không hợp lệ."]
    current = year_regulations(year)
    kinds = (
        [cluster_kind]
        if cluster_kind
        else [k for k in Cluster.Kind.values if k not in current.by_kind]
    )
    changed = [k for k in kinds if current.by_kind.get(k, current.year) != regulation_of(guidance)]
    issued = Scorecard.objects.issued().filter(year=year, cluster__kind__in=changed)
    if changed and issued.exists():
        return [
            f"Năm {year.year} đã có bảng chấm điểm ban hành theo hướng dẫn đang áp dụng "
            f"({', '.join(sorted(issued.values_list('cluster__code', flat=True)))}): "
            "không đổi hướng dẫn cho các cụm, khối đó được."
        ]
    return []


@transaction.atomic
def guidance_apply(
    *,
    guidance: Guidance,
    year: EmulationYear,
    cluster_kind: str = "",
    user: User | None,
    replacing: bool = False,
) -> GuidanceYear:
    """Apply `guidance` to the year, or to one kind of cluster in it (R36).
    The kind's application replaces the year's for those clusters. Refused
    where a covered cluster has issued its scorecard, unless the year's
    records are being replaced with it (`replacing`: the dataset import)."""
    errors = (
        []
        if replacing
        else guidance_apply_errors(guidance=guidance, year=year, cluster_kind=cluster_kind)
    )
    if cluster_kind and cluster_kind not in Cluster.Kind.values:
        errors = ["Loại cụm, khối không hợp lệ."]
    if errors:
        raise ValidationError(errors)
    where = f"năm {year.year}" + (
        f" ({Cluster.Kind(cluster_kind).label.lower()})" if cluster_kind else ""
    )
    reason = f"Áp dụng {guidance.code} bản {guidance.version} cho {where}"
    application = GuidanceYear.objects.filter(year=year, cluster_kind=cluster_kind).first()
    if application is None:
        application = GuidanceYear(year=year, cluster_kind=cluster_kind, guidance=guidance)
    elif application.guidance_id == guidance.pk:
        return application
    application.guidance = guidance
    # The results' cache key holds the regulation (scoring/results.py): a
    # result computed under the former guidance is never read again.
    audit.save(application, user=user, reason=reason)
    return application


def guidance_unapply_errors(*, year: EmulationYear, cluster_kind: str) -> list[str]:
    """Why a kind of cluster cannot go back to the year's guidance now: one
    of its clusters issued its scorecard under the kind's own (R18: an issued
    scorecard keeps the guidance it was built under)."""
    current = year_regulations(year)
    if current.by_kind.get(cluster_kind, current.year) == current.year:
        return []
    issued = Scorecard.objects.issued().filter(year=year, cluster__kind=cluster_kind)
    if issued.exists():
        return [
            f"Năm {year.year} đã có bảng chấm điểm ban hành theo hướng dẫn riêng này "
            f"({', '.join(sorted(issued.values_list('cluster__code', flat=True)))}): "
            "không bỏ hướng dẫn riêng được."
        ]
    return []


@transaction.atomic
def guidance_unapply(
    *,
    year: EmulationYear,
    cluster_kind: str,
    user: User | None,
    reason: str = "",
    replacing: bool = False,
) -> None:
    """A kind of cluster goes back to the year's guidance (R36), with who and
    why in the history. Refused where one of its clusters issued its scorecard
    under the kind's own, unless the year's records are being replaced
    (`replacing`: the dataset import)."""
    application = GuidanceYear.objects.filter(year=year, cluster_kind=cluster_kind).first()
    if not cluster_kind or application is None:
        return
    errors = [] if replacing else guidance_unapply_errors(year=year, cluster_kind=cluster_kind)
    if errors:
        raise ValidationError(errors)
    kind = Cluster.Kind(cluster_kind).label.lower()
    why = f"Bỏ hướng dẫn riêng của {kind} năm {year.year}"
    if reason:
        why += f". Lý do: {reason}"
    audit.delete(application, user=user, reason=why)


@transaction.atomic
def apply_regulation(
    year: EmulationYear,
    regulation: Regulation,
    *,
    name: str | None = None,
    cluster_kind: str = "",
    user: User | None = None,
    reason: str | None = None,
) -> Guidance:
    """Score `year` (or one kind of cluster in it) under `regulation`: its
    guidance record is reused or created, then applied. The demo and the
    dataset import call this."""
    guidance = guidance_for_regulation(
        regulation=regulation,
        user=user,
        name=name,
        reason=reason or f"Hướng dẫn áp dụng cho năm {year.year}",
    )
    guidance_apply(
        guidance=guidance, year=year, cluster_kind=cluster_kind, user=user, replacing=True
    )
    return guidance


@transaction.atomic
def guidance_copy(*, guidance: Guidance, user: User | None) -> Guidance:
    """A draft copy of `guidance` under a new code, with a copy of its framework:
    the start of a new guidance (#16)."""
    code = _free_code(f"{guidance.code}-SAO")
    copy = Guidance(
        code=code,
        name=f"{guidance.name} (bản sao)"[: Guidance._meta.get_field("name").max_length],
        issuer=guidance.issuer,
        version=1,
        status=Guidance.Status.DRAFT,
        parameters={**guidance.parameters, "code": code},
        labels=guidance.labels,
        framework=framework_copy(guidance.framework),
    )
    copy.parameters["name"] = copy.name
    check_parameters(copy.parameters)
    audit.save(copy, user=user, reason=f"Sao chép từ {guidance.code} bản {guidance.version}")
    return copy


def _free_code(base: str) -> str:
    width = Guidance._meta.get_field("code").max_length
    base = base[:width]
    code, n = base, 1
    while Guidance.objects.filter(code=code).exists():
        n += 1
        suffix = f"-{n}"
        code = base[: width - len(suffix)] + suffix
    return code


def framework_copy(framework: Framework | None) -> Framework | None:
    """A copy of a framework and its tree of criteria, for a guidance to edit."""
    if framework is None:
        return None
    copy = Framework.objects.create(year=framework.year, title=framework.title)
    rows = list(framework.criteria.order_by("pk"))
    new_of: dict[int, FrameworkCriterion] = {}
    for row in rows:  # parents are created before their children (pk order)
        old_pk, parent_pk = row.pk, row.parent_id
        row.pk = None
        row.id = None
        row.framework = copy
        row.parent = new_of.get(parent_pk) if parent_pk else None
        row.save()
        new_of[old_pk] = row
    return copy


@dataclass(frozen=True)
class GuidanceInfo:
    """What identifies a guidance's document (the form's upper part)."""

    code: str
    name: str
    issuer: str
    document_number: str
    document_date: date | None


@transaction.atomic
def guidance_update(
    *,
    guidance: Guidance,
    info: GuidanceInfo,
    parameters: dict,
    user: User | None,
    labels: dict | None = None,
) -> Guidance:
    """Save a guidance's document, figures (R36–R40 checked) and the labels
    of its kinds (unchanged when not given). A guidance in use is frozen: the
    change makes its next version, a draft (R18)."""
    guidance = Guidance.objects.select_for_update().get(pk=guidance.pk)
    block = {**parameters, "code": info.code, "name": info.name}
    check_parameters(block)
    frozen = guidance.is_frozen
    if frozen:
        if guidance.status != Guidance.Status.IN_USE:
            guidance.status = Guidance.Status.IN_USE
            audit.save(guidance, user=user, reason="Đang áp dụng: không sửa được")
        target = Guidance(
            version=_next_version(info.code),
            status=Guidance.Status.DRAFT,
            labels=guidance.labels,
            framework=framework_copy(guidance.framework),
        )
        reason = f"Phiên bản mới của {guidance.code} bản {guidance.version}"
    else:
        if info.code != guidance.code and Guidance.objects.filter(code=info.code).exists():
            raise ValidationError(f"Mã hướng dẫn “{info.code}” đã có; hãy chọn mã khác.")
        target = guidance
        reason = "Sửa hướng dẫn"
    target.code = info.code
    target.name = info.name
    target.issuer = info.issuer
    target.document_number = info.document_number
    target.document_date = info.document_date
    target.parameters = regulation_to_json(check_parameters(block))
    if labels is not None:
        target.labels = labels
    if frozen:
        target.version = _next_version(info.code)
    audit.save(target, user=user, reason=reason)
    return target


def guidance_mark_in_use(*, year: EmulationYear, cluster: Cluster, user: User | None) -> None:
    """A scorecard was issued under the cluster's guidance: it is frozen from
    now on (R18)."""
    application = (
        GuidanceYear.objects.filter(year=year, cluster_kind__in=[cluster.kind, ""])
        .select_related("guidance")
        .order_by("-cluster_kind")
        .first()
    )
    if application is None or application.guidance.status == Guidance.Status.IN_USE:
        return
    guidance = application.guidance
    guidance.status = Guidance.Status.IN_USE
    audit.save(guidance, user=user, reason=f"Bảng chấm điểm năm {year.year} đã ban hành")
