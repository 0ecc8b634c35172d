from django.urls import path

from risks import approval_views, attachment_views, follow_up_views, list_views, views

app_name = "risks"
urlpatterns = [
    path("", list_views.RiskListView.as_view(), name="risk_list"),
    path("bulk/", list_views.risk_bulk, name="risk_bulk"),
    path("new/", views.risk_create, name="risk_create"),
    path("follow-ups/", follow_up_views.follow_up_list, name="follow_up_list"),
    path("<int:pk>/follow-ups/", follow_up_views.follow_up_add, name="follow_up_add"),
    path("approvals/", approval_views.approval_list, name="approval_list"),
    path("approvals/<int:approval_pk>/decide/", approval_views.approval_decide,
         name="approval_decide"),
    path("<int:pk>/approvals/", approval_views.approval_request, name="approval_request"),
    path("new/duplicates/", views.risk_duplicate_suggestions,
         name="risk_duplicate_suggestions"),
    path("<int:pk>/", views.risk_detail, name="risk_detail"),
    path("<int:pk>/edit/", views.risk_edit, name="risk_edit"),
    path("<int:pk>/transition/", views.risk_transition, name="risk_transition"),
    path("<int:pk>/notes/", views.risk_note_add, name="risk_note_add"),
    path("<int:pk>/parties/", views.risk_party_add, name="risk_party_add"),
    path("<int:pk>/parties/unmask/", views.risk_parties_unmask, name="risk_parties_unmask"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.risk_party_remove,
         name="risk_party_remove"),
    path("<int:pk>/link-duplicate/", views.risk_link_duplicate, name="risk_link_duplicate"),
    path("<int:pk>/attachments/", attachment_views.attachment_add, name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_pk>/", attachment_views.attachment_download,
         name="attachment_download"),
    path("<int:pk>/attachments/<int:attachment_pk>/thumbnail/",
         attachment_views.attachment_thumbnail, name="attachment_thumbnail"),
    path("<int:pk>/plan/", views.risk_plan_edit, name="risk_plan_edit"),
    path("<int:pk>/emergency-plan/", views.risk_emergency_plan_edit,
         name="risk_emergency_plan_edit"),
    path("<int:pk>/emergency-plan/drills/new/", views.risk_drill_create,
         name="risk_drill_create"),
]
