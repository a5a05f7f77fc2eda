"""Reusable widgets of the review dialogs: previews, badges, the timeline, the materials editor."""
