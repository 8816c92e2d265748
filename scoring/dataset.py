"""A year moved in and out as one `thidua-dataset/1` document (spec/DATASET.md).

`validate_dataset` turns a parsed document into plain validated data and
collects every error, each naming the record and the rule it breaks. The
scoring rules themselves are the engine's validators (R17–R25), so the import
refuses exactly what the forms refuse. `dataset_import` stores validated data in
one transaction with bulk inserts; `dataset_export` writes a year back so that
export → import into an empty database → export gives the same document.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models import Q
from django.db.models.deletion import get_candidate_relations_to_delete
from django.utils import timezone

from awards.allocation import AWARDS
from awards.models import Flag, Proposal, Quota, Vote
from clusters.models import Authority, Cluster, EmulationYear, Membership, Unit
from clusters.services import year_create
from emulation import limits
from scoring import engine
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Deduction,
    Participation,
    Score,
    Scorecard,
)

FORMAT = "thidua-dataset/1"
YEAR_RANGE = (1900, 2100)
CODE_MAX = 32
NAME_MAX = 255
SMALL_INT_MAX = 32767  # PositiveSmallIntegerField: quotas, deduction counts
VOTES_MAX = 2_147_483_647
# Plans, actuals and tier bounds are stored with 6 decimals and 20 digits
# (scoring.models.FigureField); a figure beyond that would be rounded on save
# and the results would no longer be the file's.
FIGURE_STEP = Decimal("0.000001")
FIGURE_LIMIT = Decimal(10) ** 14
PARTICIPATION_FIELDS = ("registered", "pledge_signed", "mid_year_report", "annual_report")
FLAG_REASONS = {"exclude": engine.FLAG_EXCLUDE_REASONS, "defer": engine.DEFER_REASONS}
ROLE_ORDER = {role: i for i, role in enumerate(Membership.Role.values)}
PROVINCIAL_PREFIX = "Sở Nội vụ"
BATCH = 500


class DatasetError(Exception):
    """A document that cannot be imported; `messages` are for people (Vietnamese)."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# ---------------------------------------------------------------------------
# Validated data


@dataclass(frozen=True)
class AuthorityData:
    code: str
    name: str


@dataclass(frozen=True)
class UnitData:
    code: str
    name: str
    kind: str | None  # None: keep an existing unit's kind ("other" for a new one)


@dataclass(frozen=True)
class CriterionData:
    code: str
    section: str
    title: str
    points: Decimal
    method: str
    direction: str
    added: bool
    bands: tuple[engine.Band, ...]

    def for_engine(self) -> engine.Criterion:
        return engine.Criterion(
            self.code, self.section, self.points, self.method, self.direction, self.bands
        )


@dataclass(frozen=True)
class ClusterData:
    code: str
    name: str
    kind: str
    group: str
    calendar: str
    authority: str
    members: tuple[tuple[str, str], ...]  # (unit code, role)
    quotas: dict[str, int]
    cluster_bonus_max: Decimal
    criteria: tuple[CriterionData, ...]


@dataclass(frozen=True)
class ScoreData:
    unit: str
    criterion: str
    plan: Decimal | None = None
    actual: Decimal | None = None
    points: Decimal | None = None
    value: Decimal | None = None


@dataclass(frozen=True)
class BonusData:
    unit: str
    kind: str
    points: Decimal


@dataclass(frozen=True)
class DeductionData:
    unit: str
    kind: str
    count: int
    reason: str


@dataclass(frozen=True)
class ParticipationData:
    unit: str
    registered: bool
    pledge_signed: bool
    mid_year_report: bool
    annual_report: bool


@dataclass(frozen=True)
class FlagData:
    unit: str
    kind: str
    reason: str


@dataclass(frozen=True)
class VoteData:
    unit: str
    votes: int


@dataclass(frozen=True)
class Dataset:
    year: int
    authorities: tuple[AuthorityData, ...]
    units: tuple[UnitData, ...]
    clusters: tuple[ClusterData, ...]
    scores: tuple[ScoreData, ...]
    bonuses: tuple[BonusData, ...]
    deductions: tuple[DeductionData, ...]
    participation: tuple[ParticipationData, ...]
    flags: tuple[FlagData, ...]
    votes: tuple[VoteData, ...]


@dataclass(frozen=True)
class ImportSummary:
    year: int
    replaced: bool
    clusters: int
    units: int
    criteria: int
    scores: int
    bonuses: int
    deductions: int
    flags: int
    votes: int

    def __str__(self) -> str:
        verb = "Đã thay thế dữ liệu" if self.replaced else "Đã nhập dữ liệu"
        return (
            f"{verb} năm {self.year}: {self.clusters} cụm, khối; {self.units} đơn vị; "
            f"{self.criteria} tiêu chí; {self.scores} điểm chấm; {self.bonuses} điểm thưởng; "
            f"{self.deductions} điểm trừ; {self.flags} không xét/chưa xét; "
            f"{self.votes} phiếu bầu."
        )


# ---------------------------------------------------------------------------
# Reading and numbers


