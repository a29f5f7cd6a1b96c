"""Apps (client id/secret bound to an account, streams and scopes), JWT checks, tenant scope."""
