"""The deduction kinds of a cluster's year (R39). They come from the year's
guidance, which the scoring app holds: it names how to read them from its
AppConfig.ready, so that this app does not import upwards. Its own module, so
that naming them at start-up loads nothing else (#17). Unnamed (this app
alone), every kind is allowed."""

from collections.abc import Callable, Collection

MEMBER_DUTY = "member_duty"  # the kind the head proposes, and an absence (R12, R25)

_KINDS: list[Callable] = []


def deduction_kinds_from(kinds: Callable[..., Collection[str]]) -> None:
    """`kinds(cluster, year)`: the deduction kinds of the cluster's year."""
    _KINDS[:] = [kinds]


def has_member_duty(cluster, year) -> bool:
    """The year's guidance deducts for a member's breach of its duties (R25, R39)."""
    return all(MEMBER_DUTY in kinds(cluster, year) for kinds in _KINDS)


def no_member_duty(year) -> str:
    return (
        f"Hướng dẫn áp dụng cho năm {year.year} không có loại điểm trừ thành viên do trưởng "
        "cụm, khối đề nghị."
    )
