"""GraphQL: the public entries search (/graphql) and the internal operations API (/internal/graphql)."""
