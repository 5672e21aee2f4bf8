"""P1 Access: users, roles, organisation scoping and API tokens."""
