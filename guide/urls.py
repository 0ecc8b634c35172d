from django.urls import path

from guide import views

app_name = "guide"

urlpatterns = [
    path("", views.guide_index, name="index"),
    path("<slug:role>/", views.role_guide, name="role"),
]
