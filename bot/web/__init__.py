"""The bot's web server: `POST /api/messages` (handed to the SDK's edge),
the operator's endpoints, the signed downloads and the calendar feed, and
the graceful stop."""
