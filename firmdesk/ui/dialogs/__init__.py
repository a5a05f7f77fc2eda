"""The review-action dialogs (issue 4): attachments, return, submit, batch, approval trail, review queue."""
