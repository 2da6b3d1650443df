"""civic: an accessible, multilingual participatory platform for cities."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    from civic import config as settings
    from civic.core.htmx import add_vary_header
    from civic.core.ratelimits import init_rate_limits
    from civic.core.inputs import init_inputs
    from civic.core.security import init_security
    from civic.core.errorpages import register_error_pages
    from civic.templating import init_templating
    from civic.extensions import babel, csrf, db, htmx, limiter, login_manager, mail, migrate

    instance_path = Path(os.environ.get("CIVIC_INSTANCE_PATH", ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(settings.from_environment(instance_path))
    if config:
        app.config.from_mapping(config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    mail.init_app(app)
    _init_babel(app, babel)
    _init_login(app, login_manager)
    init_security(app)
    init_templating(app)
    register_error_pages(app)
    app.after_request(add_vary_header)
    init_rate_limits(app)
    init_inputs(app)
    _register_blueprints(app)
    _import_models()
    return app


def _init_babel(app: Flask, babel) -> None:
    from civic.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))


def _init_login(app: Flask, login_manager) -> None:
    from civic.core.messages import lazy_gettext as _l

    from civic.accounts.idle import init_idle_timeout
    from civic.accounts.views import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    init_idle_timeout(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def _register_blueprints(app: Flask) -> None:
    from civic.accounts.admin import bp as admin_bp
    from civic.accounts.views import bp as accounts_bp
    from civic.budgets.api import bp as budgets_api_bp
    from civic.budgets.desk import bp as desk_bp
    from civic.budgets.staff import bp as budget_staff_bp
    from civic.budgets.staff import voters_bp
    from civic.budgets.views import bp as budgets_bp
    from civic.comments.views import bp as comments_bp
    from civic.follows.views import bp as follows_bp
    from civic.groups.views import bp as groups_bp
    from civic.moderation.views import bp as moderation_bp
    from civic.notifications.views import bp as notifications_bp
    from civic.opendata.feeds import bp as feeds_bp
    from civic.opendata.openapi import bp as openapi_bp
    from civic.opendata.views import bp as opendata_bp
    from civic.outcomes.api import bp as outcomes_api_bp
    from civic.outcomes.staff import bp as outcome_staff_bp
    from civic.outcomes.views import bp as outcomes_bp
    from civic.pages.views import bp as pages_bp
    from civic.plans.api import bp as plans_api_bp
    from civic.plans.authoring import bp as plan_authoring_bp
    from civic.plans.views import bp as plans_bp
    from civic.processes.staff import bp as process_staff_bp
    from civic.processes.views import bp as processes_bp
    from civic.proposals.api import bp as proposals_api_bp
    from civic.proposals.authoring import bp as proposal_authoring_bp
    from civic.proposals.staff import bp as proposal_staff_bp
    from civic.proposals.views import bp as proposals_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(follows_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(plan_authoring_bp)
    app.register_blueprint(plans_api_bp)
    app.register_blueprint(processes_bp)
    app.register_blueprint(process_staff_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(proposal_authoring_bp)
    app.register_blueprint(proposal_staff_bp)
    app.register_blueprint(proposals_api_bp)
    app.register_blueprint(budgets_bp)
    app.register_blueprint(budget_staff_bp)
    app.register_blueprint(voters_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(budgets_api_bp)
    # Notifications and community groups (following items together).
    app.register_blueprint(notifications_bp)
    app.register_blueprint(groups_bp)
    # Open data: the datasets page and files, the outcomes API, the OpenAPI document, feeds.
    app.register_blueprint(opendata_bp)
    app.register_blueprint(outcomes_api_bp)
    app.register_blueprint(openapi_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(outcome_staff_bp)


def _import_models() -> None:
    # Every model module, so Alembic and create_all see the whole schema.
    import civic.accounts.models  # noqa: F401
    import civic.budgets.models  # noqa: F401
    import civic.city.models  # noqa: F401
    import civic.comments.models  # noqa: F401
    import civic.core.audit  # noqa: F401
    import civic.follows.models  # noqa: F401
    import civic.groups.models  # noqa: F401
    import civic.moderation.models  # noqa: F401
    import civic.notifications.models  # noqa: F401
    import civic.opendata.models  # noqa: F401
    import civic.outcomes.models  # noqa: F401
    import civic.plans.models  # noqa: F401
    import civic.processes.models  # noqa: F401
    import civic.proposals.models  # noqa: F401
