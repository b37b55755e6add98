from django.conf import settings

from identity.selectors import previous_sign_in_for_request


def portal(request):
    user = getattr(request, "user", None)
    context = {"cooperative": settings.COOPERATIVE, "hide_amounts": False}
    if user is None or not user.is_authenticated:
        return context
    context.update(
        hide_amounts=user.hide_amounts,
        last_sign_in=previous_sign_in_for_request(request),
        company_profile=getattr(user, "company_profile", None),
    )
    return context
