"""The administrator's view of webhooks: the subscriptions (turned off, never edited:
the client makes them through the API) and the deliveries, the failed ones first to
hand, with a replay."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from webhooks import services
from webhooks.models import Delivery, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "client", "url", "event_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["client__username", "url"]
    list_select_related = ["client"]
    # the secret is never shown again, not even here
    fields = ["client", "url", "events", "is_active", "created_at"]
    readonly_fields = ["client", "url", "events", "created_at"]

    @admin.display(description=gettext_lazy("events subscribed"))
    def event_list(self, subscription):
        return ", ".join(subscription.events)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Written by the webhook worker only; a failed one may be replayed."""

    list_display = ["delivery_id", "subscription", "event_name", "status", "attempts",
                    "last_attempt_at", "next_attempt_at", "response_code", "error"]
    list_filter = ["status", "event__event"]
    search_fields = ["=delivery_id", "subscription__client__username", "subscription__url"]
    list_select_related = ["subscription__client", "event"]
    actions = ["replay"]

    @admin.display(description=gettext_lazy("event name"), ordering="event__event")
    def event_name(self, delivery):
        return delivery.event.event

    @admin.action(description=gettext_lazy("Replay the failed deliveries chosen"))
    def replay(self, request, queryset):
        count = services.replay_deliveries(queryset, actor=request.user)
        self.message_user(request, ngettext(
            "%(count)d delivery will be sent again.",
            "%(count)d deliveries will be sent again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
