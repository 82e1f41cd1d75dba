"""The agency integration API (`/agency-api/v1`): credentials, signed requests, the feed of
work, status changes, webhooks; and the officer console's API for agencies without a system."""
