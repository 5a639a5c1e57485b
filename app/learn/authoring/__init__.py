"""Authoring modules, quizzes and consent texts in the browser: drafts, validation, publication."""