def read_document(path: Path | str) -> object:
    """The JSON document in `path`, numbers as exact decimals (DATASET.md)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError([f"Không tìm thấy tệp {path}."]) from None
    except UnicodeDecodeError:
        raise DatasetError([f"Tệp {path} không phải văn bản UTF-8."]) from None
    except OSError as error:
        raise DatasetError([f"Không đọc được tệp {path}: {error.strerror}."]) from None
    try:
        # NaN and Infinity become non-finite Decimals, which validation refuses.
        return json.loads(text, parse_float=Decimal, parse_constant=Decimal)
    except json.JSONDecodeError as error:
        raise DatasetError(
            [
                f"Tệp {path} không phải JSON hợp lệ: dòng {error.lineno}, "
                f"cột {error.colno} ({error.msg})."
            ]
        ) from None


def _number(value: object) -> object:
    """A JSON number or decimal string as an exact Decimal; anything else is
    returned unchanged so that the validators name it (booleans included)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return value
    return value


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _integer(value: object) -> int | None:
    """A whole number (2, 2.0, "2"), else None; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    number = _number(value)
    if _finite(number) and number == number.to_integral_value():  # type: ignore[union-attr]
        return int(number)  # type: ignore[arg-type]
    return None


def _figure_fits(value: Decimal) -> bool:
    try:
        return value == value.quantize(FIGURE_STEP) and abs(value) < FIGURE_LIMIT
    except InvalidOperation:
        return False


def _usable(criterion: engine.Criterion) -> bool:
    """A criterion scores can be checked against: known method, valid points."""
    points = criterion.points
    return (
        criterion.method in engine.METHODS
        and _finite(points)
        and points > 0
        and points == points.quantize(engine.CENT)
    )


def _text(value: object, max_length: int) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= max_length


def _shown(value: object) -> str:
    """A value as the file wrote it, for messages."""
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _where(collection: str, index: int, *keys: object) -> str:
    shown = ", ".join(k for k in keys if isinstance(k, str) and k)
    return f"{collection}[{index}] ({shown})" if shown else f"{collection}[{index}]"


# ---------------------------------------------------------------------------
# Validation


def validate_dataset(document: object) -> Dataset:
    """Every rule of DATASET.md's refusal list over the whole document; all
    errors at once, or the validated data."""
    checker = _Checker()
    dataset = checker.dataset(document)
    if checker.errors or dataset is None:
        raise DatasetError(checker.errors)
    return dataset


@dataclass
class _Placement:
    """Where a unit sits this year, for the records that name it."""

    cluster: str
    is_head: bool


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.known: dict[str, set[str]] = {"authorities": set(), "units": set()}
        self.placed: dict[str, _Placement] = {}
        self.criteria: dict[str, dict[str, engine.Criterion]] = {}
        self.caps: dict[str, Decimal] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def _records(self, document: dict, key: str, *, required: bool) -> list[tuple[int, dict]]:
        raw = document.get(key)
        if raw is None and not required:
            return []
        if not isinstance(raw, list):
            self.error(key, "phải là một danh sách.")
            return []
        records = []
        for index, record in enumerate(raw):
            if isinstance(record, dict):
                records.append((index, record))
            else:
                self.error(f"{key}[{index}]", "phải là một đối tượng.")
        return records

    def _missing(
        self, where: str, record: dict, texts: Iterable[str], others: Iterable[str] = ()
    ) -> bool:
        """Report absent fields, and `texts` fields that are not strings."""
        texts, others = tuple(texts), tuple(others)
        missing = [key for key in (*texts, *others) if record.get(key) is None]
        if missing:
            self.error(where, "thiếu trường " + ", ".join(f"“{k}”" for k in missing) + ".")
            return True
        wrong = [key for key in texts if not isinstance(record[key], str)]
        if wrong:
            self.error(where, ", ".join(f"“{k}”" for k in wrong) + " phải là chuỗi.")
        return bool(wrong)

    def dataset(self, document: object) -> Dataset | None:
        if not isinstance(document, dict):
            self.errors.append(f"Tài liệu phải là một đối tượng JSON dạng “{FORMAT}”.")
            return None
        if document.get("format") != FORMAT:
            # Nothing else can be read with confidence in another format.
            given = document.get("format")
            self.error(
                "format",
                f"thiếu định dạng, phải là “{FORMAT}”."
                if given is None
                else f"định dạng {_shown(given)} không được hỗ trợ, chỉ nhận “{FORMAT}”.",
            )
            return None
        year = _integer(document.get("year"))
        if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            self.error("year", f"năm phải là số nguyên từ {YEAR_RANGE[0]} đến {YEAR_RANGE[1]}.")

        authorities = self.authorities(self._records(document, "authorities", required=True))
        units = self.units(self._records(document, "units", required=True))
        clusters = tuple(
            cluster
            for index, raw in self._records(document, "clusters", required=True)
            if (cluster := self.cluster(index, raw, self.known["authorities"])) is not None
        )
        scores = self.scores(self._records(document, "scores", required=False))
        bonuses = self.bonuses(self._records(document, "bonuses", required=False))
        deductions = self.deductions(self._records(document, "deductions", required=False))
        participation = self.participation(self._records(document, "participation", required=False))
        flags = self.flags(self._records(document, "flags", required=False))
        votes = self.votes(self._records(document, "votes", required=False))
        if year is None:
            return None
        return Dataset(
            year=year,
            authorities=authorities,
            units=units,
            clusters=clusters,
            scores=scores,
            bonuses=bonuses,
            deductions=deductions,
            participation=participation,
            flags=flags,
            votes=votes,
        )

    # -- organisation -------------------------------------------------------

    def authorities(self, records: list[tuple[int, dict]]) -> tuple[AuthorityData, ...]:
        found = []
        for _, raw in self._coded("authorities", records, "mã cơ quan"):
            found.append(AuthorityData(raw["code"], raw["name"]))
        return tuple(found)

    def units(self, records: list[tuple[int, dict]]) -> tuple[UnitData, ...]:
        found = []
        for where, raw in self._coded("units", records, "mã đơn vị"):
            kind = raw.get("kind")
            if kind is not None and kind not in Unit.Kind.values:
                self.error(
                    where,
                    f"loại đơn vị {_shown(kind)} không hợp lệ ({', '.join(Unit.Kind.values)}).",
                )
                continue
            found.append(UnitData(raw["code"], raw["name"], kind))
        return tuple(found)

    def _coded(
        self, collection: str, records: list[tuple[int, dict]], what: str
    ) -> Iterator[tuple[str, dict]]:
        """Records with a unique code and a name. A code is known as soon as it is
        well formed, so that a record broken elsewhere is reported once, not again
        by every record naming it."""
        codes = self.known[collection]
        for index, raw in records:
            where = _where(collection, index, raw.get("code"))
            code = raw.get("code")
            if not _text(code, CODE_MAX):
                self.error(where, f"{what} phải là chuỗi khác rỗng, tối đa {CODE_MAX} ký tự.")
                continue
            if code in codes:
                self.error(where, f"{what} “{code}” bị trùng.")
                continue
            codes.add(code)
            if not _text(raw.get("name"), NAME_MAX):
                self.error(where, f"tên phải là chuỗi khác rỗng, tối đa {NAME_MAX} ký tự.")
                continue
            yield where, raw

    def _code_and_name(self, where: str, raw: dict) -> bool:
        ok = True
        if not _text(raw["code"], CODE_MAX):
            self.error(where, f"mã phải là chuỗi khác rỗng, tối đa {CODE_MAX} ký tự.")
            ok = False
        if not _text(raw["name"], NAME_MAX):
            self.error(where, f"tên phải là chuỗi khác rỗng, tối đa {NAME_MAX} ký tự.")
            ok = False
        return ok

    def cluster(self, index: int, raw: dict, authorities: set[str]) -> ClusterData | None:
        where = _where("clusters", index, raw.get("code"))
        if self._missing(where, raw, ("code", "name", "kind", "group", "authority")):
            return None
        if not self._code_and_name(where, raw):
            return None
        code = raw["code"]
        if code in self.criteria:
            self.error(where, f"mã cụm, khối “{code}” bị trùng.")
            return None
        ok = True
        if raw["kind"] not in Cluster.Kind.values:
            self.error(where, f"loại {_shown(raw['kind'])} không hợp lệ (cum hoặc khoi) (R1).")
            ok = False
        calendar = raw.get("calendar", Cluster.Calendar.STANDARD)
        if calendar not in Cluster.Calendar.values:
            self.error(
                where, f"lịch {_shown(calendar)} không hợp lệ (standard hoặc education) (R4)."
            )
            ok = False
        if raw["authority"] not in authorities:
            self.error(
                where, f"cơ quan hướng dẫn “{raw['authority']}” không có trong authorities (R1)."
            )
            ok = False
        members = self.members(where, code, raw.get("members"))
        quotas = self.quotas(where, raw.get("quotas"))

        cap = _number(raw.get("cluster_bonus_max", engine.CLUSTER_BONUS_MAX))
        cap_errors = engine.validate_bonuses((), cap)  # type: ignore[arg-type]
        for message in cap_errors:
            self.error(where, f"cluster_bonus_max: {message}")
        # A bad cap is reported once here; the units' bonuses are then held to
        # the highest cap a cluster may set.
        self.caps[code] = engine.CLUSTER_BONUS_MAX if cap_errors else cap  # type: ignore[assignment]

        criteria = self.cluster_criteria(where, raw.get("criteria"), raw["group"])
        self.criteria[code] = {c.code: c.for_engine() for c in criteria}
        if not ok or members is None or quotas is None or cap_errors:
            return None
        return ClusterData(
            code=code,
            name=raw["name"],
            kind=raw["kind"],
            group=raw["group"],
            calendar=calendar,
            authority=raw["authority"],
            members=members,
            quotas=quotas,
            cluster_bonus_max=cap,  # type: ignore[arg-type]
            criteria=criteria,
        )

    def members(
        self, cluster_where: str, cluster: str, raw: object
    ) -> tuple[tuple[str, str], ...] | None:
        """R2: a unit in one cluster a year; one head and at most one deputy."""
        if not isinstance(raw, list):
            self.error(cluster_where, "members phải là một danh sách thành viên (R2).")
            return None
        members: list[tuple[str, str]] = []
        ok = True
        for index, member in enumerate(raw):
            where = f"{cluster_where}.members[{index}]"
            if not isinstance(member, dict):
                self.error(where, "phải là một đối tượng.")
                ok = False
                continue
            where = _where(f"{cluster_where}.members", index, member.get("unit"))
            if self._missing(where, member, ("unit", "role")):
                ok = False
                continue
            unit, role = member["unit"], member["role"]
            if role not in Membership.Role.values:
                self.error(
                    where, f"vai trò {_shown(role)} không hợp lệ (head, deputy, member) (R2)."
                )
                ok = False
            if unit not in self.known["units"]:
                self.error(where, f"đơn vị “{unit}” không có trong units.")
                ok = False
                continue
            if unit in self.placed:
                other = self.placed[unit].cluster
                self.error(
                    where,
                    f"đơn vị “{unit}” đã là thành viên của “{other}”; một đơn vị chỉ thuộc "
                    "một cụm, khối trong năm (R2).",
                )
                ok = False
                continue
            self.placed[unit] = _Placement(cluster, role == Membership.Role.HEAD)
            members.append((unit, role))
        roles = [m.get("role") for m in raw if isinstance(m, dict)]
        heads, deputies = roles.count("head"), roles.count("deputy")
        if heads != 1:
            self.error(cluster_where, f"có {heads} trưởng cụm, khối, phải có đúng 1 (R2).")
            ok = False
        if deputies > 1:
            self.error(cluster_where, f"có {deputies} phó trưởng, nhiều nhất là 1 (R2).")
            ok = False
        return tuple(members) if ok else None

    def quotas(self, where: str, raw: object) -> dict[str, int] | None:
        """R31: a count per award type, 0 when missing."""
        if raw is None:
            return dict.fromkeys(AWARDS, 0)
        if not isinstance(raw, dict):
            self.error(where, "quotas phải là một đối tượng {danh hiệu: số lượng} (R31).")
            return None
        ok = True
        quotas = dict.fromkeys(AWARDS, 0)
        for award, value in raw.items():
            if award not in AWARDS:
                self.error(
                    where,
                    f"quotas: danh hiệu {_shown(award)} không có ({', '.join(AWARDS)}) (R31).",
                )
                ok = False
                continue
            count = _integer(value)
            if count is None or not 0 <= count <= SMALL_INT_MAX:
                self.error(
                    where,
                    f"quotas.{award}: chỉ tiêu phải là số nguyên không âm, "
                    f"có {_shown(value)} (R31).",
                )
                ok = False
                continue
            quotas[award] = count
        return quotas if ok else None

    def cluster_criteria(
        self, cluster_where: str, raw: object, group: object
    ) -> tuple[CriterionData, ...]:
        """R15–R17, R19 through the engine's `validate_criteria`.

        No criteria at all is a cluster whose scorecard is not issued yet (R18):
        it is stored without one, as `export_dataset` writes such a cluster.
        """
        if raw is None or raw == []:
            return ()
        if not isinstance(raw, list):
            self.error(cluster_where, "criteria phải là một danh sách tiêu chí (R17).")
            return ()
        criteria: list[CriterionData] = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                self.error(f"{cluster_where}.criteria[{index}]", "phải là một đối tượng.")
                continue
            where = _where(f"{cluster_where}.criteria", index, item.get("code"))
            if self._missing(where, item, ("code", "section", "title", "method"), ("points",)):
                continue
            if not _text(item["code"], CODE_MAX):
                self.error(where, f"mã phải là chuỗi khác rỗng, tối đa {CODE_MAX} ký tự.")
                continue
            if not _text(item["title"], limits.CRITERION_TITLE):
                self.error(
                    where,
                    f"nội dung (“title”) phải là chuỗi khác rỗng, "
                    f"tối đa {limits.CRITERION_TITLE} ký tự.",
                )
                continue
            added = item.get("added", False)
            if not isinstance(added, bool):
                self.error(where, "added phải là true hoặc false (R17).")
                continue
            bands = self.bands(where, item) if item["method"] == "tiered" else ()
            if bands is None:
                continue
            criteria.append(
                CriterionData(
                    code=item["code"],
                    section=item["section"],
                    title=item["title"],
                    points=_number(item["points"]),  # type: ignore[arg-type]
                    method=item["method"],
                    direction=item.get("direction", "higher"),
                    added=added,
                    bands=bands,
                )
            )
        as_engine = [c.for_engine() for c in criteria]
        added_codes = {c.code for c in criteria if c.added}
        for message in engine.validate_criteria(as_engine, added_codes, group):  # type: ignore[arg-type]
            self.error(cluster_where, message)
        return tuple(criteria)

    def bands(self, where: str, item: dict) -> tuple[engine.Band, ...] | None:
        tiers = item.get("tiers", [])
        if not isinstance(tiers, list):
            self.error(where, "tiers phải là một danh sách mức (R19).")
            return None
        bands = []
        ok = True
        for index, tier in enumerate(tiers, start=1):
            if not isinstance(tier, dict):
                self.error(where, f"mức {index} phải là một đối tượng (R19).")
                ok = False
                continue
            flags = {key: tier.get(key, True) for key in ("min_inclusive", "max_inclusive")}
            if not all(isinstance(flag, bool) for flag in flags.values()):
                self.error(where, f"mức {index}: min_inclusive, max_inclusive phải là true/false.")
                ok = False
                continue
            bounds = {key: _number(tier.get(key)) for key in ("min", "max")}
            for key, bound in bounds.items():
                if _finite(bound) and not _figure_fits(bound):  # type: ignore[arg-type]
                    self.error(
                        where, f"mức {index}: {key} vượt giới hạn lưu trữ (6 chữ số thập phân)."
                    )
                    ok = False
            bands.append(engine.Band(points=_number(tier.get("points")), **bounds, **flags))  # type: ignore[arg-type]
        return tuple(bands) if ok else None

    # -- records about units -------------------------------------------------

    def _unit(self, where: str, raw: dict) -> _Placement | None:
        """The unit a record is about; DATASET.md: any record may name its cluster,
        which must then be the unit's."""
        unit = raw.get("unit")
        if not isinstance(unit, str) or not unit:
            self.error(where, "thiếu mã đơn vị (“unit”).")
            return None
        if unit not in self.known["units"]:
            self.error(where, f"đơn vị “{unit}” không có trong units.")
            return None
        placement = self.placed.get(unit)
        if placement is None:
            self.error(where, f"đơn vị “{unit}” không là thành viên cụm, khối nào trong năm (R2).")
            return None
        cluster = raw.get("cluster")
        if cluster is not None and cluster != placement.cluster:
            self.error(
                where,
                f"cụm, khối {_shown(cluster)} không đúng: đơn vị “{unit}” "
                f"thuộc “{placement.cluster}”.",
            )
            return None
        return placement

    def scores(self, records: list[tuple[int, dict]]) -> tuple[ScoreData, ...]:
        """R19–R21: one agreed score per unit and criterion, with its method's figures."""
        found: list[ScoreData] = []
        seen: set[tuple[str, str]] = set()
        for index, raw in records:
            where = _where("scores", index, raw.get("unit"), raw.get("criterion"))
            placement = self._unit(where, raw)
            if placement is None or self._missing(where, raw, ("criterion",)):
                continue
            unit, code = raw["unit"], raw["criterion"]
            criterion = self.criteria.get(placement.cluster, {}).get(code)
            if criterion is None:
                self.error(
                    where,
                    f"tiêu chí {_shown(code)} không có trong bảng chấm điểm của "
                    f"“{placement.cluster}” (R19).",
                )
                continue
            if not _usable(criterion):
                continue  # the criterion's own error is reported with its cluster
            if (unit, code) in seen:
                self.error(where, f"đơn vị “{unit}” có hai điểm chấm cho tiêu chí {code} (R19).")
                continue
            seen.add((unit, code))
            fields = _METHOD_FIELDS.get(criterion.method, ())
            figures = {key: _number(raw[key]) if key in raw else None for key in fields}
            score = engine.Score(criterion=code, **figures)  # type: ignore[arg-type]
            messages = engine.validate_score(criterion, score)
            for key in ("plan", "actual", "value"):
                value = figures.get(key)
                if _finite(value) and not _figure_fits(value):  # type: ignore[arg-type]
                    messages.append(f"{key} vượt giới hạn lưu trữ (6 chữ số thập phân).")
            for message in messages:
                self.error(where, message)
            if not messages:
                found.append(ScoreData(unit, code, **figures))  # type: ignore[arg-type]
        return tuple(found)

    def bonuses(self, records: list[tuple[int, dict]]) -> tuple[BonusData, ...]:
        """R23 through `validate_bonuses`: each entry, then each kind's sum per unit."""
        found: list[BonusData] = []
        by_unit: dict[str, list[engine.Bonus]] = defaultdict(list)
        refused: set[str] = set()
        for index, raw in records:
            where = _where("bonuses", index, raw.get("unit"))
            placement = self._unit(where, raw)
            if placement is None or self._missing(where, raw, ("kind",), ("points",)):
                continue
            bonus = engine.Bonus(raw["kind"], _number(raw["points"]))  # type: ignore[arg-type]
            messages = engine.validate_bonuses([bonus], self.caps[placement.cluster])
            for message in messages:
                self.error(where, message)
            if messages:
                refused.add(raw["unit"])
                continue
            by_unit[raw["unit"]].append(bonus)
            found.append(BonusData(raw["unit"], bonus.kind, bonus.points))
        for unit, bonuses in by_unit.items():
            if unit not in refused:
                cap = self.caps[self.placed[unit].cluster]
                for message in engine.validate_bonuses(bonuses, cap):
                    self.error(f"bonuses ({unit})", message)
        return tuple(found)

    def deductions(self, records: list[tuple[int, dict]]) -> tuple[DeductionData, ...]:
        """R25 through `validate_deductions`: each entry, then the once-a-year kinds."""
        found: list[DeductionData] = []
        by_unit: dict[str, list[engine.Deduction]] = defaultdict(list)
        refused: set[str] = set()
        for index, raw in records:
            where = _where("deductions", index, raw.get("unit"))
            placement = self._unit(where, raw)
            if placement is None or self._missing(where, raw, ("kind",)):
                continue
            reason = raw.get("reason", "")
            raw_count = raw.get("count", 1)
            count = _integer(raw_count)
            deduction = engine.Deduction(raw["kind"], raw_count if count is None else count)
            messages = engine.validate_deductions([deduction], is_head=placement.is_head)
            if not isinstance(reason, str):
                messages.append("lý do (“reason”) phải là chuỗi (R25).")
            elif len(reason) > limits.REASON:
                messages.append(f"lý do (“reason”) dài tối đa {limits.REASON} ký tự (R25).")
            if count is not None and count > SMALL_INT_MAX:
                messages.append(f"số lần quá lớn (tối đa {SMALL_INT_MAX}) (R25).")
            for message in messages:
                self.error(where, message)
            if messages:
                refused.add(raw["unit"])
                continue
            by_unit[raw["unit"]].append(deduction)
            found.append(DeductionData(raw["unit"], deduction.kind, deduction.count, reason))
        for unit, deductions in by_unit.items():
            if unit not in refused:
                is_head = self.placed[unit].is_head
                for message in engine.validate_deductions(deductions, is_head=is_head):
                    self.error(f"deductions ({unit})", message)
        return tuple(found)

    def participation(self, records: list[tuple[int, dict]]) -> tuple[ParticipationData, ...]:
        """R27's participation facts: one record per unit, a missing field is true."""
        found: list[ParticipationData] = []
        seen: set[str] = set()
        for index, raw in records:
            where = _where("participation", index, raw.get("unit"))
            if self._unit(where, raw) is None:
                continue
            if raw["unit"] in seen:
                self.error(where, f"đơn vị “{raw['unit']}” có hai bản ghi tham gia (R27).")
                continue
            seen.add(raw["unit"])
            facts = {key: raw.get(key, True) for key in PARTICIPATION_FIELDS}
            wrong = [key for key, value in facts.items() if not isinstance(value, bool)]
            if wrong:
                self.error(where, ", ".join(wrong) + " phải là true hoặc false (R27).")
                continue
            found.append(ParticipationData(raw["unit"], **facts))
        return tuple(found)

    def flags(self, records: list[tuple[int, dict]]) -> tuple[FlagData, ...]:
        """R27/R28: exclusion reasons go with `exclude`, deferral reasons with `defer`."""
        found: list[FlagData] = []
        seen: set[tuple[str, str, str]] = set()
        every_reason = {r for reasons in FLAG_REASONS.values() for r in reasons}
        for index, raw in records:
            where = _where("flags", index, raw.get("unit"))
            if self._unit(where, raw) is None or self._missing(where, raw, ("kind", "reason")):
                continue
            kind, reason = raw["kind"], raw["reason"]
            if kind not in FLAG_REASONS:
                self.error(
                    where, f"loại {_shown(kind)} không hợp lệ (exclude hoặc defer) (R27, R28)."
                )
                continue
            if reason not in every_reason:
                self.error(
                    where,
                    f"lý do {_shown(reason)} không hợp lệ "
                    f"({', '.join(FLAG_REASONS[kind])}) (R27, R28).",
                )
                continue
            if reason not in FLAG_REASONS[kind]:
                rule = "R27" if kind == "exclude" else "R28"
                self.error(
                    where,
                    f"lý do “{reason}” không dùng cho loại “{kind}”, chỉ "
                    f"{', '.join(FLAG_REASONS[kind])} ({rule}).",
                )
                continue
            key = (raw["unit"], kind, reason)
            if key in seen:
                self.error(where, f"“{kind}/{reason}” của đơn vị “{raw['unit']}” bị trùng.")
                continue
            seen.add(key)
            found.append(FlagData(*key))
        return tuple(found)

    def votes(self, records: list[tuple[int, dict]]) -> tuple[VoteData, ...]:
        """R33: one ballot count per tied unit, a whole number ≥ 0."""
        found: list[VoteData] = []
        seen: set[str] = set()
        for index, raw in records:
            where = _where("votes", index, raw.get("unit"))
            if self._unit(where, raw) is None or self._missing(where, raw, (), ("votes",)):
                continue
            if raw["unit"] in seen:
                self.error(where, f"đơn vị “{raw['unit']}” có hai bản ghi số phiếu (R33).")
                continue
            seen.add(raw["unit"])
            votes = _integer(raw["votes"])
            if votes is None or not 0 <= votes <= VOTES_MAX:
                self.error(
                    where, f"số phiếu phải là số nguyên không âm, có {_shown(raw['votes'])} (R33)."
                )
                continue
            found.append(VoteData(raw["unit"], votes))
        return tuple(found)


