"""Background jobs: procrastinate on Practica's own PostgreSQL."""
