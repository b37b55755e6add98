from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from .forms import ComplaintForm
from .selectors import (
    complaint_ack_address,
    complaint_for_token,
    complaint_get_for_user,
    complaint_initial,
    contact_info,
    faq_entries,
)
from .services import ComplaintError, complaint_submit


@require_GET
def index(request):
    return render(request, "support/index.html")


@require_GET
def faq(request):
    return render(request, "support/faq.html", {"questions": faq_entries()})


@require_GET
@vary_on_headers("HX-Request")
def contact(request):
    template = "support/contact.html#dialog" if request.htmx else "support/contact.html"
    return render(request, template, {"contact": contact_info(), "as_dialog": bool(request.htmx)})


@login_required
@require_http_methods(["GET", "POST"])
def complaint(request):
    if request.method == "POST":
        # A second post of the same form (double click, reload, back and send) shows what the
        # first one filed, whatever it carries now.
        previous = complaint_for_token(user=request.user, token=request.POST.get("token", ""))
        if previous is not None:
            return redirect(previous)
        form = ComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = complaint_submit(
                    user=request.user,
                    token=data["token"],
                    product=data["product"],
                    product_number=data["product_number"],
                    names=data["names"],
                    identification=data["identification"],
                    phone=data["phone"],
                    description=data["description"],
                    claimed_amount=data["claimed_amount"],
                    returned_amount=data["returned_amount"],
                    data_consent=data["data_consent"],
                    attachment=data["attachment"],
                )
            except ComplaintError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(filed)
    else:
        form = ComplaintForm(initial=complaint_initial(user=request.user))
    return render(
        request,
        "support/complaint.html",
        {"form": form, "ack_address": complaint_ack_address(user=request.user)},
    )


@login_required
@require_GET
def complaint_done(request, tracking_number: str):
    filed = complaint_get_for_user(user=request.user, tracking_number=tracking_number)
    return render(request, "support/complaint_done.html", {"complaint": filed})
