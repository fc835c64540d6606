"""What a learner does: the catalogue, a lesson's page, its environment and files, checks, activity."""
