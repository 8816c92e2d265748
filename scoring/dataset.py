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
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.signals import pre_delete
from django.utils import timezone

from clusters.models import (
    Authority,
    Cluster,
    Conference,
    Deduction,
    Election,
    EmulationYear,
    HeadDocument,
    Membership,
    Participation,
    Pledge,
    Registration,
    Report,
    Unit,
)
from clusters.participation import participation_facts
from clusters.services import year_create
from emulation import limits
from scoring import engine, replaced, revisions
from scoring import regulation as regulations
from scoring.guidances import apply_regulation, guidance_unapply, stored_regulation
from scoring.models import (
    Band,
    Bonus,
    Criterion,
    Evidence,
    Flag,
    GuidanceYear,
    Quota,
    Score,
    ScoreAgreement,
    Scorecard,
    Sheet,
    Vote,
)
from scoring.services import LeafMark, frame_marks

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
ROLE_ORDER = {role: i for i, role in enumerate(Membership.Role.values)}
BATCH = 500
# Hostile files (#12): deeper nesting than a dataset has (5 levels), longer
# numbers and larger exponents than any figure it holds.
MAX_DEPTH = 32
NUMBER_DIGITS_MAX = 50


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
    parent: str | None = None  # R17: the criterion this leaf concretises or splits

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
    regulation: regulations.Regulation
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
    discarded: tuple[tuple[str, int], ...] = ()  # online records a replacement deleted
    shared_updated: int = 0  # authorities, units and clusters updated (--update-shared)

    def __str__(self) -> str:
        verb = "Đã thay thế dữ liệu" if self.replaced else "Đã nhập dữ liệu"
        text = (
            f"{verb} năm {self.year}: {self.clusters} cụm, khối; {self.units} đơn vị; "
            f"{self.criteria} tiêu chí; {self.scores} điểm chấm; {self.bonuses} điểm thưởng; "
            f"{self.deductions} điểm trừ; {self.flags} không xét/chưa xét; "
            f"{self.votes} phiếu bầu."
        )
        if self.discarded:
            text += f" Đã xóa dữ liệu làm trực tuyến: {_listed(list(self.discarded))}."
        if self.shared_updated:
            text += (
                f" Đã cập nhật {self.shared_updated} cơ quan, đơn vị, cụm, khối dùng chung "
                "(ghi vào lịch sử)."
            )
        return text


# ---------------------------------------------------------------------------
# Reading and numbers


