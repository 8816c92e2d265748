"""The demo province: Bắc Giang's clusters as the 2022 guidance describes them
in 2025, and the new Bắc Ninh in 2026 (#16): since 1 July 2025 there is no
district level, communes were merged, and the cluster of communes and wards
works under the province's 2026 guidance."""

import json
from datetime import date
from pathlib import Path

DEMO_YEAR = 2025
# The second province-year: after the reorganisation, under the 2026 guidance.
DEMO_YEAR_2026 = 2026
DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_PASSWORD = "thidua@2025"

AUTHORITIES = [
    ("SNV", "Sở Nội vụ tỉnh Bắc Giang", True),
    ("SGDDT", "Sở Giáo dục và Đào tạo tỉnh Bắc Giang", False),
]

# (cluster code, name, kind, group, calendar, authority, [(unit code, name, kind, role)])
CLUSTERS = [
    (
        "CUM-HUYEN",
        "Cụm thi đua các huyện, thành phố",
        "cum",
        "A",
        "standard",
        "SNV",
        [
            ("TPBG", "UBND thành phố Bắc Giang", "district", "head"),
            ("VY", "UBND huyện Việt Yên", "district", "deputy"),
            ("HH", "UBND huyện Hiệp Hòa", "district", "member"),
            ("LG", "UBND huyện Lạng Giang", "district", "member"),
            ("LN", "UBND huyện Lục Nam", "district", "member"),
            ("LNG", "UBND huyện Lục Ngạn", "district", "member"),
            ("SD", "UBND huyện Sơn Động", "district", "member"),
            ("TY", "UBND huyện Tân Yên", "district", "member"),
            ("YD", "UBND huyện Yên Dũng", "district", "member"),
            ("YT", "UBND huyện Yên Thế", "district", "member"),
        ],
    ),
    (
        "KHOI-KT",
        "Khối thi đua các sở, ngành kinh tế",
        "khoi",
        "B",
        "standard",
        "SNV",
        [
            ("SKHDT", "Sở Kế hoạch và Đầu tư", "department", "head"),
            ("STC", "Sở Tài chính", "department", "deputy"),
            ("SCT", "Sở Công Thương", "department", "member"),
            ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "department", "member"),
            ("SXD", "Sở Xây dựng", "department", "member"),
            ("STNMT", "Sở Tài nguyên và Môi trường", "department", "member"),
        ],
    ),
    (
        "KHOI-DN",
        "Khối thi đua các doanh nghiệp",
        "khoi",
        "D",
        "standard",
        "SNV",
        [
            ("DNDIEN", "Công ty Điện lực Bắc Giang", "enterprise", "head"),
            ("DNNUOC", "Công ty cổ phần Nước sạch Bắc Giang", "enterprise", "deputy"),
            ("DNPHANDAM", "Công ty TNHH MTV Phân đạm và Hóa chất Hà Bắc", "enterprise", "member"),
            ("HTXLUCNGAN", "Hợp tác xã Vải thiều Lục Ngạn", "cooperative", "member"),
        ],
    ),
    (
        "KHOI-TRUONG",
        "Khối thi đua các trường trung học phổ thông",
        "khoi",
        "B",
        "education",
        "SGDDT",
        [
            ("THPTNGOQUYEN", "Trường THPT Ngô Quyền", "school", "head"),
            ("THPTCHUYEN", "Trường THPT Chuyên Bắc Giang", "school", "deputy"),
            ("THPTGIAPHAI", "Trường THPT Giáp Hải", "school", "member"),
            ("THPTYENTHE", "Trường THPT Yên Thế", "school", "member"),
        ],
    ),
]

# 2025: communes of Lạng Giang before the reorganisation; XTHUNG and XTLAP are
# merged into the 2026 commune XTT (below). Its 2026 cluster comes from the
# dataset demo_data/05-cum-xa-phuong-2026.json (built like the public example
# guidance/05), whose unit codes are the demo's.
CLUSTERS += [
    (
        "CUM-XA-LG",
        "Cụm thi đua các xã, thị trấn huyện Lạng Giang",
        "cum",
        "A",
        "standard",
        "SNV",
        [
            ("XTHUNG", "UBND xã Tân Hưng", "commune", "head"),
            ("XTLAP", "UBND xã Tân Lập", "commune", "deputy"),
            ("TTVOI", "UBND thị trấn Vôi", "commune", "member"),
            ("XYENMY", "UBND xã Yên Mỹ", "commune", "member"),
        ],
    ),
]

DATASET_2026 = DATA / "05-cum-xa-phuong-2026.json"
CLUSTER_2026 = "CUM-XP-01"

# (successor, predecessor, kind, effective on, decision number, date, body)
SUCCESSIONS = [
    (
        "XTT",
        predecessor,
        "merged",
        date(2025, 7, 1),
        "1658/NQ-UBTVQH15",
        date(2025, 6, 16),
        "Ủy ban Thường vụ Quốc hội",
    )
    for predecessor in ("XTHUNG", "XTLAP")
]


def guidance_2026(document: dict) -> dict:
    """The 2026 guidance of the cluster of communes and wards (four sections,
    threshold 920, a `digital` bonus, a `late_report` deduction), given to its
    year. The one place the demo sets a year's guidance: the dataset's
    `regulation` block, from which the import makes (or reuses) a guidance
    record and applies it to the year."""
    regulation = json.loads((DATA / "guidance-2026.json").read_text(encoding="utf-8"))
    return document | {"regulation": regulation}


# (username, full name, authority code or None, unit code or None, superuser)
USERS = [
    ("admin", "Quản trị hệ thống", None, None, True),
    ("sonoivu", "Nguyễn Thị Hương", "SNV", None, False),
    ("sogiaoduc", "Trần Văn Đức", "SGDDT", None, False),
    ("truongcum", "Lê Minh Tuấn", None, "TPBG", False),
    ("thanhvien", "Phạm Thu Hà", None, "HH", False),
    # 2026, the cluster of communes and wards: its head, and the commune formed
    # from two 2025 communes (its record shows theirs).
    ("truongcumxa", "Đỗ Văn Sơn", None, "PSC", False),
    ("xatanthinh", "Ngô Thị Lan", None, "XTT", False),
]


def letterhead(name: str, kind: str) -> dict[str, str]:
    """What the demo units' documents print (Nghị định 30/2020): a district's
    own place and full name, a department under the province's people's
    committee. The leaders' names are left to the units."""
    if kind == "district":
        full = name.replace("UBND", "Ủy ban nhân dân", 1)
        place = name.removeprefix("UBND huyện ").removeprefix("UBND thành phố ")
        if name.startswith("UBND thành phố"):
            place = f"TP. {place}"
        return {"issuer_name": full, "place_name": place, "signer_title": "CHỦ TỊCH"}
    if kind == "department":
        return {
            "superior_name": "UBND tỉnh Bắc Giang",
            "place_name": "Bắc Giang",
            "signer_title": "GIÁM ĐỐC",
        }
    return {"place_name": "Bắc Giang"}
