"""The physical-limit baseline: a bare Flask route served by the same gunicorn configuration."""

from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello() -> str:
    """Answer a constant string: the cheapest page this stack can serve."""
    return "hello"