def read_document(path: Path | str) -> object:
    """The JSON document in `path`, numbers as exact decimals (DATASET.md).

    A hostile file is refused with one message, never a traceback (#12): a
    key given twice in one object (JSON leaves it to the reader which value
    wins; we do not guess), nesting deeper than any dataset needs, numbers
    too long to read, text that is not Unicode (a lone surrogate).
    """
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
        document = json.loads(
            text,
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=Decimal,
            object_pairs_hook=_object_without_duplicates,
        )
    except json.JSONDecodeError as error:
        raise DatasetError(
            [
                f"Tệp {path} không phải JSON hợp lệ: dòng {error.lineno}, "
                f"cột {error.colno} ({error.msg})."
            ]
        ) from None
    except _DuplicateKey as duplicate:
        key = _shown(duplicate.key) if _storable(duplicate.key) else "có ký tự không hợp lệ"
        raise DatasetError(
            [
                f"Tệp {path}: khóa {key} xuất hiện hai lần trong cùng một đối tượng; "
                "không rõ giá trị nào đúng."
            ]
        ) from None
    except RecursionError:
        raise DatasetError(
            [f"Tệp {path}: dữ liệu lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)."]
        ) from None
    problem = _hostile(document)
    if problem:
        raise DatasetError([f"Tệp {path}: {problem}"])
    return document


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _object_without_duplicates(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return document


def _parse_int(text: str) -> int | Decimal:
    """A JSON integer; one too long for `int()` (Python refuses over 4300
    digits) is kept as a Decimal, which `_number` then finds out of range."""
    return int(text) if len(text) <= NUMBER_DIGITS_MAX else Decimal(text)


def _hostile(document: object) -> str | None:
    """What makes a parsed document unsafe to handle, walked without
    recursion: nesting deeper than MAX_DEPTH, or a string (key or value) that
    cannot be stored or printed (a lone surrogate, a NUL character)."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            texts: Iterable[object] = value.keys()
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            texts, children = (), value
        else:
            texts, children = (value,), ()
        for text in texts:
            if isinstance(text, str) and not _storable(text):
                return "có chuỗi chứa ký tự không hợp lệ (ký tự thay thế đơn lẻ hoặc ký tự NUL)."
        for child in children:
            if isinstance(child, dict | list):
                if depth >= MAX_DEPTH:
                    return f"dữ liệu lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)."
                stack.append((child, depth + 1))
            elif isinstance(child, str):
                stack.append((child, depth))
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# One reading of a figure for the whole file, regulation block included.
_number = regulations.read_number


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _integer(value: object) -> int | None:
    """A JSON integer (2), else None: quotas, votes, deduction counts and the
    year are whole numbers written as such, not 2.0 nor "2" (DATASET.md);
    booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


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
    """A value as the file wrote it, for messages (a long one cut short)."""
    if isinstance(value, str):
        return f"“{_short(value)}”"
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return _short(str(value))
    return _short(json.dumps(value, ensure_ascii=False, default=str))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _where(collection: str, index: int, *keys: object) -> str:
    shown = ", ".join(_short(k) for k in keys if isinstance(k, str) and k)
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
        self.regulation = regulations.DEFAULT

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def _records(self, document: dict, key: str, *, required: bool) -> list[tuple[int, dict]]:
        # DATASET.md: a list may be absent, meaning empty; a given null is refused.
        if key not in document and not required:
            return []
        raw = document.get(key)
        if not isinstance(raw, list):
            self.error(
                key,
                "phải là một danh sách"
                + (", không được là null." if raw is None and key in document else "."),
            )
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
        # Every record is read under the regulation, so a refused one stops here.
        if "regulation" in document and not self.read_regulation(document["regulation"]):
            return None

        authorities = self.authorities(self._records(document, "authorities", required=True))
        units = self.units(self._records(document, "units", required=False))
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
            regulation=self.regulation,
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

    def read_regulation(self, block: object) -> bool:
        """R36–R40 through `regulation_from_json`, and the lengths the
        database keeps for its codes."""
        try:
            regulation = regulations.regulation_from_json(block)
        except regulations.RegulationError as error:
            self.errors.extend(error.messages)
            return False
        lengths = (
            ("sections", [s.code for s in regulation.sections], Criterion, "section"),
            ("bonuses", list(regulation.bonuses), Bonus, "kind"),
            ("deductions", list(regulation.deductions), Deduction, "kind"),
            ("exclusion_reasons", list(regulation.exclusion_reasons), Flag, "reason"),
            ("deferral_reasons", list(regulation.deferral_reasons), Flag, "reason"),
            ("awards", list(regulation.awards), Quota, "award"),
        )
        for key, codes, model, name in lengths:
            limit = model._meta.get_field(name).max_length
            for code in codes:
                if len(code) > limit:
                    self.error(
                        f"regulation.{key}",
                        f"mã {_shown(code)} dài quá {limit} ký tự, không lưu được.",
                    )
        if self.errors:
            return False
        self.regulation = regulation
        return True

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
            self.error(where, f"loại {_shown(raw['kind'])} không hợp lệ (cum hoặc khoi).")
            ok = False
        calendar = raw.get("calendar", Cluster.Calendar.STANDARD)
        if calendar not in Cluster.Calendar.values:
            self.error(where, f"lịch {_shown(calendar)} không hợp lệ (standard hoặc education).")
            ok = False
        if raw["authority"] not in authorities:
            self.error(where, f"cơ quan hướng dẫn “{raw['authority']}” không có trong authorities.")
            ok = False
        members = self.members(where, code, raw.get("members"))
        quotas = self.quotas(where, raw.get("quotas", {}))

        highest = self.regulation.cluster_bonus_cap
        cap = _number(raw.get("cluster_bonus_max", highest))
        cap_errors = engine.validate_bonuses((), cap, self.regulation)  # type: ignore[arg-type]
        for message in cap_errors:
            self.error(where, f"cluster_bonus_max: {message}")
        # A bad cap is reported once here; the units' bonuses are then held to
        # the highest cap a cluster may set.
        self.caps[code] = highest if cap_errors else cap  # type: ignore[assignment]

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
            self.error(cluster_where, "members phải là một danh sách thành viên.")
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
                self.error(where, f"vai trò {_shown(role)} không hợp lệ (head, deputy, member).")
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
                    "một cụm, khối trong năm.",
                )
                ok = False
                continue
            self.placed[unit] = _Placement(cluster, role == Membership.Role.HEAD)
            members.append((unit, role))
        roles = [m.get("role") for m in raw if isinstance(m, dict)]
        heads, deputies = roles.count("head"), roles.count("deputy")
        if heads != 1:
            self.error(cluster_where, f"có {heads} trưởng cụm, khối, phải có đúng 1.")
            ok = False
        if deputies > 1:
            self.error(cluster_where, f"có {deputies} phó trưởng, nhiều nhất là 1.")
            ok = False
        return tuple(members) if ok else None

    def quotas(self, where: str, raw: object) -> dict[str, int] | None:
        """R31, R40: a count per award of the regulation, 0 when missing; absent
        quotas are all 0, null ones are refused (DATASET.md)."""
        if not isinstance(raw, dict):
            self.error(
                where,
                f"quotas phải là một đối tượng {{danh hiệu: số lượng}}, có {_shown(raw)}.",
            )
            return None
        ok = True
        awards = self.regulation.awards
        quotas = dict.fromkeys(awards, 0)
        for award, value in raw.items():
            if award not in awards:
                self.error(
                    where,
                    f"quotas: danh hiệu {_shown(award)} không có "
                    f"({', '.join(awards) or 'hướng dẫn không có danh hiệu nào'}).",
                )
                ok = False
                continue
            count = _integer(value)
            if count is None or not 0 <= count <= SMALL_INT_MAX:
                self.error(
                    where,
                    f"quotas.{award}: chỉ tiêu phải là số nguyên không âm, có {_shown(value)}.",
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
            self.error(cluster_where, "criteria phải là một danh sách tiêu chí.")
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
            if not item["title"].strip():
                self.error(where, "title: nội dung tiêu chí phải là chuỗi khác rỗng.")
            elif len(item["title"]) > limits.CRITERION_TITLE:
                self.error(
                    where, f"title: nội dung tiêu chí dài tối đa {limits.CRITERION_TITLE} ký tự."
                )
                continue
            added = item.get("added", False)
            if not isinstance(added, bool):
                self.error(where, "added phải là true hoặc false.")
                continue
            parent = item.get("parent")
            if "parent" in item and not _text(parent, CODE_MAX):
                self.error(
                    where,
                    f"parent phải là mã tiêu chí: chuỗi khác rỗng, tối đa {CODE_MAX} ký tự.",
                )
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
                    parent=parent,
                )
            )
        as_engine = [c.for_engine() for c in criteria]
        added_codes = {c.code for c in criteria if c.added}
        parents = {c.code: c.parent for c in criteria if c.parent is not None}
        for message in engine.validate_criteria(
            as_engine,
            added_codes,
            group,  # type: ignore[arg-type]
            parents,  # type: ignore[arg-type]
            self.regulation,
            max_criteria=limits.CRITERIA_PER_SCORECARD,
        ):
            self.error(cluster_where, message)
        return tuple(criteria)

    def bands(self, where: str, item: dict) -> tuple[engine.Band, ...] | None:
        tiers = item.get("tiers", [])
        if not isinstance(tiers, list):
            self.error(where, "tiers phải là một danh sách mức.")
            return None
        bands = []
        ok = True
        for index, tier in enumerate(tiers, start=1):
            if not isinstance(tier, dict):
                self.error(where, f"mức {index} phải là một đối tượng.")
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
            self.error(where, f"đơn vị “{unit}” không là thành viên cụm, khối nào trong năm.")
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
                    f"“{placement.cluster}”.",
                )
                continue
            if not _usable(criterion):
                continue  # the criterion's own error is reported with its cluster
            if (unit, code) in seen:
                self.error(where, f"đơn vị “{unit}” có hai điểm chấm cho tiêu chí {code}.")
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
            messages = engine.validate_bonuses(
                [bonus], self.caps[placement.cluster], self.regulation
            )
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
                for message in engine.validate_bonuses(bonuses, cap, self.regulation):
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
            if count is None:
                self.error(
                    where,
                    "count: số lần phải là số nguyên JSON từ 1 trở lên (không viết 2.0 hay “2”), "
                    f"có {_shown(raw_count)}.",
                )
                refused.add(raw["unit"])
                continue
            deduction = engine.Deduction(raw["kind"], count)
            messages = engine.validate_deductions(
                [deduction], is_head=placement.is_head, regulation=self.regulation
            )
            if not isinstance(reason, str):
                messages.append("lý do (“reason”) phải là chuỗi.")
            elif len(reason) > limits.REASON:
                messages.append(f"lý do (“reason”) dài tối đa {limits.REASON} ký tự.")
            if count is not None and count > SMALL_INT_MAX:
                messages.append(f"số lần quá lớn (tối đa {SMALL_INT_MAX}).")
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
                for message in engine.validate_deductions(
                    deductions, is_head=is_head, regulation=self.regulation
                ):
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
                self.error(where, f"đơn vị “{raw['unit']}” có hai bản ghi tham gia.")
                continue
            seen.add(raw["unit"])
            facts = {key: raw.get(key, True) for key in PARTICIPATION_FIELDS}
            wrong = [key for key, value in facts.items() if not isinstance(value, bool)]
            if wrong:
                self.error(where, ", ".join(wrong) + " phải là true hoặc false.")
                continue
            found.append(ParticipationData(raw["unit"], **facts))
        return tuple(found)

    def flags(self, records: list[tuple[int, dict]]) -> tuple[FlagData, ...]:
        """R27/R28, R40: the regulation's exclusion reasons go with `exclude`, its
        deferral reasons with `defer`."""
        found: list[FlagData] = []
        seen: set[tuple[str, str, str]] = set()
        reasons_of = {
            "exclude": self.regulation.exclusion_reasons,
            "defer": self.regulation.deferral_reasons,
        }
        every_reason = {r for reasons in reasons_of.values() for r in reasons}
        for index, raw in records:
            where = _where("flags", index, raw.get("unit"))
            if self._unit(where, raw) is None or self._missing(where, raw, ("kind", "reason")):
                continue
            kind, reason = raw["kind"], raw["reason"]
            if kind not in reasons_of:
                self.error(where, f"loại {_shown(kind)} không hợp lệ (exclude hoặc defer).")
                continue
            if reason not in every_reason:
                self.error(
                    where,
                    f"lý do {_shown(reason)} không hợp lệ "
                    f"({', '.join(reasons_of[kind]) or 'không có lý do nào'}).",
                )
                continue
            if reason not in reasons_of[kind]:
                rule = "R27" if kind == "exclude" else "R28"
                self.error(
                    where,
                    f"lý do “{reason}” không dùng cho loại “{kind}”, chỉ "
                    f"{', '.join(reasons_of[kind]) or 'không lý do nào'} ({rule}).",
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
                self.error(where, f"đơn vị “{raw['unit']}” có hai bản ghi số phiếu.")
                continue
            seen.add(raw["unit"])
            votes = _integer(raw["votes"])
            if votes is None or not 0 <= votes <= VOTES_MAX:
                self.error(
                    where,
                    f"số phiếu phải là số nguyên không âm, có {_shown(raw['votes'])}.",
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

# Records shared by every year, what a file says of them, and how a message
# names them (#11).
_SHARED_WHAT = {"authorities": "cơ quan", "units": "đơn vị", "clusters": "cụm, khối"}
_SHARED_LABELS = {
    "name": "tên",
    "kind": "loại",
    "group": "nhóm",
    "calendar": "lịch",
    "authority": "cơ quan hướng dẫn",
}


def dataset_import(
    *,
    document: object,
    replace: bool,
    scope: Scope = "year",
    update_shared: bool = False,
    discard_online_records: bool = False,
) -> ImportSummary:
    """Validate the whole document, then store it in one transaction.

    A file writes one year: its memberships, scorecards, scores, quotas… A
    year that already has data is refused unless `replace`, which first
    deletes that year's rows (#11.4): a year where people have worked online
    (sheets, evidence, registrations, reports, conferences, agreements,
    proposals, adjusted scores…) is refused, the losses counted, unless
    `discard_online_records` too; the deletions go to the history.

    Authorities, units and clusters are shared by every year (#11.3): a new
    one is created, an existing one that the file describes differently is
    refused, naming the differences, unless `update_shared`, which updates it
    with the reason in its history. An import never grants powers: whether an
    authority is the provincial standing agency is set by an administrator.

    `scope="clusters"` narrows the check and the replacement to the
    document's clusters and member units, leaving the year's other clusters
    alone (the demo data uses it).
    """
    data = validate_dataset(document)
    clusters = {c.code for c in data.clusters}
    members = {unit for c in data.clusters for unit, _ in c.members}
    in_scope = None if scope == "year" else clusters
    with transaction.atomic():
        existing = _year_rows(data.year, in_scope, members)
        existed = any(queryset.exists() for queryset in existing)
        online = _online_records(data.year, in_scope, members) if existed else []
        lost = [(label, count) for label, queryset in online if (count := queryset.count())]
        shared = _SharedRecords(data)
        errors = []
        if existed and not replace:
            errors.append(
                f"year: năm {data.year} đã có dữ liệu (thành viên, bảng chấm điểm hoặc "
                "chỉ tiêu); chỉ nhập lại khi chọn thay thế (--replace)."
            )
        elif lost and not discard_online_records:
            errors.append(
                f"year: năm {data.year} có dữ liệu làm trực tuyến, thay thế sẽ xóa "
                f"{_listed(lost)}; chỉ thay thế khi chọn thêm --discard-online-records."
            )
        if not update_shared:
            errors.extend(shared.refusals())
        if errors:
            raise DatasetError(errors)
        replaced = f"Thay thế dữ liệu năm {data.year} ({FORMAT})"
        if lost:
            replaced += f", bỏ dữ liệu làm trực tuyến: {_listed(lost)}"
        replaced_clusters = [
            cluster_id
            for queryset in existing
            for cluster_id in queryset.values_list("cluster_id", flat=True).distinct()
        ]
        _delete(existing + [queryset for _, queryset in online], reason=replaced)
        year = year_create(year=data.year)
        imported = f"Nhập dữ liệu năm {data.year} ({FORMAT})"
        # R36: the file's regulation scores its year (absent: the 2022 guidance);
        # a whole year's file leaves no kind of cluster under another one.
        apply_regulation(year, data.regulation, reason=imported)
        if scope == "year":
            for kind in GuidanceYear.objects.filter(year=year).exclude(cluster_kind=""):
                guidance_unapply(
                    year=year,
                    cluster_kind=kind.cluster_kind,
                    user=None,
                    reason=imported,
                    replacing=True,
                )
        units, clusters_by_code = shared.store(
            created=imported,
            updated=f"import: cập nhật theo tệp năm {data.year} ({FORMAT}, --update-shared)",
        )
        _store_year(data, year, units, clusters_by_code)
        stored = [clusters_by_code[code].pk for code in clusters]
        # The rows went in and out without signals: the results' revision by hand.
        revisions.bump_year(year_id=year.pk, cluster_ids=[*replaced_clusters, *stored])
        for model in _PER_CLUSTER:
            _record_history(model.objects.filter(year=year, cluster_id__in=stored), "+", imported)
        for model in _PER_MEMBERSHIP:
            _record_history(
                model.objects.filter(membership__year=year, membership__cluster_id__in=stored),
                "+",
                imported,
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
        discarded=tuple(lost),
        shared_updated=len(shared.changes),
    )


def _listed(counts: list[tuple[str, int]]) -> str:
    return ", ".join(f"{count} {label}" for label, count in counts)


def _year_rows(year: int, clusters: set[str] | None, units: set[str]) -> list[models.QuerySet]:
    """A year's rows an import collides with: memberships, scorecards, quotas and
    proposals, optionally only those of some clusters (and units)."""
    per_cluster = _per_cluster(year, clusters)
    return [
        _memberships(year, clusters, units),
        Scorecard.objects.filter(per_cluster),
        Quota.objects.filter(per_cluster),
        *(model.objects.filter(per_cluster) for _, model in replaced.ABOVE),
    ]


def _memberships(year: int, clusters: set[str] | None, units: set[str]) -> models.QuerySet:
    membership = Q(year__year=year)
    if clusters is not None:
        membership &= Q(cluster__code__in=clusters) | Q(unit__code__in=units)
    return Membership.objects.filter(membership)


def _per_cluster(year: int, clusters: set[str] | None) -> Q:
    per_cluster = Q(year__year=year)
    if clusters is not None:
        per_cluster &= Q(cluster__code__in=clusters)
    return per_cluster


def _online_records(
    year: int, clusters: set[str] | None, units: set[str]
) -> list[tuple[str, models.QuerySet]]:
    """What people did online in the year (or its clusters), which a file does
    not carry and a replacement would lose (#11.4), named for a message."""
    mine = {"membership__in": _memberships(year, clusters, units)}
    per_cluster = _per_cluster(year, clusters)
    adjusted = Q()
    for name in ("agreed_plan", "agreed_actual", "agreed_points", "agreed_value"):
        adjusted |= Q(**{f"{name}__isnull": False})
    return [
        ("phiếu tự chấm", Sheet.objects.filter(**mine)),
        ("minh chứng", Evidence.objects.filter(**mine)),
        ("bản đăng ký thi đua", Registration.objects.filter(**mine)),
        ("báo cáo", Report.objects.filter(**mine)),
        ("điểm đã điều chỉnh khi thống nhất", Score.objects.filter(adjusted, **mine)),
        ("điểm thưởng nhập trực tuyến", Bonus.objects.filter(created_by__isnull=False, **mine)),
        (
            "điểm trừ nhập hoặc đề nghị trực tuyến",
            Deduction.objects.filter(
                Q(created_by__isnull=False) | ~Q(status=Deduction.Status.CONFIRMED), **mine
            ),
        ),
        ("hội nghị", Conference.objects.filter(per_cluster)),
        ("giao ước thi đua", Pledge.objects.filter(per_cluster)),
        ("văn bản của trưởng cụm, khối", HeadDocument.objects.filter(per_cluster)),
        ("kết quả bầu trưởng, phó cụm, khối", Election.objects.filter(per_cluster)),
        ("bản thống nhất điểm", ScoreAgreement.objects.filter(per_cluster)),
        *((label, model.objects.filter(per_cluster)) for label, model in replaced.ABOVE),
    ]


# The reason the ORM's cascade deletions of `_delete` carry into the history.
_DELETE_REASON: ContextVar[str | None] = ContextVar("dataset_delete_reason", default=None)


def _give_reason(sender, instance: models.Model, **kwargs) -> None:
    reason = _DELETE_REASON.get()
    if reason is not None:
        instance._change_reason = reason  # type: ignore[attr-defined]


pre_delete.connect(_give_reason, dispatch_uid="scoring.dataset.delete_reason", weak=False)


def _delete(querysets: list[models.QuerySet], *, reason: str) -> None:
    """Delete the rows and everything hanging off them, recording the deletion
    of audited rows with `reason` (R35).

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
    token = _DELETE_REASON.set(reason)
    try:
        for queryset in querysets:
            queryset.delete()
    finally:
        _DELETE_REASON.reset(token)


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


class _SharedRecords:
    """The authorities, units and clusters a file names, shared by every year
    (#11.3): those missing are created; those the file describes otherwise
    are `changes`, refused unless the import updates shared data."""

    def __init__(self, data: Dataset) -> None:
        self.data = data
        self.authorities = Authority.objects.in_bulk(
            [a.code for a in data.authorities], field_name="code"
        )
        self.units = Unit.objects.in_bulk([u.code for u in data.units], field_name="code")
        self.clusters = Cluster.objects.select_related("authority").in_bulk(
            [c.code for c in data.clusters], field_name="code"
        )
        self.changes: list[tuple[str, models.Model, dict[str, tuple[Any, Any]]]] = []
        for index, a in enumerate(data.authorities):
            self._compare("authorities", index, self.authorities.get(a.code), {"name": a.name})
        for index, u in enumerate(data.units):
            wanted = {"name": u.name} | ({"kind": u.kind} if u.kind else {})
            self._compare("units", index, self.units.get(u.code), wanted)
        for index, c in enumerate(data.clusters):
            wanted = {
                "name": c.name,
                "kind": c.kind,
                "group": c.group,
                "calendar": c.calendar,
                "authority": c.authority,
            }
            self._compare("clusters", index, self.clusters.get(c.code), wanted)

    def _compare(
        self, collection: str, index: int, obj: models.Model | None, wanted: dict[str, Any]
    ) -> None:
        if obj is None:
            return
        differences = {}
        for name, value in wanted.items():
            current = obj.authority.code if name == "authority" else getattr(obj, name)  # type: ignore[attr-defined]
            if current != value:
                differences[name] = (current, value)
        if differences:
            self.changes.append((collection, obj, differences))

    def refusals(self) -> list[str]:
        messages = []
        for collection, obj, differences in self.changes:
            index = [r.code for r in getattr(self.data, collection)].index(obj.code)  # type: ignore[attr-defined]
            shown = "; ".join(
                f"{_SHARED_LABELS[name]} {_shown(old)} → {_shown(new)}"
                for name, (old, new) in differences.items()
            )
            messages.append(
                f"{_where(collection, index, obj.code)}: {_SHARED_WHAT[collection]} "  # type: ignore[attr-defined]
                f"“{obj.code}” đã có, dùng chung cho mọi năm, và khác trong tệp ({shown}); "  # type: ignore[attr-defined]
                "nhập dữ liệu một năm không sửa dữ liệu dùng chung, trừ khi chọn "
                "--update-shared."
            )
        return messages

    def store(self, *, created: str, updated: str) -> tuple[dict[str, Unit], dict[str, Cluster]]:
        """Create what is missing, apply `changes`, each with its history.

        A created authority is never the provincial standing agency: that
        power is given by an administrator, not derived from a name (#11.3).
        """
        data = self.data
        authorities = self._create(
            Authority,
            self.authorities,
            [Authority(code=a.code, name=a.name) for a in data.authorities],
            created,
        )
        units = self._create(
            Unit,
            self.units,
            [Unit(code=u.code, name=u.name, kind=u.kind or Unit.Kind.OTHER) for u in data.units],
            created,
        )
        clusters = self._create(
            Cluster,
            self.clusters,
            [
                Cluster(
                    code=c.code,
                    name=c.name,
                    kind=c.kind,
                    group=c.group,
                    calendar=c.calendar,
                    authority=authorities[c.authority],
                )
                for c in data.clusters
            ],
            created,
        )
        changed: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        fields: dict[type[models.Model], set[str]] = defaultdict(set)
        for _, obj, differences in self.changes:
            for name, (_, value) in differences.items():
                setattr(obj, name, authorities[value] if name == "authority" else value)
                fields[type(obj)].add(name)
            changed[type(obj)].append(obj)
        for model, objs in changed.items():
            model.objects.bulk_update(objs, sorted(fields[model]), batch_size=BATCH)
            _record_history(model.objects.filter(pk__in=[o.pk for o in objs]), "~", updated)
        return units, clusters

    def _create(
        self,
        model: type[models.Model],
        existing: dict[str, Any],
        candidates: list[models.Model],
        reason: str,
    ) -> dict[str, Any]:
        new = [obj for obj in candidates if obj.code not in existing]  # type: ignore[attr-defined]
        model.objects.bulk_create(new, batch_size=BATCH)
        if new:
            codes = [obj.code for obj in new]  # type: ignore[attr-defined]
            _record_history(model.objects.filter(code__in=codes), "+", reason)
        return existing | {obj.code: obj for obj in new}  # type: ignore[attr-defined]


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
        (c.code, criterion, 2 * order)
        for c in data.clusters
        for order, criterion in enumerate(c.criteria, start=1)
    ]
    headings = _store_parents(leaves, scorecards, create)
    rows = create(
        Criterion,
        (
            Criterion(
                scorecard=scorecards[cluster],
                parent=headings.get((cluster, criterion.parent)),
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
    # The large tables go in with one prepared statement each, never as ORM
    # objects (#17): a province's year is tens of thousands of scores.
    memberships_by_unit = {unit: m.pk for unit, m in memberships.items()}
    cluster_of = {unit: m.cluster.code for unit, m in memberships.items()}
    criterion_ids = {key: row.pk for key, row in criteria.items()}
    _insert(
        Score,
        ("membership", "criterion", "plan", "actual", "points", "value"),
        (
            (
                memberships_by_unit[s.unit],
                criterion_ids[(cluster_of[s.unit], s.criterion)],
                s.plan,
                s.actual,
                s.points,
                s.value,
            )
            for s in data.scores
        ),
    )
    _insert(
        Bonus,
        ("membership", "kind", "points"),
        ((memberships_by_unit[b.unit], b.kind, b.points) for b in data.bonuses),
    )
    _insert(
        Deduction,
        ("membership", "kind", "count", "reason", "status"),
        (
            (memberships_by_unit[d.unit], d.kind, d.count, d.reason, Deduction.Status.CONFIRMED)
            for d in data.deductions
        ),
    )
    # R27: the import is the year's only source of participation, so every
    # unit gets its one record, a unit without a record having done it all.
    given = {p.unit: p for p in data.participation}
    _insert(
        Participation,
        ("membership", *PARTICIPATION_FIELDS, *(f"{key}_source" for key in PARTICIPATION_FIELDS)),
        (
            (
                membership.pk,
                *(getattr(given.get(unit), key, True) for key in PARTICIPATION_FIELDS),
                *(Participation.Source.IMPORT for _ in PARTICIPATION_FIELDS),
            )
            for unit, membership in memberships.items()
        ),
    )
    _insert(
        Flag,
        ("membership", "kind", "reason"),
        ((memberships_by_unit[f.unit], f.kind, f.reason) for f in data.flags),
    )
    _insert(
        Vote, ("membership", "votes"), ((memberships_by_unit[v.unit], v.votes) for v in data.votes)
    )
    create(
        Quota,
        (
            Quota(cluster=clusters[c.code], year=year, award=award, count=c.quotas[award])
            for c in data.clusters
            for award in data.regulation.awards
        ),
    )


def _insert(model: type[models.Model], names: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """INSERT the rows (values of the fields `names`, in order) with one
    prepared `executemany`; every other column gets what the ORM would give
    it: the field's default, the time for `auto_now` and `auto_now_add`.

    The values are the validated dataset's: Decimals, ints, strings and
    booleans, which the database drivers take as the ORM passes them.
    """
    connection = connections[router.db_for_write(model)]
    given = [model._meta.get_field(name) for name in names]
    rest = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field not in given
    ]
    now = timezone.now()
    constants = []
    for field in rest:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default() and callable(field.default):
            raise ValueError(f"{model.__name__}.{field.name}: a default per row")
        else:
            value = field.get_default()
        constants.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in (*given, *rest))
    marks = ", ".join(["%s"] * (len(given) + len(rest)))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
    tail = tuple(constants)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row, *tail) for row in rows])


def _store_parents(
    leaves: list[tuple[str, CriterionData, int]], scorecards: dict[str, Scorecard], create
) -> dict[tuple[str, str], Criterion]:
    """R17: each distinct `parent` becomes the heading its leaves hang under,
    as in a scorecard the builder made, just before its first leaf; it holds
    its leaves' points, and is added when they are."""
    found: dict[tuple[str, str], Criterion] = {}
    for cluster, criterion, order in leaves:
        if criterion.parent is None:
            continue
        key = (cluster, criterion.parent)
        if key not in found:
            found[key] = Criterion(
                scorecard=scorecards[cluster],
                section=criterion.section,
                code=criterion.parent,
                title=(
                    f"Tiêu chí bổ sung {criterion.parent}"
                    if criterion.added
                    else f"Tiêu chí {criterion.parent} của khung, được cụ thể hóa"
                ),
                points=Decimal(0),
                order=order - 1,
                is_leaf=False,
                added=criterion.added,
            )
        found[key].points += criterion.points
    return dict(zip(found, create(Criterion, found.values()), strict=True))


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
    the effective (agreed where set) figures, records in a stable order; the
    year's regulation when it is not the 2022 guidance (R36)."""
    stored = EmulationYear.objects.filter(year=year).values_list("pk", flat=True).first()
    regulation = stored_regulation(stored) if stored is not None else regulations.DEFAULT
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
    rows = list(
        Criterion.objects.filter(scorecard_id__in=scorecard_ids).order_by(
            "scorecard_id", "order", "pk"
        )
    )
    marks = frame_marks(rows)
    leaves = [row for row in rows if row.is_leaf]
    bands: dict[int, list[Band]] = defaultdict(list)
    for band in Band.objects.filter(
        criterion__scorecard_id__in=scorecard_ids, criterion__is_leaf=True
    ).order_by("criterion_id", "order", "pk"):
        bands[band.criterion_id].append(band)
    criteria_of: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in leaves:
        criteria_of[criterion.scorecard_id].append(criterion)
    quotas: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(regulation.awards, 0))
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
    bonus_order = list(regulation.bonuses)
    deduction_order = list(regulation.deductions)
    head: dict[str, Any] = {"format": FORMAT, "year": year}
    if regulation != regulations.DEFAULT:
        head["regulation"] = regulations.regulation_to_json(regulation)
    return head | {
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
                marks,
                regulation.cluster_bonus_cap,
            )
            for cluster in sorted(clusters.values(), key=lambda c: c.code)
        ],
        "scores": _scores_document(year, memberships, scorecards, leaves),
        "bonuses": [
            {"unit": unit_of(b), "kind": b.kind, "points": _json_number(b.points)}
            for b in sorted(
                Bonus.objects.filter(**in_year),
                key=lambda b: (unit_of(b), _position(bonus_order, b.kind), b.pk),
            )
        ],
        "deductions": [
            {"unit": unit_of(d), "kind": d.kind, "count": d.count, "reason": d.reason}
            for d in sorted(
                Deduction.objects.filter(**in_year, status=Deduction.Status.CONFIRMED),
                key=lambda d: (unit_of(d), _position(deduction_order, d.kind), d.pk),
            )
        ],
        # R27: the facts as the results count them today; a unit that has
        # done everything needs no record (DATASET.md: a missing field is true).
        "participation": [
            {"unit": by_pk[pk].unit.code, **asdict(facts)}
            for pk, facts in sorted(
                participation_facts(memberships).items(), key=lambda item: by_pk[item[0]].unit.code
            )
            if not all(asdict(facts).values())
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


def _position(order: list[str], kind: str) -> int:
    """A kind's place in the regulation's order; one it no longer has, last."""
    return order.index(kind) if kind in order else len(order)


def _cluster_document(
    cluster: Cluster,
    members: list[Membership],
    scorecard: Scorecard | None,
    criteria_of: dict[int, list[Criterion]],
    bands: dict[int, list[Band]],
    quotas: dict[str, int],
    marks: dict[int, LeafMark],
    highest_cap: Decimal,
) -> dict:
    criteria = criteria_of.get(scorecard.pk, []) if scorecard else []
    cap = scorecard.cluster_bonus_max if scorecard else highest_cap
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
        "criteria": [_criterion_document(c, bands.get(c.pk, []), marks[c.pk]) for c in criteria],
    }


def _criterion_document(criterion: Criterion, bands: list[Band], mark: LeafMark) -> dict:
    document: dict[str, Any] = {
        "code": criterion.code,
        "section": criterion.section,
        "title": criterion.title,
        "points": _json_number(criterion.points),
        "method": criterion.method,
        "direction": criterion.direction,
        "added": mark.added,
    }
    if mark.parent is not None:
        document["parent"] = mark.parent
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