_METHOD_FIELDS = {
    "quantitative": ("plan", "actual"),
    "qualitative": ("points",),
    "tiered": ("value",),
}


# ---------------------------------------------------------------------------
# Import


Scope = Literal["year", "clusters"]

# Audited models (R35) an import writes, in the order they are stored.
_PER_CLUSTER = (Scorecard, Quota)
_PER_MEMBERSHIP = (Score, Bonus, Deduction, Participation, Flag, Vote)


def dataset_import(*, document: object, replace: bool, scope: Scope = "year") -> ImportSummary:
    """Validate the whole document, then store it in one transaction.

    A year that already has data is refused unless `replace`, which first
    deletes that year's memberships (with everything hanging off them),
    scorecards, quotas and proposals. `scope="clusters"` narrows both the check
    and the replacement to the document's clusters and member units, leaving
    the year's other clusters alone (the demo data uses it).
    """
    data = validate_dataset(document)
    clusters = {c.code for c in data.clusters}
    members = {unit for c in data.clusters for unit, _ in c.members}
    with transaction.atomic():
        existing = _year_rows(data.year, None if scope == "year" else clusters, members)
        existed = any(queryset.exists() for queryset in existing)
        if existed and not replace:
            raise DatasetError(
                [
                    f"year: năm {data.year} đã có dữ liệu (thành viên, bảng chấm điểm hoặc "
                    "chỉ tiêu); chỉ nhập lại khi chọn thay thế (--replace)."
                ]
            )
        _delete(existing, reason=f"Thay thế dữ liệu năm {data.year} ({FORMAT})")
        year = year_create(year=data.year)
        authorities = _upsert_authorities(data.authorities)
        units = _upsert_units(data.units)
        clusters_by_code = _upsert_clusters(data.clusters, authorities)
        _store_year(data, year, units, clusters_by_code)
        stored = [clusters_by_code[code].pk for code in clusters]
        for model in _PER_CLUSTER:
            _record_history(
                model.objects.filter(year=year, cluster_id__in=stored),
                "+",
                f"Nhập dữ liệu năm {data.year} ({FORMAT})",
            )
        for model in _PER_MEMBERSHIP:
            _record_history(
                model.objects.filter(membership__year=year, membership__cluster_id__in=stored),
                "+",
                f"Nhập dữ liệu năm {data.year} ({FORMAT})",
            )
    return ImportSummary(
        year=data.year,
        replaced=existed,
        clusters=len(data.clusters),
        units=len(members),
        criteria=sum(len(c.criteria) for c in data.clusters),
        scores=len(data.scores),
        bonuses=len(data.bonuses),
        deductions=len(data.deductions),
        flags=len(data.flags),
        votes=len(data.votes),
    )


