from django.urls import path, register_converter

from emulation.lazy_views import LazyViews

adjustments = LazyViews("awards.views.adjustments")
documents = LazyViews("awards.views.documents")
history = LazyViews("awards.views.history")
province = LazyViews("awards.views.province")
records = LazyViews("awards.views.records")
results = LazyViews("awards.views.results")
views = LazyViews("awards.views.proposals")


class DownloadFormatConverter:
    regex = "xlsx|csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DownloadFormatConverter, "download_format")

AWARD = "khen-thuong/<str:code>/<int:year>/"
PROPOSAL = f"{AWARD}de-nghi/"

urlpatterns = [
    # A cluster's results: the ranking with the proposal's standing (R29–R34)
    path("ket-qua/<str:code>/<int:year>/", results.results, name="results"),
    path(
        "ket-qua/<str:code>/<int:year>/tai-ve.<download_format:fmt>",
        results.results_download,
        name="results_download",
    ),
    # Quotas, the review and the tie ballot (R31–R33)
    path(f"{AWARD}chi-tieu/", views.quotas, name="award_quotas"),
    path(f"{AWARD}binh-xet/", views.review, name="award_review"),
    path(f"{AWARD}binh-xet/bo-phieu/", views.vote, name="award_vote"),
    # The proposal and its steps (R34)
    path("khen-thuong/<int:year>/de-nghi/", views.proposals, name="award_proposals"),
    path(PROPOSAL, views.proposal, name="award_proposal"),
    path(f"{PROPOSAL}trinh/", views.proposal_submit, name="award_proposal_submit"),
    path(f"{PROPOSAL}tra-lai/", views.proposal_return, name="award_proposal_return"),
    path(f"{PROPOSAL}tiep-nhan/", views.proposal_accept, name="award_proposal_accept"),
    path(
        f"{PROPOSAL}co-chinh-phu/<str:unit>/",
        views.proposal_nominate,
        name="award_proposal_nominate",
    ),
    path(
        f"{PROPOSAL}co-chinh-phu/<str:unit>/rut/",
        views.proposal_withdraw,
        name="award_proposal_withdraw",
    ),
    path(f"{PROPOSAL}quyet-dinh/", views.proposal_decide, name="award_proposal_decide"),
    path(
        f"{PROPOSAL}quyet-dinh/sua/",
        views.proposal_decision_correct,
        name="award_proposal_decision_correct",
    ),
    path(f"{PROPOSAL}cong-bo/", views.proposal_announce, name="award_proposal_announce"),
    # The council's meeting, the Chairman's decisions and the dossier (R34, #14)
    path(f"{PROPOSAL}hoi-dong/", views.proposal_council, name="award_proposal_council"),
    path(
        f"{PROPOSAL}sua-hoi-dong/",
        views.proposal_council_correct,
        name="award_proposal_council_correct",
    ),
    path(
        f"{PROPOSAL}hoi-dong/<str:unit>/",
        views.proposal_council_change,
        name="award_proposal_council_change",
    ),
    path(f"{PROPOSAL}quyet-dinh/<int:pk>/tep/", views.decision_file, name="award_decision_file"),
    path(f"{PROPOSAL}ho-so/tai-len/", views.dossier_upload, name="award_dossier_upload"),
    path(f"{PROPOSAL}ho-so/<slug:kind>/", views.dossier_file, name="award_dossier_file"),
]

# Bonuses, deductions and flags (R23, R25, R27, R28): the flags are awards'
# records, and the page sets them with the points that weigh in the ranking.
ADJUST = "dieu-chinh/<str:code>/<int:year>/"
urlpatterns += [
    path(ADJUST, adjustments.adjustments_page, name="adjustments"),
    path(f"{ADJUST}diem-thuong/", adjustments.bonus_add, name="adjustment_bonus_add"),
    path(
        f"{ADJUST}diem-thuong/<int:pk>/xoa/",
        adjustments.bonus_remove,
        name="adjustment_bonus_remove",
    ),
    path(f"{ADJUST}diem-tru/", adjustments.deduction_add, name="adjustment_deduction_add"),
    path(
        f"{ADJUST}diem-tru/<int:pk>/xoa/",
        adjustments.deduction_remove,
        name="adjustment_deduction_remove",
    ),
    path(f"{ADJUST}khong-xet/", adjustments.flag_set, name="adjustment_flag_set"),
    path(
        f"{ADJUST}khong-xet/<int:pk>/xoa/",
        adjustments.flag_remove,
        name="adjustment_flag_remove",
    ),
    path(
        f"{ADJUST}<str:unit>/minh-chung/<slug:what>/<int:pk>/",
        adjustments.evidence,
        name="adjustment_evidence",
    ),
]

# The audit history (R35): every app's records of a cluster's year.
HISTORY = "lich-su/<str:code>/<int:year>/"
urlpatterns += [
    path(HISTORY, history.cluster_history, name="history"),
    path(f"{HISTORY}<str:unit>/", history.unit_history, name="history_unit"),
]

# Official documents as PDF (Nghị định 30/2020).

urlpatterns += [
    path("van-ban/dang-ky/<int:year>/", documents.registration, name="document_registration"),
    path(
        "van-ban/dang-ky/<str:code>/<int:year>/<str:unit>/",
        documents.registration_of_member,
        name="document_registration_member",
    ),
    path("van-ban/phieu-cham/<int:year>/", documents.scoring_sheet, name="document_sheet"),
    path(
        "van-ban/phieu-cham/<str:code>/<int:year>/<str:unit>/",
        documents.scoring_sheet_of_member,
        name="document_sheet_member",
    ),
    path("van-ban/xep-hang/<str:code>/<int:year>/", documents.ranking, name="document_ranking"),
    path("van-ban/bien-ban/<str:code>/<int:year>/", documents.minutes, name="document_minutes"),
    path("van-ban/to-trinh/<str:code>/<int:year>/", documents.proposal, name="document_proposal"),
]

# The province's year at a glance for authority staff (R1, R29–R34).
urlpatterns += [
    path("tinh/", province.province_current, name="province_current"),
    path("tinh/<int:year>/", province.province, name="province"),
    path("tinh/<int:year>/tai-ve.xlsx", province.province_download, name="province_download"),
]

# A unit's record over the years, its predecessors' years included (#14, #16).
urlpatterns += [
    path("ho-so-thi-dua/<str:unit>/", records.record, name="unit_record"),
    path(
        "ho-so-thi-dua/<str:unit>/tai-ve.xlsx", records.record_download, name="unit_record_download"
    ),
]
