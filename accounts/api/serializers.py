from rest_framework import serializers

from accounts.models import User


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "area", "department"]


class DeviceSignInSerializer(serializers.Serializer):
    """``auth/token/``: who signs in on the phone, and (optionally) what the phone is called."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp = serializers.CharField(max_length=12, required=False, allow_blank=True, help_text=(
        "The one-time code of the authenticator app, for people who must give one."))
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text=(
        "What the device is called (shown on the profile page); default 手机 <date>."))


class DeviceTokenSerializer(serializers.Serializer):
    """The key (shown once: only its hash is stored) and when it stops working."""

    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
