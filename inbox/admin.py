from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox import channels
from inbox.choices import DeliveryStatus
from inbox.models import ChatDelivery, ChatRobot, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]


class ChatRobotForm(forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("webhook URL"), max_length=500, assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField", "size": 90}),
        help_text=gettext_lazy("The group robot's webhook address as WeCom or DingTalk shows "
                               "it, starting with https://."))

    class Meta:
        model = ChatRobot
        fields = ["name", "platform", "area", "department", "url", "secret", "is_active"]
        # the key in the URL and the secret let anyone post to the group: not shown in
        # lists, and the secret not in clear on the page
        widgets = {"secret": forms.PasswordInput(render_value=True)}
        help_texts = {
            "secret": gettext_lazy("DingTalk only, when the robot signs its messages (加签): "
                                   "the secret starting with SEC. Empty otherwise."),
            "is_active": gettext_lazy("Turn it on once a test message has reached the group."),
        }

    def clean_url(self):
        url = self.cleaned_data["url"]
        problem = channels.webhook_url_problem(url)
        if problem:
            raise ValidationError(problem)
        return url

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("area")) == bool(cleaned.get("department")):
            raise ValidationError(_("Choose either a community or a department."))
        return cleaned


@admin.register(ChatRobot)
class ChatRobotAdmin(admin.ModelAdmin):
    """Group robots of communities and departments: off until an administrator turns one
    on, after a test message went through."""

    form = ChatRobotForm
    list_display = ["name", "platform", "unit", "webhook", "is_active"]
    list_filter = ["platform", "is_active"]
    search_fields = ["name", "area__name", "department__name"]
    list_select_related = ["area", "department"]
    autocomplete_fields = ["area", "department"]
    actions = ["send_test_message"]

    @admin.display(description=gettext_lazy("unit"))
    def unit(self, robot):
        return robot.department or robot.area

    @admin.display(description=gettext_lazy("webhook URL"))
    def webhook(self, robot):
        return channels.masked_url(robot.url)

    @admin.action(description=gettext_lazy("Send a test message"))
    def send_test_message(self, request, queryset):
        for robot in queryset:
            delivery = channels.send_test_message(robot)
            if delivery.status == DeliveryStatus.SENT:
                self.message_user(request, _("%(robot)s: the test message was sent.")
                                  % {"robot": robot.name}, messages.SUCCESS)
            else:
                self.message_user(request, _("%(robot)s: the test message failed (%(error)s).")
                                  % {"robot": robot.name, "error": delivery.error},
                                  messages.ERROR)


@admin.register(ChatDelivery)
class ChatDeliveryAdmin(admin.ModelAdmin):
    """What was posted to the robots and how it went: written by the chat worker only."""

    list_display = ["created_at", "robot", "recipient", "notice_count", "status", "attempts",
                    "last_attempt_at", "response_code", "error"]
    list_filter = ["status", "robot__platform"]
    search_fields = ["robot__name", "recipient__username", "recipient__name"]
    list_select_related = ["robot", "recipient"]
    date_hierarchy = "created_at"

    @admin.display(description=gettext_lazy("notices sent"), ordering="messages")
    def notice_count(self, delivery):
        return delivery.messages

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