def _year_rows(year: int, clusters: set[str] | None, units: set[str]) -> list[models.QuerySet]:
    """A year's rows an import collides with: memberships, scorecards, quotas and
    proposals, optionally only those of some clusters (and units)."""
    membership = Q(year__year=year)
    per_cluster = Q(year__year=year)
    if clusters is not None:
        membership &= Q(cluster__code__in=clusters) | Q(unit__code__in=units)
        per_cluster &= Q(cluster__code__in=clusters)
    return [
        Membership.objects.filter(membership),
        Scorecard.objects.filter(per_cluster),
        Quota.objects.filter(per_cluster),
        Proposal.objects.filter(per_cluster),
    ]


def _delete(querysets: list[models.QuerySet], *, reason: str) -> None:
    """Delete the rows and everything hanging off them, recording the deletion
    of audited rows (R35).

    The ORM's cascade writes one history row per deleted object, tens of
    thousands of queries for a province's year of scores; so the audited rows
    directly under the memberships (scores, bonuses, …) go first, in bulk. The
    rest goes through the ORM's cascade, which also covers models added later.
    """
    memberships = querysets[0]
    assert memberships.model is Membership
    for relation in Membership._meta.related_objects:
        model = relation.related_model
        if relation.on_delete is models.CASCADE and _bulk_deletable(model):
            children = model._default_manager.filter(
                **{f"{relation.field.name}__in": memberships.values("pk")}
            )
            _record_history(children, "-", reason)
            # No per-row signals: the history is written and nothing cascades.
            children._raw_delete(children.db)
    for queryset in querysets:
        queryset.delete()


