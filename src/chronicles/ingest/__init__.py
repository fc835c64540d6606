"""Getting entries in: message parsing, the HTTP intake, the Kafka consumer, dead letters."""
