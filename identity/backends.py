from django.contrib.auth.backends import ModelBackend

from .models import User


class PortalBackend(ModelBackend):
    """Loads the signed-in user with what every page header shows (customer, company role) in
    the one query the authentication middleware makes anyway."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("customer", "company_profile__company").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
