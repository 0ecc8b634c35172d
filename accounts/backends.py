from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AreaAwareModelBackend(ModelBackend):
    """Django's ModelBackend, loading the signed-in person's area and department with
    them: every scoped query of the request reads them (risks.scoping), and the join
    saves a round trip per request."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("area", "department").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
