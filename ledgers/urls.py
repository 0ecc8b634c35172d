from django.urls import path

from ledgers import views

app_name = "ledgers"
urlpatterns = [
    path("", views.ledger_index, name="ledger_index"),
    path("import/", views.survey_import, name="survey_import"),
    path("import/template.xlsx", views.survey_template_download, name="survey_template"),
    path("import/marked/<str:name>", views.marked_copy_download, name="marked_copy"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("archive/<int:pk>/", views.archive_sheet, name="archive_sheet"),
    path("<slug:name>/", views.ledger_page, name="ledger_page"),
    path("<slug:name>.xlsx", views.ledger_export, name="ledger_export"),
]
