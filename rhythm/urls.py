from django.urls import path

from rhythm import views

app_name = "rhythm"
urlpatterns = [
    path("warnings/", views.WarningListView.as_view(), name="warning_list"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("warnings/<int:pk>/feedback/", views.warning_feedback, name="warning_feedback"),
    path("matters/<int:risk_pk>/warnings/new/", views.warning_create, name="warning_create"),
    path("daily/", views.daily_check_overview, name="daily_check_overview"),
    path("daily/<int:community_pk>/", views.daily_check_detail, name="daily_check_detail"),
    path("daily/items/<int:pk>/confirm/", views.daily_check_item_confirm,
         name="daily_check_item_confirm"),
    path("daily/<int:community_pk>/rest-unchanged/", views.daily_check_rest_unchanged,
         name="daily_check_rest_unchanged"),
    path("today/", views.grid_today, name="grid_today"),
    path("zero-reports/new/", views.zero_report_create, name="zero_report_create"),
    path("instructions/", views.InstructionListView.as_view(), name="instruction_list"),
    path("instructions/new/", views.instruction_create, name="instruction_create"),
    path("instructions/answers/<int:pk>/", views.instruction_answer,
         name="instruction_answer"),
    path("weekly/", views.weekly_report, name="weekly_report"),
    path("weekly/export/", views.weekly_report_export, name="weekly_report_export"),
    path("monthly/", views.monthly_stats, name="monthly_stats"),
    path("quality/", views.data_quality, name="data_quality"),
]
