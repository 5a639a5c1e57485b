"""Admin pages for integrations: API tokens and webhook endpoints; the webhooks CLI."""
