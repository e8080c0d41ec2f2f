"""API tokens in the Django admin: admins see every token, revoke them, and make one for a user.

Like partners/admin.py, every admin (active staff user) manages tokens and
nobody else sees them.  Tokens are created, renamed and revoked through
api/tokens.py, the same rules as the profile page.  The digest never shows;
a new token's secret shows once, in a message on the token's page right
after it is added (kept in the session in between, never in a cookie).

Only superusers make tokens for other people (api/tokens.py asks
partners.permissions): a staff user's add form refuses any other owner beside
the User field, and every token shows who created it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

from api import tokens
from api.models import ApiToken
from partners.admin import AdminsManage
from partners.forms import apply_service_errors

SHOW_ONCE_SESSION_KEY = "api_admin_token_new"


class TokenStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
        if self.value() == "active":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class ApiTokenAddForm(forms.ModelForm):
    """Whose token and its name; the rest is made by tokens.token_create()."""

    # The admin user filling the form in (set by ApiTokenAdmin.get_form).
    actor: Any = None

    class Meta:
        model = ApiToken
        fields = ["user", "name"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("user") is not None and "name" in cleaned:
            try:
                cleaned["name"] = tokens.token_check(
                    user=cleaned["user"], name=cleaned["name"], created_by=self.actor
                )
            except ValidationError as error:
                apply_service_errors(self, error)
        return cleaned


class ApiTokenChangeForm(forms.ModelForm):
    """Only the name changes; revoking is the list's action."""

    class Meta:
        model = ApiToken
        fields = ["name"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "name" in cleaned:
            try:
                cleaned["name"] = tokens.token_check(
                    user=self.instance.user, name=cleaned["name"], token=self.instance
                )
            except ValidationError as error:
                apply_service_errors(self, error)
        return cleaned


@admin.register(ApiToken)
class ApiTokenAdmin(AdminsManage, admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "starts_with",
        "created_by",
        "created_at",
        "last_used_at",
        "is_active",
    ]
    list_filter = [TokenStatusFilter]
    search_fields = [
        "name",
        "prefix",
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
    ]
    list_select_related = ["user", "created_by"]
    autocomplete_fields = ["user"]
    actions = ["revoke_tokens"]
    change_fields = [
        "user",
        "name",
        "starts_with",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]

    @admin.display(description="Starts with", ordering="prefix")
    def starts_with(self, token: ApiToken) -> str:
        return f"{token.prefix}…"

    @admin.display(description="Active", boolean=True, ordering="revoked_at")
    def is_active(self, token: ApiToken) -> bool:
        return token.is_active

    def get_form(self, request: HttpRequest, obj: ApiToken | None = None, **kwargs: Any):
        if obj is None:
            kwargs["form"] = type("ApiTokenAddForm", (ApiTokenAddForm,), {"actor": request.user})
        else:
            kwargs["form"] = ApiTokenChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Most admins may only make their own: start from that.
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return ["user", "name"] if obj is None else self.change_fields

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return [] if obj is None else [f for f in self.change_fields if f != "name"]

    def get_actions(self, request: HttpRequest) -> dict:
        # Revoking keeps the record of who had which token; deleting one is still
        # possible from its page (and happens with its user).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @sensitive_variables("new")
    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            tokens.token_rename(obj, name=form.cleaned_data["name"])
            return
        new = tokens.token_create(
            user=form.cleaned_data["user"], name=form.cleaned_data["name"], created_by=request.user
        )
        # The admin logs the addition and redirects with ``obj``: make it the saved token.
        obj.__dict__.update(
            {f.attname: getattr(new.token, f.attname) for f in ApiToken._meta.concrete_fields}
        )
        obj._state.adding = False
        request.session[SHOW_ONCE_SESSION_KEY] = {"id": new.token.pk, "secret": new.secret}

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        # Always to the new token's page, whatever the button: its secret shows there, once.
        return HttpResponseRedirect(reverse("admin:api_apitoken_change", args=[obj.pk]))

    @sensitive_variables("waiting")
    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            waiting = request.session.get(SHOW_ONCE_SESSION_KEY)
            if waiting and str(waiting.get("id")) == object_id:
                del request.session[SHOW_ONCE_SESSION_KEY]
                # Added to this very response, so it is stored nowhere.
                messages.success(
                    request,
                    format_html(
                        "Created the token. Copy its secret now, it will not be shown again: "
                        '<code class="api-token-secret">{}</code>',
                        waiting["secret"],
                    ),
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(tokens.token_revoke(token) for token in queryset.active())
        if revoked == 0:
            self.message_user(request, "The selected tokens were already revoked.", messages.INFO)
        else:
            self.message_user(
                request,
                f"Revoked {revoked} token{'s' if revoked != 1 else ''}: "
                "anything using them stops working at once.",
                messages.SUCCESS,
            )
