"""The entry message contract every producer codes against (versioned JSON Schema)."""
