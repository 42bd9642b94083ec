"""The web account side: passwords, server-side sessions, login, the /account pages, the
export and the deletions of a user's data."""
