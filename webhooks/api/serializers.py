from rest_framework import serializers

from webhooks.choices import WebhookEvent
from webhooks.models import Delivery, Subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices),
                                   allow_empty=False)

    class Meta:
        model = Subscription
        fields = ["id", "url", "events", "created_at"]
        read_only_fields = ["id", "created_at"]


class NewSubscriptionSerializer(SubscriptionSerializer):
    """The answer to a subscription: with its signing secret, shown this once."""

    secret = serializers.CharField(read_only=True, help_text=(
        "The key of X-Quanfu-Signature (HMAC-SHA256 of the body): shown only now."))

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="delivery_id", read_only=True,
                               help_text="The X-Quanfu-Delivery header of its POSTs.")
    event = serializers.CharField(source="event.event", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "event", "status", "attempts", "last_attempt_at", "next_attempt_at",
                  "response_code", "error"]
        read_only_fields = fields