def _bulk_deletable(model: type[models.Model]) -> bool:
    """Audited by simple_history, and nothing cascades from it."""
    return hasattr(model._meta, "simple_history_manager_attribute") and all(
        relation.on_delete is models.DO_NOTHING
        for relation in get_candidate_relations_to_delete(model._meta)
    )


def _record_history(queryset: models.QuerySet, history_type: str, reason: str) -> None:
    """Copy `queryset`'s rows into their simple_history table with one
    `INSERT … SELECT`: what `bulk_history_create` does, without building two
    Python objects per row (half of a province import's time otherwise)."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    model = queryset.model
    history = getattr(model, model._meta.simple_history_manager_attribute).model
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    tracked = [field.name for field in history.tracked_fields]
    target = [history._meta.get_field(name).column for name in tracked]
    target += [
        history._meta.get_field(name).column
        for name in ("history_date", "history_type", "history_change_reason")
    ]
    source = [model._meta.get_field(name).column for name in tracked]
    keys, params = queryset.order_by().values("pk").query.sql_with_params()
    when = models.DateTimeField().get_db_prep_value(timezone.now(), connection)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, target))}) "
        f"SELECT {', '.join(map(quote, source))}, %s, %s, %s "
        f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ({keys})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (when, history_type, reason, *params))


def _changed(obj: models.Model, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(
    model: type[models.Model],
    existing: dict[str, Any],
    rows: dict[str, dict[str, Any]],
    fields: list[str],
) -> dict[str, Any]:
    """Create or update rows by code in a fixed number of queries."""
    new, changed = [], []
    for code, values in rows.items():
        obj = existing.get(code)
        if obj is None:
            new.append(model(code=code, **values))
        elif _changed(obj, values):
            changed.append(obj)
    model.objects.bulk_create(new, batch_size=BATCH)
    model.objects.bulk_update(changed, fields, batch_size=BATCH)
    return existing | {obj.code: obj for obj in new}


def _upsert_authorities(authorities: tuple[AuthorityData, ...]) -> dict[str, Authority]:
    existing = Authority.objects.in_bulk([a.code for a in authorities], field_name="code")
    rows = {}
    for a in authorities:
        # A Sở Nội vụ sees the whole province; another name keeps what staff set.
        provincial = a.name.startswith(PROVINCIAL_PREFIX) or (
            a.code in existing and existing[a.code].is_provincial
        )
        rows[a.code] = {"name": a.name, "is_provincial": provincial}
    return _upsert(Authority, existing, rows, ["name", "is_provincial"])


def _upsert_units(units: tuple[UnitData, ...]) -> dict[str, Unit]:
    existing = Unit.objects.in_bulk([u.code for u in units], field_name="code")
    rows = {}
    for u in units:
        kind = u.kind or (existing[u.code].kind if u.code in existing else Unit.Kind.OTHER)
        rows[u.code] = {"name": u.name, "kind": kind}
    return _upsert(Unit, existing, rows, ["name", "kind"])


def _upsert_clusters(
    clusters: tuple[ClusterData, ...], authorities: dict[str, Authority]
) -> dict[str, Cluster]:
    existing = Cluster.objects.in_bulk([c.code for c in clusters], field_name="code")
    rows = {
        c.code: {
            "name": c.name,
            "kind": c.kind,
            "group": c.group,
            "calendar": c.calendar,
            "authority_id": authorities[c.authority].pk,
        }
        for c in clusters
    }
    fields = ["name", "kind", "group", "calendar", "authority"]
    return _upsert(Cluster, existing, rows, fields)


def _store_year(
    data: Dataset, year: EmulationYear, units: dict[str, Unit], clusters: dict[str, Cluster]
) -> None:
    """One bulk insert per model; the rows' history is written by the caller."""

    def create(model: type[models.Model], objs: Iterable[models.Model]) -> list:
        return model.objects.bulk_create(list(objs), batch_size=BATCH)

    memberships = {
        m.unit.code: m
        for m in create(
            Membership,
            (
                Membership(cluster=clusters[c.code], year=year, unit=units[unit], role=role)
                for c in data.clusters
                for unit, role in c.members
            ),
        )
    }
    scorecards = {
        s.cluster.code: s
        for s in create(
            Scorecard,
            (
                Scorecard(
                    cluster=clusters[c.code],
                    year=year,
                    version=1,
                    status=Scorecard.Status.ISSUED,
                    cluster_bonus_max=c.cluster_bonus_max,
                )
                for c in data.clusters
                if c.criteria
            ),
        )
    }
    leaves = [
        (c.code, criterion, order)
        for c in data.clusters
        for order, criterion in enumerate(c.criteria, start=1)
    ]
    rows = create(
        Criterion,
        (
            Criterion(
                scorecard=scorecards[cluster],
                section=criterion.section,
                code=criterion.code,
                title=criterion.title,
                points=criterion.points,
                order=order,
                is_leaf=True,
                added=criterion.added,
                method=criterion.method,
                direction=criterion.direction,
            )
            for cluster, criterion, order in leaves
        ),
    )
    criteria = {(cluster, row.code): row for (cluster, _, _), row in zip(leaves, rows, strict=True)}
    create(
        Band,
        (
            Band(
                criterion=row,
                order=order,
                min_value=band.min,
                min_inclusive=band.min_inclusive,
                max_value=band.max,
                max_inclusive=band.max_inclusive,
                points=band.points,
            )
            for (_, criterion, _), row in zip(leaves, rows, strict=True)
            for order, band in enumerate(criterion.bands, start=1)
        ),
    )
    create(
        Score,
        (
            Score(
                membership=memberships[s.unit],
                criterion=criteria[(memberships[s.unit].cluster.code, s.criterion)],
                plan=s.plan,
                actual=s.actual,
                points=s.points,
                value=s.value,
            )
            for s in data.scores
        ),
    )
    create(
        Bonus,
        (Bonus(membership=memberships[b.unit], kind=b.kind, points=b.points) for b in data.bonuses),
    )
    create(
        Deduction,
        (
            Deduction(
                membership=memberships[d.unit],
                kind=d.kind,
                count=d.count,
                reason=d.reason,
                status=Deduction.Status.CONFIRMED,
            )
            for d in data.deductions
        ),
    )
    create(
        Participation,
        (
            Participation(
                membership=memberships[p.unit],
                **{key: getattr(p, key) for key in PARTICIPATION_FIELDS},
            )
            for p in data.participation
        ),
    )
    create(
        Flag,
        (Flag(membership=memberships[f.unit], kind=f.kind, reason=f.reason) for f in data.flags),
    )
    create(Vote, (Vote(membership=memberships[v.unit], votes=v.votes) for v in data.votes))
    create(
        Quota,
        (
            Quota(cluster=clusters[c.code], year=year, award=award, count=c.quotas[award])
            for c in data.clusters
            for award in AWARDS
        ),
    )


