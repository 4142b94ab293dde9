"""Every write of the surveys app: building (drafts, questions, templates, status), sending, answering."""
