from django.urls import path

from awards.views import proposals as views

AWARD = "khen-thuong/<str:code>/<int:year>/"
PROPOSAL = f"{AWARD}de-nghi/"

urlpatterns = [
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
    path(f"{PROPOSAL}cong-bo/", views.proposal_announce, name="award_proposal_announce"),
]
