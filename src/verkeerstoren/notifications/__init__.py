"""O7 Notifications: in-app notifications and signed outgoing webhooks."""
