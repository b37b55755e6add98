from django.contrib.auth.backends import ModelBackend

from .models import User


class PortalBackend(ModelBackend):
    """Loads the signed-in user with the Member it operates in the one query the authentication
    middleware makes anyway (every page needs it)."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("customer", "company_profile__company").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
