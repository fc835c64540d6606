"""``POST /graphql``: the entries search for viewers holding a token (never imports the internal API)."""
