from django.urls import path

from emulation.lazy_views import LazyViews

record_views = LazyViews("clusters.record_views")
views = LazyViews("clusters.views")
views_organisation = LazyViews("clusters.views_organisation")
views_prior_roles = LazyViews("clusters.views_prior_roles")

CLUSTER = "cum/<str:code>/<int:year>/"

# The home and cluster pages, registration entry, the deductions' page, the
# start of a cluster's next year, "Việc cần làm" and the reminders by hand read
# the scorecard or the sheets: scoring.urls (#16).
urlpatterns = [
    # Registration (R6)
    path(f"{CLUSTER}dang-ky/", views.registration_progress, name="registration_progress"),
    path(f"{CLUSTER}dang-ky/<str:unit>/", views.registration_detail, name="registration_detail"),
    # Participation records (R27)
    path(f"{CLUSTER}tham-gia/", views.participation_records, name="participation"),
    path(f"{CLUSTER}tham-gia/<str:unit>/", views.participation_edit, name="participation_edit"),
    # Pledge
    path(f"{CLUSTER}giao-uoc/", views.pledge, name="pledge"),
    path(f"{CLUSTER}giao-uoc/soan/", views.pledge_edit, name="pledge_edit"),
    path(f"{CLUSTER}giao-uoc/ky/", views.pledge_sign, name="pledge_sign"),
    path(f"{CLUSTER}giao-uoc/ky-tai-hoi-nghi/", views.pledge_paper, name="pledge_paper"),
    path(
        f"{CLUSTER}giao-uoc/chu-ky/<int:pk>/sua/",
        views.pledge_signature_correct,
        name="pledge_signature_correct",
    ),
    # The head's documents (R5, R7) and the members' reports (R10)
    path(f"{CLUSTER}van-ban/", views.head_documents, name="head_documents"),
    path(f"{CLUSTER}van-ban/tai-len/", views.head_document_upload, name="head_document_upload"),
    path(f"{CLUSTER}bao-cao/", views.reports, name="reports"),
    path(f"{CLUSTER}bao-cao/gui/", views.report_upload, name="report_upload"),
    # Conferences (R8–R12)
    path(f"{CLUSTER}hoi-nghi/", views.conferences, name="conferences"),
    path(f"{CLUSTER}hoi-nghi/them/<slug:kind>/", views.conference_create, name="conference_create"),
    path(f"{CLUSTER}hoi-nghi/<int:pk>/", views.conference_detail, name="conference_detail"),
    path(f"{CLUSTER}hoi-nghi/<int:pk>/sua/", views.conference_edit, name="conference_edit"),
    path(
        f"{CLUSTER}hoi-nghi/<int:pk>/diem-danh/",
        views.conference_attendance,
        name="conference_attendance",
    ),
    # Deductions (R25)
    path(f"{CLUSTER}diem-tru/de-nghi/", views.deduction_propose, name="deduction_propose"),
    # Election of next year's head and deputy (R2)
    path(f"{CLUSTER}bau-truong-cum/", views.election, name="election"),
    path(f"{CLUSTER}bau-truong-cum/ket-qua/", views.election_record, name="election_record"),
    path(f"{CLUSTER}bau-truong-cum/quyet-dinh/", views.election_assign, name="election_assign"),
    path(
        f"{CLUSTER}bau-truong-cum/quyet-dinh/sua/",
        views.election_assign_correct,
        name="election_assign_correct",
    ),
    # Extensions of a deadline for a unit or the cluster (#14)
    path(f"{CLUSTER}gia-han/", views.extension_list, name="extensions"),
    path(f"{CLUSTER}gia-han/<int:pk>/thu-hoi/", views.extension_revoke, name="extension_revoke"),
    # Reminders sent by hand by the head or Sở Nội vụ (#15)
    # The head's delegation to the deputy (#14)
    path(f"{CLUSTER}uy-quyen/", views.delegations, name="delegations"),
    path(f"{CLUSTER}uy-quyen/<int:pk>/ket-thuc/", views.delegation_end, name="delegation_end"),
    # The year's records (#14): exemplary models, guests, reports, evaluations
    path(f"{CLUSTER}dien-hinh/", record_views.exemplars, name="exemplars"),
    path(f"{CLUSTER}dien-hinh/gui/", record_views.exemplar_propose, name="exemplar_propose"),
    path(
        f"{CLUSTER}dien-hinh/<int:pk>/rut/",
        record_views.exemplar_withdraw,
        name="exemplar_withdraw",
    ),
    path(
        f"{CLUSTER}dien-hinh/bao-cao-tai-hoi-nghi/",
        record_views.exemplars_present,
        name="exemplars_present",
    ),
    path(
        f"{CLUSTER}hoi-nghi/<int:pk>/khach-moi/",
        record_views.conference_guests,
        name="conference_guests",
    ),
    path(
        f"{CLUSTER}hoi-nghi/<int:pk>/khach-moi/<int:guest>/bo/",
        record_views.conference_guest_remove,
        name="conference_guest_remove",
    ),
    path(
        f"{CLUSTER}hoi-nghi/<int:pk>/thong-qua-bien-ban/",
        record_views.conference_adopt,
        name="conference_adopt",
    ),
    path(
        f"{CLUSTER}bao-cao/cum/gui/",
        record_views.cluster_report_send,
        name="cluster_report_send",
    ),
    path(f"{CLUSTER}bao-cao-dot-xuat/", record_views.adhoc_list, name="adhoc_reports"),
    path(
        f"{CLUSTER}bao-cao-dot-xuat/<int:pk>/gui/",
        record_views.adhoc_answer,
        name="adhoc_answer",
    ),
    path(f"{CLUSTER}danh-gia/", record_views.evaluation, name="evaluation"),
    path(f"{CLUSTER}danh-gia/gui/", record_views.evaluation_send, name="evaluation_send"),
    # What a unit's official documents print (#15)
    path("don-vi/van-ban/", views.letterhead_own, name="letterhead_own"),
    path("don-vi/<str:unit>/van-ban/", views.letterhead_unit, name="letterhead_unit"),
    # Stored files, served only after a permission check
    path("tep/<slug:kind>/<int:pk>/", views.upload_download, name="upload_download"),
]

