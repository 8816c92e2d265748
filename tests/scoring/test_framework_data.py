"""Data checks for the council's criteria framework (Phụ lục 02, 2022).

Pure pytest, no Django: the file is plain JSON transcribed from the seed
guidance (see RULES.md R15–R17, R19).
"""

import itertools
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

FRAMEWORK_PATH = Path(__file__).resolve().parents[2] / "scoring/framework/phu_luc_02_2022.json"

VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]",
    re.IGNORECASE,
)
CRITERION_KEYS = {
    "code",
    "title",
    "points",
    "children",
    "method",
    "direction",
    "tiers",
    "note",
}
TIER_KEYS = {"min", "max", "min_inclusive", "max_inclusive", "points"}


@pytest.fixture(scope="module")
def raw():
    return FRAMEWORK_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def data(raw):
    return json.loads(raw)


def section(data, code):
    [s] = [s for s in data["sections"] if s["code"] == code]
    return s


def variant(data, group):
    [v] = [v for v in section(data, "I")["variants"] if v["group"] == group]
    return v


def walk(criteria):
    for c in criteria:
        yield c
        yield from walk(c.get("children", []))


def all_lists(data):
    """(label, top-level criteria list) for every variant of I and for II, III."""
    for v in section(data, "I")["variants"]:
        yield f"I/{v['group']}", v["criteria"]
    for code in ("II", "III"):
        yield code, section(data, code)["criteria"]


def dec(value):
    assert isinstance(value, str), value
    assert re.fullmatch(r"\d+(\.\d{1,2})?", value), value
    return Decimal(value)


# --- shape and counts (R15, R16) -------------------------------------------


def test_file_is_utf8_with_literal_vietnamese(raw, data):
    assert "\\u" not in raw  # ensure_ascii=False
    assert raw == json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    assert unicodedata.is_normalized("NFC", raw)


def test_header(data):
    assert data["year"] == 2022
    assert "Phụ lục 02" in data["title"]
    assert [s["code"] for s in data["sections"]] == ["I", "II", "III"]


def test_section_frames(data):
    points = {s["code"]: dec(s["points"]) for s in data["sections"]}
    assert points == {"I": Decimal(550), "II": Decimal(200), "III": Decimal(200)}
    assert sum(points.values()) == Decimal(950)


@pytest.mark.parametrize("group,count", [("A", 19), ("B", 12), ("C", 10), ("D", 10)])
def test_section_i_variant_counts(data, group, count):
    assert len(variant(data, group)["criteria"]) == count


def test_section_i_variants_order(data):
    assert [v["group"] for v in section(data, "I")["variants"]] == ["A", "B", "C", "D"]
    assert "criteria" not in section(data, "I")


def test_section_ii_and_iii_counts(data):
    assert len(section(data, "II")["criteria"]) == 9
    assert len(section(data, "III")["criteria"]) == 7
    assert "variants" not in section(data, "II")
    assert "variants" not in section(data, "III")


# --- codes -------------------------------------------------------------------


def test_codes_unique_within_each_list(data):
    for label, criteria in all_lists(data):
        codes = [c["code"] for c in walk(criteria)]
        assert len(codes) == len(set(codes)), label


def test_top_level_codes_are_consecutive(data):
    # Catches numbering slips such as the seed's "9." printed for II.6.
    for label, criteria in all_lists(data):
        prefix = label.split("/")[0]
        assert [c["code"] for c in criteria] == [
            f"{prefix}.{i}" for i in range(1, len(criteria) + 1)
        ], label


def test_child_codes_extend_parent_code(data):
    def check(parent):
        kids = parent["children"]
        if not kids:
            return
        if re.fullmatch(r"III\.\d+", parent["code"]):
            expected = [f"{parent['code']}.{i}" for i in range(1, len(kids) + 1)]
        else:
            assert re.fullmatch(r"III\.\d+\.\d+", parent["code"]), parent["code"]
            expected = [f"{parent['code']}{chr(ord('a') + i)}" for i in range(len(kids))]
        assert [k["code"] for k in kids] == expected
        for k in kids:
            check(k)

    for c in section(data, "III")["criteria"]:
        check(c)


def test_only_section_iii_has_children(data):
    for label, criteria in all_lists(data):
        if label != "III":
            assert all(c["children"] == [] for c in criteria), label


def test_known_keys_only(data):
    for _, criteria in all_lists(data):
        for c in walk(criteria):
            assert set(c) <= CRITERION_KEYS, c["code"]
            assert {"code", "title", "points", "children"} <= set(c), c["code"]


# --- points (R15, R17) -------------------------------------------------------


def test_sections_i_ii_points_null_in_framework(data):
    # The seed gives no per-criterion points in I and II; the cluster sets them.
    for label, criteria in all_lists(data):
        if label != "III":
            assert all(c["points"] is None for c in criteria), label


