from django.urls import path

from emulation.lazy_views import LazyViews

builder = LazyViews("scoring.views.builder")
deductions = LazyViews("scoring.views.deductions")
evidence = LazyViews("scoring.views.evidence")
guidances = LazyViews("scoring.views.guidances")
registrations = LazyViews("scoring.views.registrations")
review = LazyViews("scoring.views.review")
sheet = LazyViews("scoring.views.sheet")
spreadsheet = LazyViews("scoring.views.spreadsheet")
todo = LazyViews("scoring.views.todo")
year = LazyViews("scoring.views.year")

CLUSTER = "cum/<str:code>/<int:year>/"

urlpatterns = [
    # Pages of the organisation's year that read the scorecard (#16); the rest
    # of the organisation's pages are clusters.urls.
    path("", year.home, name="home"),
    path(CLUSTER, year.cluster_detail, name="cluster_detail"),
    path(f"{CLUSTER}nam-sau/", year.year_start, name="year_start"),
    # Registration entered, its targets linked to criteria (R6, R19)
    path("dang-ky/<int:year>/", registrations.registration_edit, name="registration_edit"),
    path(
        f"{CLUSTER}dang-ky/<str:unit>/nhap-thay/",
        registrations.registration_behalf,
        name="registration_behalf",
    ),
    # What is due and who has done it (R5–R10, R14)
    path("viec-can-lam/", todo.todo, name="todo"),
    path(f"{CLUSTER}nhac-viec/", todo.reminders_by_hand, name="reminders_by_hand"),
    # Deductions (R25): the page and the staff's decision on a proposal
    path(f"{CLUSTER}diem-tru/", deductions.deductions, name="deductions"),
    path(
        f"{CLUSTER}diem-tru/<int:pk>/xac-nhan/",
        deductions.deduction_decide,
        {"decision": "confirm"},
        name="deduction_confirm",
    ),
    path(
        f"{CLUSTER}diem-tru/<int:pk>/khong-chap-nhan/",
        deductions.deduction_decide,
        {"decision": "reject"},
        name="deduction_reject",
    ),
    # Guidances as records (#16): read by everyone, changed by Sở Nội vụ
    path("huong-dan/", guidances.guidance_list, name="guidance_list"),
    path("huong-dan/<int:pk>/", guidances.guidance_detail, name="guidance_detail"),
    path("huong-dan/<int:pk>/sao-chep/", guidances.guidance_copy, name="guidance_copy"),
    path("huong-dan/<int:pk>/sua/", guidances.guidance_edit, name="guidance_edit"),
    path("huong-dan/<int:pk>/ap-dung/", guidances.guidance_apply, name="guidance_apply"),
    path(
        "huong-dan/<int:pk>/bo-ap-dung/<int:year>/<str:kind>/",
        guidances.guidance_unapply,
        name="guidance_unapply",
    ),
    path("huong-dan/<int:pk>/khung/", guidances.guidance_framework, name="guidance_framework"),
    path(
        "huong-dan/<int:pk>/khung/tai-len/",
        guidances.guidance_framework_upload,
        name="guidance_framework_upload",
    ),
    path(
        "huong-dan/<int:pk>/khung/tai-ve.xlsx",
        guidances.guidance_framework_download,
        name="guidance_framework_download",
    ),
    path(
        "huong-dan/<int:pk>/khung/<int:criterion_pk>/",
        guidances.guidance_criterion,
        name="guidance_criterion",
    ),
    path(
        "huong-dan/<int:pk>/khung/<int:criterion_pk>/xoa/",
        guidances.guidance_criterion_remove,
        name="guidance_criterion_remove",
    ),
    # The scorecard builder and its approval (R15–R19)
    path("bang-diem/cho-duyet/", builder.scorecards_pending, name="scorecards_pending"),
    path("bang-diem/<str:code>/<int:year>/", builder.scorecard, name="scorecard"),
    path("bang-diem/<str:code>/<int:year>/tao/", builder.scorecard_create, name="scorecard_create"),
    path(
        "bang-diem/<str:code>/<int:year>/phan/<str:section>/them/",
        builder.criterion_add,
        name="criterion_add",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/tieu-chi/<int:pk>/",
        builder.criterion_save,
        name="criterion_save",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/tieu-chi/<int:pk>/tach/",
        builder.criterion_split,
        name="criterion_split",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/tieu-chi/<int:pk>/xoa/",
        builder.criterion_remove,
        name="criterion_remove",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/lay-y-kien/",
        builder.scorecard_discuss,
        name="scorecard_discuss",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/mo-lai/", builder.scorecard_reopen, name="scorecard_reopen"
    ),
    path(
        "bang-diem/<str:code>/<int:year>/y-kien/",
        builder.scorecard_position,
        name="scorecard_position",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/trinh/", builder.scorecard_submit, name="scorecard_submit"
    ),
    path(
        "bang-diem/<str:code>/<int:year>/phe-duyet/",
        builder.scorecard_approve,
        name="scorecard_approve",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/tra-lai/",
        builder.scorecard_return,
        name="scorecard_return",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/gop-y/",
        builder.scorecard_comment,
        name="scorecard_comment",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/chuyen-so-noi-vu/",
        builder.scorecard_forward,
        name="scorecard_forward",
    ),
    path(
        "bang-diem/<str:code>/<int:year>/ban-hanh/", builder.scorecard_issue, name="scorecard_issue"
    ),
    path(
        "bang-diem/<str:code>/<int:year>/phien-ban-moi/",
        builder.scorecard_new_version,
        name="scorecard_new_version",
    ),
]

# Self-scoring, evidence and the head's review (R11, R19–R22, R35).
REVIEW = "tham-dinh/<str:code>/<int:year>/"
urlpatterns += [
    path("cham-diem/<int:year>/", sheet.sheet, name="sheet"),
    path("cham-diem/<int:year>/nop/", sheet.sheet_submit, name="sheet_submit"),
    path("cham-diem/<int:year>/tieu-chi/<int:criterion_id>/", sheet.sheet_row, name="sheet_row"),
    path(
        "cham-diem/<int:year>/tieu-chi/<int:criterion_id>/minh-chung/",
        evidence.evidence_upload,
        name="evidence_upload",
    ),
    path("minh-chung/<int:pk>/", evidence.evidence_download, name="evidence_download"),
    path("minh-chung/<int:pk>/xoa/", evidence.evidence_delete, name="evidence_delete"),
    # A unit's sheet entered from its paper copy by the head or Sở Nội vụ (#14)
    path(f"{REVIEW}<str:unit>/nhap-thay/", sheet.sheet_behalf, name="sheet_behalf"),
    path(REVIEW, review.review, name="review"),
    path(f"{REVIEW}thong-nhat/", review.review_agree, name="review_agree"),
    path(f"{REVIEW}mo-lai/", review.review_reopen, name="review_reopen"),
    path(f"{REVIEW}<str:unit>/tra-lai/", review.review_return, name="review_return"),
    path(f"{REVIEW}<str:unit>/<int:criterion_id>/", review.review_cell, name="review_cell"),
]

# The cluster's self-scores as a spreadsheet: template and upload (R18–R21).
urlpatterns += [
    path(f"{REVIEW}tai-mau.xlsx", spreadsheet.scores_template, name="scores_template"),
    path(f"{REVIEW}nhap-excel/", spreadsheet.scores_import, name="scores_import"),
]
