"""Groups share the notification tests' factories."""

from tests.notifications.conftest import change, email_setting, follow, make_group  # noqa: F401
