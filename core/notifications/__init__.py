"""In-app notifications (a bell with the unread count, a list, mark as read), the same by
email for those who gave an address and did not turn email off, and deadline reminders.

Features create notifications where their events happen, through :func:`services.notify`
with a *kind* they registered (:func:`services.register_kind`); reminders come from the
reminder sources they register (:func:`services.add_reminder_source`) and are sent by
``flask notifications remind``. Core names no feature.
"""


def init_app(app) -> None:
    from flask import request
    from flask_babel import lazy_gettext as _l
    from flask_login import current_user

    from core import navigation
    from core.notifications import cli, email, services, views
    from core.roles import Role

    app.register_blueprint(views.bp)
    email.init_app(app)
    cli.init_app(app)
    services.register_kind("panel.assigned", _l("您已被选入评审组：%(panel)s"),
                           _l("评审开始后，待评分的推荐或申报会列在“评审任务”中。"))
    navigation.add("notifications.settings", _l("通知设置"), *Role, group=navigation.ACCOUNT)

    @app.context_processor
    def notification_context():
        def unread():
            """The user's unread count, asked once per request however often the page shows it."""
            if not current_user.is_authenticated:
                return 0
            cache = request.environ
            if "notifications.unread" not in cache:
                cache["notifications.unread"] = services.unread_count(current_user)
            return cache["notifications.unread"]

        return {"notifications_unread": unread}
