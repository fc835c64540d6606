"""Tag rules and templates: what feeds an entry shows in, who may see it, how it reads."""
