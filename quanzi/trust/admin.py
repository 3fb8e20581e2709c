"""Trust and safety in the operators' admin.

The thresholds (`TrustSettings`, one row) are changed here through `services.settings.update`,
which checks every value. Everything else is read-only: scores and cases are written by the
analysis, actions and appeals by the case services, prints by the receivers, alerts by the
alerts service; the case queue (/trust/cases/) is where operators act on a case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from quanzi.core.admin import ReadOnlyAdmin
from quanzi.core.errors import InvalidInput
from quanzi.trust.models import (
    AccessPrint,
    AccountMark,
    AccountScore,
    AlertItem,
    Appeal,
    Case,
    CaseAction,
    CaseMember,
    CaseProduct,
    CaseReview,
    ReputationAlert,
    ReviewScore,
    TrustSettings,
)
from quanzi.trust.reasons import describe_all
from quanzi.trust.services import settings as trust_settings

SETTINGS_FIELDS = trust_settings.FIELDS


def _change(data: dict[str, Any]) -> trust_settings.TrustSettingsChange:
    return trust_settings.TrustSettingsChange(**{name: data.get(name) for name in SETTINGS_FIELDS})


class TrustSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = TrustSettings
        fields = SETTINGS_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            trust_settings.checked(self.instance, _change(data))
        except InvalidInput as exc:
            field = exc.extra.get("field")
            message = str(exc.message)
            raise ValidationError({field: message} if field else message) from exc
        return data


@admin.register(TrustSettings)
class TrustSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = TrustSettingsForm
    list_display = ("__str__", "review_flag", "account_flag", "hold", "updated_at", "updated_by")
    fields = (*SETTINGS_FIELDS, "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row, created with the defaults on first read

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        trust_settings.current()  # the row exists before its list is shown
        return super().changelist_view(request, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:  # type: ignore[type-arg]
        trust_settings.update(request.user, _change(form.cleaned_data))


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class CaseMemberInline(_ReadOnlyInline):
    model = CaseMember
    fields = ("user",)
    raw_id_fields = ("user",)


class CaseProductInline(_ReadOnlyInline):
    model = CaseProduct
    fields = ("product",)
    raw_id_fields = ("product",)


class CaseReviewInline(_ReadOnlyInline):
    model = CaseReview
    fields = ("review", "held")
    raw_id_fields = ("review",)


class CaseActionInline(_ReadOnlyInline):
    model = CaseAction
    fields = ("created_at", "kind", "actor", "reason")
    readonly_fields = ("created_at",)
    raw_id_fields = ("actor",)


class _Reasons:
    """The stored reasons, in words (never their codes)."""

    @admin.display(description=_("reasons"))
    def reasons_in_words(self, obj: Any) -> str:
        return "\n".join(describe_all(obj.reasons))


@admin.register(Case)
class CaseAdmin(_Reasons, ReadOnlyAdmin):
    list_display = ("id", "store", "status", "score", "first_seen_at", "last_seen_at")
    list_filter = ("status",)
    search_fields = ("id", "store__name")
    list_select_related = ("store",)
    date_hierarchy = "first_seen_at"
    raw_id_fields = ("store", "decided_by")
    exclude = ("reasons", "fingerprint")
    readonly_fields = ("reasons_in_words",)
    inlines = [CaseMemberInline, CaseProductInline, CaseReviewInline, CaseActionInline]


@admin.register(CaseAction)
class CaseActionAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "actor", "reason", "created_at")
    list_filter = ("kind",)
    search_fields = ("case__id", "reason")
    raw_id_fields = ("case", "actor")


@admin.register(ReviewScore)
class ReviewScoreAdmin(_Reasons, ReadOnlyAdmin):
    list_display = ("review", "score", "computed_at")
    search_fields = ("review__id",)
    raw_id_fields = ("review",)
    exclude = ("reasons",)
    readonly_fields = ("reasons_in_words",)


@admin.register(AccountScore)
class AccountScoreAdmin(_Reasons, ReadOnlyAdmin):
    list_display = ("user", "score", "computed_at")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)
    exclude = ("reasons",)
    readonly_fields = ("reasons_in_words",)


@admin.register(AccountMark)
class AccountMarkAdmin(ReadOnlyAdmin):
    list_display = ("user", "mark", "case", "by", "created_at")
    list_filter = ("mark",)
    search_fields = ("user__username", "reason")
    raw_id_fields = ("user", "case", "by")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "by_role", "author", "status", "created_at")
    list_filter = ("status", "by_role")
    search_fields = ("id", "case__id", "author__username")
    raw_id_fields = ("case", "review", "store", "author", "decided_by")


@admin.register(AccessPrint)
class AccessPrintAdmin(ReadOnlyAdmin):
    list_display = ("user", "ip_prefix", "device", "times", "first_seen", "last_seen")
    search_fields = ("user__username", "ip_prefix", "device")
    raw_id_fields = ("user",)


class AlertItemInline(_ReadOnlyInline):
    model = AlertItem
    fields = ("item", "answered_at")
    raw_id_fields = ("item",)


@admin.register(ReputationAlert)
class ReputationAlertAdmin(ReadOnlyAdmin):
    list_display = ("id", "store", "product", "kind", "status", "negative_count", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("id", "store__name")
    list_select_related = ("store", "product")
    raw_id_fields = ("store", "product", "resolved_by")
    inlines = [AlertItemInline]
