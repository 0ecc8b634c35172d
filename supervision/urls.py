from django.urls import path

from supervision.views import campaigns, dashboards, inspections, listings, notices

app_name = "supervision"
urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("street/<int:pk>/", dashboards.street_dashboard, name="street_dashboard"),
    path("community/<int:pk>/", dashboards.community_dashboard, name="community_dashboard"),
    path("groups/", dashboards.group_list, name="group_list"),
    path("groups/<int:pk>/", dashboards.group_dashboard, name="group_dashboard"),
    path("inspections/", inspections.InspectionListView.as_view(), name="inspection_list"),
    path("inspections/new/", inspections.inspection_create, name="inspection_create"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/findings/", inspections.finding_create, name="finding_create"),
    path("findings/", inspections.FindingListView.as_view(), name="finding_list"),
    path("findings/<int:pk>/", inspections.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/<slug:action>/", inspections.finding_transition,
         name="finding_transition"),
    path("findings/<int:pk>/evidence/add/", inspections.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", inspections.evidence_download, name="evidence_download"),
    path("notices/", notices.NoticeListView.as_view(), name="notice_list"),
    path("notices/new/", notices.notice_create, name="notice_create"),
    path("notices/<int:pk>/", notices.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", notices.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/send/", notices.notice_send, name="notice_send"),
    path("notices/<int:pk>/print/", notices.notice_print, name="notice_print"),
    path("listings/", listings.ListingListView.as_view(), name="listing_list"),
    path("listings/new/", listings.listing_create, name="listing_create"),
    path("listings/<int:pk>/", listings.listing_detail, name="listing_detail"),
    path("listings/<int:pk>/lift/", listings.listing_lift, name="listing_lift"),
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/tasks/", campaigns.campaign_task_create,
         name="campaign_task_create"),
    path("campaigns/<int:pk>/link/", campaigns.campaign_link, name="campaign_link"),
    path("campaign-tasks/<int:pk>/report/", campaigns.task_report, name="task_report"),
    path("campaign-links/<int:pk>/unlink/", campaigns.campaign_unlink, name="campaign_unlink"),
]
