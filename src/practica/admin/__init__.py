"""Admin pages' APIs: jobs and learner environments (users and organisations live in ``practica.accounts``)."""