def test_section_iii_items_total_200(data):
    items = section(data, "III")["criteria"]
    assert [dec(c["points"]) for c in items] == [Decimal(p) for p in (35, 50, 30, 35, 15, 20, 15)]
    assert sum(dec(c["points"]) for c in items) == dec(section(data, "III")["points"])


def test_section_iii_children_total_parent(data):
    for c in walk(section(data, "III")["criteria"]):
        assert c["points"] is not None, c["code"]
        if c["children"]:
            assert sum(dec(k["points"]) for k in c["children"]) == dec(c["points"]), c["code"]


def test_section_iii_leaf_points(data):
    leaves = {
        c["code"]: dec(c["points"])
        for c in walk(section(data, "III")["criteria"])
        if not c["children"]
    }
    assert len(leaves) == 28
    assert sum(leaves.values()) == Decimal(200)
    assert leaves["III.1.1a"] == leaves["III.1.1d"] == Decimal(5)
    assert leaves["III.1.2"] == Decimal(10)
    assert leaves["III.2.1"] == leaves["III.2.2"] == Decimal(10)
    assert leaves["III.4.1"] == Decimal(20)
    assert leaves["III.6.2"] == Decimal(10)


# --- titles ------------------------------------------------------------------


def all_titles(data):
    yield data["title"]
    for s in data["sections"]:
        yield s["title"]
        for v in s.get("variants", []):
            yield v["title"]
    for _, criteria in all_lists(data):
        for c in walk(criteria):
            yield c["title"]


def test_titles_clean(data):
    for t in all_titles(data):
        assert isinstance(t, str) and t.strip(), repr(t)
        assert t == t.strip() and "  " not in t and "\n" not in t, repr(t)
        # trailing ". ; :" trimmed; an ellipsis ("..." / "…") is part of the text
        assert t.endswith("...") or t[-1] not in ".;:,", repr(t)
        assert not re.match(r"^[-+\d]+[.)]?\s", t), repr(t)  # no leftover bullet/number


def test_titles_have_vietnamese_diacritics(data):
    titles = list(all_titles(data))
    assert all(VIETNAMESE.search(t) for t in titles)


def test_known_titles(data):
    assert section(data, "I")["title"] == (
        "Thi đua phát triển kinh tế - xã hội, nhiệm vụ chính trị, đảm bảo quốc phòng - an ninh"
    )
    assert section(data, "II")["title"] == (
        "Thực hiện chủ trương của Đảng, chính sách pháp luật của Nhà nước; "
        "xây dựng hệ thống chính trị"
    )
    assert section(data, "III")["title"] == "Thực hiện các nhiệm vụ công tác thi đua, khen thưởng"
    assert variant(data, "A")["title"] == "Đối với cụm thi đua các huyện, thành phố"
    a = variant(data, "A")["criteria"]
    assert a[0]["title"] == "Tổng thu ngân sách địa phương so chỉ tiêu cấp có thẩm quyền giao"
    assert a[2]["title"] == (
        "Thực hiện chỉ tiêu trồng cây xanh theo Kế hoạch số 44/KH-UBND "
        "ngày 09/02/2021 của UBND tỉnh"
    )
    assert a[18]["title"] == "Thực hiện tiết kiệm, chống tham nhũng, lãng phí"
    assert variant(data, "B")["criteria"][5]["title"] == "Công tác quốc phòng, quân sự"
    assert variant(data, "C")["criteria"][8]["title"] == (
        "Công tác nghiên cứu khoa học: Đề tài, sáng kiến, giải pháp..."
    )
    assert variant(data, "D")["criteria"][9]["title"] == (
        "Công tác an sinh xã hội, công tác từ thiện nhân đạo"
    )
    ii = section(data, "II")["criteria"]
    assert ii[5]["code"] == "II.6"  # printed "9." in the seed
    assert ii[5]["title"] == (
        "Tổ chức triển khai có hiệu lực, hiệu quả Nghị quyết, Quyết định do "
        "Trung ương ban hành (những Nghị quyết, Quyết định mới phù hợp)"
    )
    iii = {c["code"]: c for c in walk(section(data, "III")["criteria"])}
    assert iii["III.3"]["title"] == "Phát hiện, bồi dưỡng và nhân rộng điển hình tiên tiến"
    assert iii["III.4"]["title"] == "Công tác khen thưởng"
    assert iii["III.4.1"]["title"] == "Thẩm định hồ sơ khen thưởng đúng qui định pháp luật"
    assert iii["III.7"]["title"] == "Chế độ thông tin báo cáo, hội họp"


# --- tiered scoring (R19, R21) ----------------------------------------------


def tiered_leaves(data):
    for _, criteria in all_lists(data):
        for c in walk(criteria):
            if c.get("method") == "tiered":
                yield c


def band_matches(band, value):
    if "min" in band:
        lo = Decimal(band["min"])
        if value < lo or (value == lo and not band.get("min_inclusive", True)):
            return False
    if "max" in band:
        hi = Decimal(band["max"])
        if value > hi or (value == hi and not band.get("max_inclusive", True)):
            return False
    return True


