from django.contrib import admin

from .models import Card, Loan


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = ("number", "owner", "product_name", "amount", "outstanding", "status")


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("masked_number", "owner", "brand", "kind", "credit_limit")