# ---------------------------------------------------------------------------
# Export


def _json_number(value: Decimal) -> int | float | str:
    """A stored Decimal as exact JSON: trailing zeros stripped (104.500000 →
    104.5), an int when whole, and a decimal string when a float could not
    carry every digit (more than 15 significant digits)."""
    if value == value.to_integral_value():
        return int(value)
    text = format(value.normalize(), "f")
    digits = len(text.replace("-", "").replace(".", "").lstrip("0"))
    return float(text) if digits <= 15 else text


def dataset_export(*, year: int) -> dict:
    """The year as `thidua-dataset/1`: the issued scorecards' leaf criteria and
    the effective (agreed where set) figures, records in a stable order."""
    memberships = list(
        Membership.objects.filter(year__year=year)
        .select_related("unit", "cluster__authority")
        .order_by("cluster__code", "unit__code")
    )
    by_pk = {m.pk: m for m in memberships}
    cluster_ids = {m.cluster_id for m in memberships}
    scorecards = {
        s.cluster_id: s
        for s in Scorecard.objects.issued().filter(year__year=year, cluster_id__in=cluster_ids)
    }
    scorecard_ids = [s.pk for s in scorecards.values()]
    leaves = list(
        Criterion.objects.filter(scorecard_id__in=scorecard_ids, is_leaf=True).order_by(
            "scorecard_id", "order", "pk"
        )
    )
    bands: dict[int, list[Band]] = defaultdict(list)
    for band in Band.objects.filter(
        criterion__scorecard_id__in=scorecard_ids, criterion__is_leaf=True
    ).order_by("criterion_id", "order", "pk"):
        bands[band.criterion_id].append(band)
    criteria_of: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in leaves:
        criteria_of[criterion.scorecard_id].append(criterion)
    quotas: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AWARDS, 0))
    for cluster_id, award, count in Quota.objects.filter(
        year__year=year, cluster_id__in=cluster_ids
    ).values_list("cluster_id", "award", "count"):
        quotas[cluster_id][award] = count

    clusters: dict[int, Cluster] = {}
    members: dict[int, list[Membership]] = defaultdict(list)
    for m in memberships:
        clusters[m.cluster_id] = m.cluster
        members[m.cluster_id].append(m)

    def unit_of(row) -> str:
        return by_pk[row.membership_id].unit.code

    in_year = {"membership__year__year": year}
    return {
        "format": FORMAT,
        "year": year,
        "authorities": [
            {"code": a.code, "name": a.name}
            for a in sorted({c.authority for c in clusters.values()}, key=lambda a: a.code)
        ],
        "units": [
            {"code": m.unit.code, "name": m.unit.name, "kind": m.unit.kind}
            for m in sorted(memberships, key=lambda m: m.unit.code)
        ],
        "clusters": [
            _cluster_document(
                cluster,
                members[cluster.pk],
                scorecards.get(cluster.pk),
                criteria_of,
                bands,
                quotas[cluster.pk],
            )
            for cluster in sorted(clusters.values(), key=lambda c: c.code)
        ],
        "scores": _scores_document(year, memberships, scorecards, leaves),
        "bonuses": [
            {"unit": unit_of(b), "kind": b.kind, "points": _json_number(b.points)}
            for b in sorted(
                Bonus.objects.filter(**in_year),
                key=lambda b: (unit_of(b), engine.BONUS_KINDS.index(b.kind), b.pk),
            )
        ],
        "deductions": [
            {"unit": unit_of(d), "kind": d.kind, "count": d.count, "reason": d.reason}
            for d in sorted(
                Deduction.objects.filter(**in_year, status=Deduction.Status.CONFIRMED),
                key=lambda d: (unit_of(d), list(engine.DEDUCTION_POINTS).index(d.kind), d.pk),
            )
        ],
        "participation": [
            {"unit": unit_of(p), **{key: getattr(p, key) for key in PARTICIPATION_FIELDS}}
            for p in sorted(Participation.objects.filter(**in_year), key=unit_of)
        ],
        "flags": [
            {"unit": unit_of(f), "kind": f.kind, "reason": f.reason}
            for f in sorted(
                Flag.objects.filter(**in_year), key=lambda f: (unit_of(f), f.kind, f.reason)
            )
        ],
        "votes": [
            {"unit": unit_of(v), "votes": v.votes}
            for v in sorted(Vote.objects.filter(**in_year), key=unit_of)
        ],
    }


