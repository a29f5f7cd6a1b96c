"""Contact lists: create, read, update, delete, campaign links."""
