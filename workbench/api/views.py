from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from workbench.api.serializers import TodoGroupSerializer
from workbench.todo import todo_for


class TodoView(APIView):
    """What the caller must do now (the workbench of the home page), grouped, red first:
    each group's count, its first items and the link to its full list. A machine client
    has nothing to do here: an empty list."""

    @extend_schema(responses={200: TodoGroupSerializer(many=True)})
    def get(self, request):
        return Response(TodoGroupSerializer(todo_for(request.user), many=True).data)
