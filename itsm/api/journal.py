"""Serializer of journal entries (comments and work notes)."""

from rest_framework import serializers

from itsm.choices import VisibilityChoices
from itsm.models import JournalEntry


class JournalEntrySerializer(serializers.ModelSerializer):
    """A comment or work note; author and time are set by the server."""

    author = serializers.SerializerMethodField()
    visibility = serializers.ChoiceField(choices=VisibilityChoices.choices, required=False)

    class Meta:
        model = JournalEntry
        fields = ["id", "body", "visibility", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]

    def get_author(self, obj) -> dict | None:
        if obj.author is None:
            return None
        return {"id": obj.author_id, "display": str(obj.author), "url": None}
