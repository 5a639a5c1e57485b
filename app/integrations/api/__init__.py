"""The HRIS REST API under /api/v1: token authentication, problem details, OpenAPI document."""
