from django.contrib import admin

from common.backoffice import money_column

from .models import Card, Loan
from .services import card_save, cards_delete, loan_save, loans_delete


@admin.register(Loan)
class LoanAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "owner",
        "product_name",
        "amount_shown",
        "outstanding_shown",
        "status",
    )
    amount_shown = money_column(Loan, "amount")
    outstanding_shown = money_column(Loan, "outstanding")

    def get_readonly_fields(self, request, obj=None):
        return ("owner", "number") if obj else ()

    def save_model(self, request, obj, form, change):
        loan_save(loan=obj)

    def delete_model(self, request, obj):
        loans_delete(loans=Loan.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        loans_delete(loans=queryset)


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("masked_number", "owner", "brand", "kind", "credit_limit_shown", "account")
    credit_limit_shown = money_column(Card, "credit_limit")
    exclude = ("number_token",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("account",)
        if obj.account_id is not None:
            # Its credit lives in the ledger: the limit and what is used move by postings.
            return ("owner", "masked_number", "kind", "credit_limit", "used_revolving", "account")
        return ("owner", "masked_number", "account")

    def save_model(self, request, obj, form, change):
        card_save(card=obj)

    def delete_model(self, request, obj):
        cards_delete(cards=Card.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        cards_delete(cards=queryset)
