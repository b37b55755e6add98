from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.backoffice import money_column

from .models import Complaint
from .services import SUFFIXES, attachment_storage


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("tracking_number", "product", "names", "identification", "status", "created_at")
    list_filter = ("status", "product")
    search_fields = ("tracking_number",)
    list_select_related = ("user", "member")
    date_hierarchy = "created_at"
    # What the member filed is evidence: the back office reads it and moves only the status.
    fields = (
        "tracking_number",
        "status",
        "created_at",
        "user",
        "member",
        "product",
        "product_number",
        "names",
        "identification",
        "phone",
        "email",
        "description",
        "claimed_amount_shown",
        "returned_amount_shown",
        "data_consent",
        "attachment",
    )
    readonly_fields = tuple(f for f in fields if f != "status")
    claimed_amount_shown = money_column(Complaint, "claimed_amount")
    returned_amount_shown = money_column(Complaint, "returned_amount")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Only the status is editable; saving just it cannot overwrite anything else.
        if form.changed_data:
            obj.save(update_fields=form.changed_data)

    @admin.display(description=_("adjunto"))
    def attachment(self, obj):
        if not obj.attachment_name:
            return "—"
        url = reverse("admin:support_complaint_attachment", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a> ({} KB)',
            url,
            obj.attachment_original_name or gettext("Descargar"),
            max(1, (obj.attachment_size or 0) // 1024),
        )

    def get_urls(self):
        return [
            path(
                "<int:complaint_id>/adjunto/",
                self.admin_site.admin_view(self.attachment_view),
                name="support_complaint_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, complaint_id: int):
        # admin_view already sends non-staff to the sign-in page; checked again here because
        # this is the only way out for a member's documents.
        if not request.user.is_active or not request.user.is_staff:
            raise PermissionDenied
        complaint = get_object_or_404(Complaint, pk=complaint_id)
        if not self.has_view_permission(request, complaint):
            raise PermissionDenied
        if not complaint.attachment_name:
            raise Http404
        try:
            handle = attachment_storage().open(complaint.attachment_name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        suffix = SUFFIXES.get(complaint.attachment_content_type, "")
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{complaint.tracking_number}{suffix}",
            content_type=complaint.attachment_content_type or "application/octet-stream",
        )
