from django.contrib import admin

from .models import Card, Loan


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ("owner", "number") if obj else ()

    list_display = ("number", "owner", "product_name", "amount", "outstanding", "status")


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return ("owner", "masked_number") if obj else ()

    list_display = ("masked_number", "owner", "brand", "kind", "credit_limit")
