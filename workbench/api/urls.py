from django.urls import path

from workbench.api.views import TodoView

urlpatterns = [
    path("me/todo/", TodoView.as_view(), name="me-todo"),
]
