from django.urls import path

from meetings.views import action_items, agenda, dashboard, meetings, whistles

app_name = "meetings"
urlpatterns = [
    path("", meetings.MeetingListView.as_view(), name="meeting_list"),
    path("calendar/", meetings.meeting_calendar, name="meeting_calendar"),
    path("new/", meetings.meeting_create, name="meeting_create"),
    path("<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("<int:pk>/discard/", meetings.meeting_discard, name="meeting_discard"),
    path("<int:pk>/approve/", meetings.meeting_approve, name="meeting_approve"),
    path("<int:pk>/amend/", meetings.meeting_amend, name="meeting_amend"),
    path("<int:pk>/print/", meetings.meeting_print, name="meeting_print"),
    path("<int:pk>/agenda/", agenda.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/adopt/", agenda.agenda_adopt, name="agenda_adopt"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", agenda.agenda_remove, name="agenda_remove"),
    path("<int:pk>/agenda/<int:item_pk>/decision/", agenda.decision_record,
         name="decision_record"),
    path("<int:pk>/action-items/", agenda.action_item_add, name="action_item_add"),
    path("<int:pk>/action-items/<int:action_item_pk>/remove/", agenda.action_item_remove,
         name="action_item_remove"),
    path("action-items/", action_items.ActionItemListView.as_view(), name="action_item_list"),
    path("action-items/<int:pk>/", action_items.action_item_detail, name="action_item_detail"),
    path("action-items/<int:pk>/notes/", action_items.action_item_note,
         name="action_item_note"),
    path("action-items/<int:pk>/transition/", action_items.action_item_transition,
         name="action_item_transition"),
    path("whistles/", whistles.WhistleBoardView.as_view(), name="whistle_board"),
    path("whistles/new/", whistles.whistle_create, name="whistle_create"),
    path("whistles/<int:pk>/", whistles.whistle_detail, name="whistle_detail"),
    path("whistles/<int:pk>/reports/<int:report_pk>/", whistles.whistle_report_in,
         name="whistle_report_in"),
    path("tiers/", dashboard.tier_dashboards, name="tier_dashboards"),
    path("tiers/<str:tier>/", dashboard.tier_dashboard, name="tier_dashboard"),
    path("tiers/<str:tier>/matters/", dashboard.tier_matters, name="tier_matters"),
    path("escalation-rules/", dashboard.escalation_rules, name="escalation_rules"),
]
