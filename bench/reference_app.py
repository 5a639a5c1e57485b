"""The reference page: the least work any signed-in page of Charte can do, on the same stack.

A signed-in page of Charte must at least read the signed session cookie, load the person through
the ORM, query the database and render a template. This app does exactly that and nothing more:

1. reads Charte's signed session cookie (same SECRET_KEY, same Flask session serializer),
2. loads the user by primary key through the SQLAlchemy ORM (Charte's own `User` model),
3. runs one indexed query (the person's module completions, on the `user_id` index),
4. renders a Jinja template whose output has the same bytes as the learner home it copies
   (bench_pages.py saves the page Charte served and substitutes the person's name back in).

It is served by the same gunicorn configuration (gunicorn.conf.py) against the same database, so
a Charte page measured in the same run at, say, 0.6 × this page spends 40 % of its time on what
it does beyond the minimum. A bare "hello" route is no yardstick: it skips the database and the
template that no real page can skip. Environment: DATABASE_URL, SECRET_KEY,
BENCH_REFERENCE_TEMPLATE (the template file).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, render_template, session
from sqlalchemy import select

from app.extensions import db
from app.models import ModuleCompletion, User

template = Path(os.environ.get("BENCH_REFERENCE_TEMPLATE", "/nonexistent/reference.html"))
app = Flask(__name__, template_folder=str(template.parent))
app.config.update(
    SECRET_KEY=os.environ["SECRET_KEY"],
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"].replace(
        "postgresql://", "postgresql+psycopg://", 1
    ),
)
db.init_app(app)


@app.route("/")
def reference() -> str:
    """The reference page (404 without a signed-in session cookie)."""
    raw_id = str(session.get("_user_id", "")).partition(":")[0]
    if not raw_id.isdigit():
        abort(404)
    user = db.session.get(User, int(raw_id))
    if user is None:
        abort(404)
    completed = db.session.execute(
        select(ModuleCompletion.module_slug, ModuleCompletion.completed_at).where(
            ModuleCompletion.user_id == user.id
        )
    ).all()
    return render_template(template.name, user=user, completed=completed)


@app.route("/ping")
def ping() -> str:
    """For the bench's start-up check."""
    return "ok"
