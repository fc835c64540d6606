"""Where entries, tags, rules and templates are stored."""