# Deadlines, "Việc cần làm" and reminders (R5–R10, R14)
urlpatterns += [
    path("han/<int:year>/", views.deadline_list, name="deadlines"),
    path("nhac-viec/<int:year>/", views.reminder_list, name="reminders_sent"),
    path("dien-hinh/<int:year>/", record_views.exemplars_province, name="exemplars_province"),
    path("danh-gia/<int:year>/", record_views.evaluations_province, name="evaluations_province"),
]

# The organisation, kept by Sở Nội vụ in the browser (#14)
urlpatterns += [
    path(f"{CLUSTER}thanh-vien/", views_organisation.memberships_edit, name="memberships_edit"),
    path("don-vi/", views_organisation.unit_list, name="units"),
    path("don-vi/them/", views_organisation.unit_edit, name="unit_create"),
    path("don-vi/<str:code>/sua/", views_organisation.unit_edit, name="unit_edit"),
    path("don-vi/<str:code>/trang-thai/", views_organisation.unit_active, name="unit_active"),
    path("cum-khoi/", views_organisation.cluster_list, name="cluster_list"),
    path("cum-khoi/them/", views_organisation.cluster_edit, name="cluster_create"),
    path("cum-khoi/<str:code>/sua/", views_organisation.cluster_edit, name="cluster_edit"),
    path("tai-khoan/", views_organisation.account_list, name="accounts"),
    path("tai-khoan/them/", views_organisation.account_create, name="account_create"),
    path(
        "tai-khoan/<int:pk>/trang-thai/", views_organisation.account_active, name="account_active"
    ),
    path(
        "tai-khoan/<int:pk>/gui-lai/",
        views_organisation.account_send_link,
        name="account_send_link",
    ),
]

# Heads and deputies before the cluster's first year in the system (#14)
urlpatterns += [
    path(f"{CLUSTER}truong-cum-truoc-day/", views_prior_roles.prior_roles, name="prior_roles"),
    path(
        f"{CLUSTER}truong-cum-truoc-day/<int:pk>/sua/",
        views_prior_roles.prior_role_edit,
        name="prior_role_edit",
    ),
    path(
        f"{CLUSTER}truong-cum-truoc-day/<int:pk>/xoa/",
        views_prior_roles.prior_role_remove,
        name="prior_role_remove",
    ),
]
