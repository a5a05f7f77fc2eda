"""The client's logic without widgets: the CMIS API client, credentials, the logged-in session, settings."""