def _cluster_document(
    cluster: Cluster,
    members: list[Membership],
    scorecard: Scorecard | None,
    criteria_of: dict[int, list[Criterion]],
    bands: dict[int, list[Band]],
    quotas: dict[str, int],
) -> dict:
    criteria = criteria_of.get(scorecard.pk, []) if scorecard else []
    cap = scorecard.cluster_bonus_max if scorecard else engine.CLUSTER_BONUS_MAX
    return {
        "code": cluster.code,
        "name": cluster.name,
        "kind": cluster.kind,
        "group": cluster.group,
        "calendar": cluster.calendar,
        "authority": cluster.authority.code,
        "members": [
            {"unit": m.unit.code, "role": m.role}
            for m in sorted(members, key=lambda m: (ROLE_ORDER[m.role], m.unit.code))
        ],
        "quotas": quotas,
        "cluster_bonus_max": _json_number(cap),
        "criteria": [_criterion_document(c, bands.get(c.pk, [])) for c in criteria],
    }


def _criterion_document(criterion: Criterion, bands: list[Band]) -> dict:
    document: dict[str, Any] = {
        "code": criterion.code,
        "section": criterion.section,
        "title": criterion.title,
        "points": _json_number(criterion.points),
        "method": criterion.method,
        "direction": criterion.direction,
        "added": criterion.added,
    }
    if criterion.method == "tiered":
        document["tiers"] = [_tier_document(band) for band in bands]
    return document