def tier_points(leaf, value):
    for band in leaf["tiers"]:
        if band_matches(band, Decimal(value)):
            return Decimal(band["points"])
    return Decimal(0)


def test_tier_bands_well_formed(data):
    leaves = list(tiered_leaves(data))
    assert leaves
    for leaf in leaves:
        code = leaf["code"]
        assert leaf["method"] == "tiered", code
        assert leaf["children"] == [], code
        assert leaf["note"].strip(), code
        assert leaf["tiers"], code
        for band in leaf["tiers"]:
            assert set(band) <= TIER_KEYS and "points" in band, (code, band)
            assert "min" in band or "max" in band, (code, band)
            for flag in ("min_inclusive", "max_inclusive"):
                if flag in band:
                    assert isinstance(band[flag], bool), (code, band)
                    assert flag.split("_")[0] in band, (code, band)
            assert Decimal(0) <= dec(band["points"]) <= dec(leaf["points"]), (code, band)
            if "min" in band and "max" in band:
                lo, hi = dec(band["min"]), dec(band["max"])
                assert lo <= hi, (code, band)
                if lo == hi:  # a single point must be reachable
                    assert band.get("min_inclusive", True) and band.get("max_inclusive", True)

        # bands are disjoint: order them by lower bound and check no overlap
        def key(b):
            return (Decimal(b.get("min", "-Infinity")), not b.get("min_inclusive", True))

        ordered = sorted(leaf["tiers"], key=key)
        for prev, nxt in itertools.pairwise(ordered):
            assert "max" in prev and "min" in nxt, code
            p_hi, n_lo = Decimal(prev["max"]), Decimal(nxt["min"])
            assert p_hi <= n_lo, code
            if p_hi == n_lo:
                assert not (prev.get("max_inclusive", True) and nxt.get("min_inclusive", True)), (
                    code
                )


def test_only_iii_4_1_is_tiered(data):
    assert [c["code"] for c in tiered_leaves(data)] == ["III.4.1"]


@pytest.mark.parametrize(
    "returned_pct,points",
    [
        ("0", "20"),
        ("0.01", "15"),
        ("9.99", "15"),
        ("10", "10"),
        ("15", "10"),
        ("20", "10"),
        ("20.01", "5"),
        ("50", "5"),
        ("50.01", "0"),  # not in any band -> 0 (R21)
        ("100", "0"),
    ],
)
def test_iii_4_1_tiers_follow_seed(data, returned_pct, points):
    [leaf] = [c for c in walk(section(data, "III")["criteria"]) if c["code"] == "III.4.1"]
    assert tier_points(leaf, returned_pct) == Decimal(points)


# --- measured criteria (R19, R20, R22) -----------------------------------------

# Criteria whose Phụ lục 02 wording measures them against a plan or target,
# with the seed's words that say so. They start quantitative, so a unit that
# beats its plan earns the exceed bonus of [II.2.3.a] ("Cứ vượt 01% kế hoạch
# thì được thưởng 01 điểm"). I.13 compares with the year before and counts
# accidents: the figure is a ceiling (R19's `lower`).
MEASURED = {
    ("A", "I.1"): ("so chỉ tiêu", "higher"),
    ("A", "I.3"): ("Thực hiện chỉ tiêu", "higher"),
    ("A", "I.4"): ("so kế hoạch", "higher"),
    ("A", "I.6"): ("theo KH", "higher"),
    ("A", "I.7"): ("so kế hoạch", "higher"),
    ("A", "I.8"): ("so kế hoạch", "higher"),
    ("A", "I.9"): ("so kế hoạch", "higher"),
    ("A", "I.10"): ("Tỷ lệ thôn, bản, tổ dân phố và gia đình đạt", "higher"),
    ("A", "I.12"): ("so kế hoạch được giao", "higher"),
    ("A", "I.13"): ("tai nạn giao thông so năm trước", "lower"),
    ("D", "I.1"): ("Thực hiện kế hoạch sản xuất, kinh doanh", "higher"),
}


def test_measured_criteria_are_quantitative_where_the_seed_says_so(data):
    found = {}
    for label, criteria in all_lists(data):
        group = label.split("/")[1] if "/" in label else ""
        for c in walk(criteria):
            if c.get("method") == "quantitative":
                found[(group, c["code"])] = (c["title"], c.get("direction", "higher"))
    assert set(found) == set(MEASURED)
    for key, (words, direction) in MEASURED.items():
        title, marked = found[key]
        assert words in title, key
        assert marked == direction, key


def test_criteria_without_plan_wording_stay_qualitative(data):
    # "Giá trị sản xuất trên 1ha" and "Tỷ lệ lao động qua đào tạo" name no plan
    # to compare with; the cluster may still make them quantitative.
    titles = {c["code"]: c for c in variant(data, "A")["criteria"]}
    assert "method" not in titles["I.2"] and "method" not in titles["I.5"]
    assert all("method" not in c for c in section(data, "II")["criteria"])
