"""The shipped content catalogue: modules (Markdown) and quizzes (YAML), loaded and checked."""
