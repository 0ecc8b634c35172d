from django.urls import re_path

from ledgers.api import views

urlpatterns = [
    re_path(r"^ledgers/disputes/$", views.DisputeFeedView.as_view(), name="ledger-disputes"),
    re_path(r"^ledgers/disputes/(?P<pk>[0-9]{1,18})/ack/$", views.DisputeAckView.as_view(),
            name="ledger-dispute-ack"),
    re_path(r"^ledgers/(?P<name>[a-z_]{1,20})\.xlsx$", views.LedgerExportView.as_view(),
            name="ledger-export"),
    re_path(r"^ledgers/exports/(?P<pk>[0-9]{1,18})/$", views.ExportJobView.as_view(),
            name="ledger-export-job"),
    re_path(r"^ledgers/exports/(?P<pk>[0-9]{1,18})/download/$",
            views.ExportJobDownloadView.as_view(), name="ledger-export-download"),
]
