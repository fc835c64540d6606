"""What Prometheus reads beyond HTTP: the job queue, checks as learners wait for them, the data volume."""
