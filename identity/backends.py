from django.contrib.auth.backends import ModelBackend

from .selectors import user_with_customer


class PortalBackend(ModelBackend):
    """Loads the signed-in user together with the Member it operates: every page needs both, and
    this is the one query the authentication middleware makes on every request."""

    def get_user(self, user_id):
        user = user_with_customer(user_id=user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
