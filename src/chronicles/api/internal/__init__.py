"""``POST /internal/graphql``: operating Chronicles with the admin token (never imports the public API)."""