def _tier_document(band: Band) -> dict:
    tier: dict[str, Any] = {}
    if band.min_value is not None:
        tier["min"] = _json_number(band.min_value)
        tier["min_inclusive"] = band.min_inclusive
    if band.max_value is not None:
        tier["max"] = _json_number(band.max_value)
        tier["max_inclusive"] = band.max_inclusive
    tier["points"] = _json_number(band.points)
    return tier


def _scores_document(
    year: int,
    memberships: list[Membership],
    scorecards: dict[int, Scorecard],
    leaves: list[Criterion],
) -> list[dict]:
    """Scores against each unit's own issued scorecard, by unit then criterion
    order. A score without every figure its method needs earns nothing (R24),
    like a missing one, so it is left out rather than written unimportable."""
    by_pk = {m.pk: m for m in memberships}
    criteria = {c.pk: c for c in leaves}
    found = []
    scores = Score.objects.filter(
        membership__year__year=year,
        criterion__scorecard_id__in=[s.pk for s in scorecards.values()],
        criterion__is_leaf=True,
    )
    for score in scores:
        membership, criterion = by_pk[score.membership_id], criteria[score.criterion_id]
        scorecard = scorecards.get(membership.cluster_id)
        if scorecard is None or criterion.scorecard_id != scorecard.pk:
            continue
        figures = score.figures()
        fields = _METHOD_FIELDS[criterion.method]
        if any(figures[key] is None for key in fields):
            continue
        found.append(
            (
                (membership.unit.code, criterion.order, criterion.pk),
                {
                    "unit": membership.unit.code,
                    "criterion": criterion.code,
                    **{key: _json_number(figures[key]) for key in fields},  # type: ignore[arg-type]
                },
            )
        )
    return [document for _, document in sorted(found, key=lambda item: item[0])]
