"""Every size limit of the application, in one place (issue #12).

Text fields: each has a maximum length that fits its use, enforced by the
form (max_length, with a Vietnamese message) and by the database (a CharField
of that length, or a check constraint on a TextField). The largest accepted
input of every document still renders its PDF in about a second of CPU at
most, and a document asked for again is not laid out again
(tests/test_text_limits.py, tests/awards/test_document_sizes.py).

Requests and files: a request whose Content-Length exceeds MAX_REQUEST_BYTES is
refused before its body is read (emulation.middleware); one file is at most
MAX_UPLOAD_BYTES; a unit keeps at most so many evidence files, and bytes, per
criterion and per year.
"""

MB = 1024 * 1024

# --- Text (characters) -----------------------------------------------------
# Chosen from what each text is for and from the longest real example, and so
# that the official PDF of the largest accepted registration renders in about
# 0.3 s of CPU (a 2.8 MB objective took 30 s and the worker was killed).
#
# A code typed by the head (a criterion's "I.1.a"); as the model's CharField.
CODE = 32
# A criterion's wording: the council's longest in Phụ lục 02 (2022) has 331
# characters; the head's own criteria and sub-criteria take the same room,
# with a fifth to spare. Not more: a scoring sheet prints every wording of the
# scorecard, and its PDF's time grows with their length (500 took a second).
CRITERION_TITLE = 400
# A scorecard's criteria, headings included (a criterion split keeps its row
# over its sub-criteria). Phụ lục 02's largest frame (group A) has 64; R17 lets
# a cluster concretise or add 30% of them (5 + 2 + 2), and each concretised
# one splits into sub-criteria: 64 + 9 × 3 = 91 leaves and headings, with
# room to spare. Not more: the scoring sheet prints every one, and its PDF's
# time grows with them (before this limit a split had no bound at all).
CRITERIA_PER_SCORECARD = 100
# The council's scoring guidance of a criterion (longest in 2022: 431).
CRITERION_NOTE = 1000
# A guidance's title or its issuing body: a document's name, a line or two.
GUIDANCE_NAME = 500
# A reason, comment or note written in a box: a few sentences (R35's "why").
REASON = 1000
# A member unit's position on the draft scorecard [II.1]: its comments may go
# through several criteria, a little more than a reason's few sentences.
POSITION_COMMENT = 2000
# Phụ lục 01, the registration: the objectives (I) and the other targets (II.2)
# are a paragraph each; a main target (II.1) is one sentence, and a unit
# registers at most so many of them.
OBJECTIVES = 2000
OTHER_TARGETS = 2000
TARGET_TITLE = 300
REGISTRATION_TARGETS = 30
# The pledge's wording (giao ước thi đua), typed by the head: a page or two.
PLEDGE_TEXT = 6000
# A conference's agenda (nội dung, chương trình).
AGENDA = 2000
# An exemplary model's short description (điển hình tiên tiến, Phần I 2.3): a
# paragraph or two; and how many one unit puts forward in a year.
EXEMPLARY_DESCRIPTION = 3000
EXEMPLARY_PER_UNIT = 5
# An ad-hoc report (báo cáo đột xuất): what Sở Nội vụ asks, and a text answer
# sent without a file (a page or two).
ADHOC_REQUEST = 2000
ADHOC_ANSWER = 6000
# A guiding authority's yearly evaluation of a cluster (Phần IV.2): a page or two.
EVALUATION = 6000
# An in-app notification (#15), written by the system: a sentence or two, a
# reason quoted in it cut to fit; and the path of the page it opens.
NOTIFICATION_TEXT = 500
NOTIFICATION_LINK = 300
# What a unit's official documents print (Nghị định 30/2020, Phụ lục I): the
# issuing body's name and its superior's, in capitals over at most two lines
# of the header's left column ("ỦY BAN NHÂN DÂN HUYỆN HIỆP HÒA", "BỘ CHỈ HUY
# QUÂN SỰ TỈNH BẮC GIANG": under 40); the place of the date line
# ("Hiệp Hòa"); the signer's title ("CHỦ TỊCH", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
# and full name.
ISSUER_NAME = 120
PLACE_NAME = 60
SIGNER_TITLE = 120
PERSON_NAME = 100


def length_check(model: str, field: str, limit: int):
    """The database's own guard of a TextField's limit (forms check it first).

    `model` is the model's table name; the constraint is named
    `<table>_<field>_max_length`."""
    from django.db import models
    from django.db.models.functions import Length
    from django.db.models.lookups import LessThanOrEqual

    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{model}_{field}_max_length",
        violation_error_message=f"Nội dung dài quá {limit} ký tự.",
    )


def cut_to_limits(app_label: str, fields: list[tuple[str, str, int]]):
    """A RunPython function for the migration that adds the length checks: a
    text already longer than its limit (only possible before the limits) is cut
    to it, or adding the check would stop the migration. `fields` holds
    (model name, field name, limit)."""
    from django.db.models.functions import Left, Length

    def cut(apps, schema_editor) -> None:
        for model_name, field, limit in fields:
            model = apps.get_model(app_label, model_name)
            model.objects.annotate(_length=Length(field)).filter(_length__gt=limit).update(
                **{field: Left(field, limit)}
            )

    return cut


# --- Uploads (bytes) --------------------------------------------------------
MAX_UPLOAD_BYTES = 20 * MB
# The largest file with its form around it (multipart headers, the CSRF token).
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1 * MB
# Evidence of one unit's score of one criterion, and of its whole year's sheet.
EVIDENCE_FILES_PER_CRITERION = 10
EVIDENCE_BYTES_PER_CRITERION = 50 * MB
EVIDENCE_FILES_PER_UNIT = 200
EVIDENCE_BYTES_PER_UNIT = 500 * MB
