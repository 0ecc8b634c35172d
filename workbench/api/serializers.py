from rest_framework import serializers


class TodoItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["risk", "warning", "instruction", "approval", "action_item", "finding",
                 "meeting", "zero_report", "whistle_call", "listing", "area"],
        help_text="The kind of object: a matter, a T+2 warning, a work instruction, an "
                  "approval request, a meeting's action item, a supervision finding, a "
                  "meeting, today's zero report, a whistle call, a listed supervision, an "
                  "area (a community to inspect).")
    id = serializers.IntegerField(allow_null=True, help_text="That object's id.")
    title = serializers.CharField(source="full_title",
                                  help_text="A matter's code and title, or the object's title.")
    due_at = serializers.DateTimeField(allow_null=True,
                                       help_text="Its deadline (a day's deadline: that day's "
                                                 "end), or null.")
    url = serializers.CharField(help_text="The page where it is done (a path of this site).")


class TodoGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="What the group holds, e.g. to_verify, to_accept, "
                                           "approvals, red_clocks.")
    label = serializers.CharField(help_text="The group's name, in the caller's language.")
    count = serializers.IntegerField(help_text="How many things the full list holds.")
    urgency = serializers.ChoiceField(
        choices=["red", "orange", "blue", "none"],
        help_text="red: something in it is late; orange: waiting for the caller; blue: to "
                  "follow; none: nothing to do. The groups come in this order.")
    url = serializers.CharField(allow_blank=True,
                                help_text="The full list, filtered to exactly what is counted "
                                          "(empty when the items are the whole list).")
    items = TodoItemSerializer(many=True, help_text="The first five of the full list.")
