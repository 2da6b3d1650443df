import pytest

from civic.accounts import services
from civic.accounts.models import Role, User
from civic.core.db import utcnow
from civic.core.errors import NotAllowed


@pytest.mark.parametrize("role", ["resident", "moderator", "staff"])
def test_only_admins_reach_account_management(client, db, login_as, role):
    target = login_as(role)
    assert client.get("/admin/users").status_code == 403
    form = {f"user-{target.id}-role": "admin"}
    assert client.submit(f"/admin/users/{target.id}/role", form).status_code == 403
    assert db.session.get(User, target.id).role == role


def test_admin_appoints_a_moderator(client, db, login_as, make_user):
    login_as("admin")
    resident = make_user(display_name="Rosa")
    page = client.get("/admin/users?q=rosa").get_data(as_text=True)
    assert "Rosa" in page
    response = client.submit(f"/admin/users/{resident.id}/role", {f"user-{resident.id}-role": "moderator"})
    assert response.status_code == 302
    promoted = db.session.get(User, resident.id)
    assert promoted.role == "moderator" and promoted.session_version == 2


def test_admin_cannot_demote_themselves(client, db, login_as):
    admin = login_as("admin")
    client.submit(f"/admin/users/{admin.id}/role", {f"user-{admin.id}-role": "resident"})
    assert db.session.get(User, admin.id).role == "admin"


def test_set_role_is_authorised_in_the_service(db, make_user):
    staff, resident = make_user("staff"), make_user()
    with pytest.raises(NotAllowed):
        services.set_role(staff, resident, Role.ADMIN, now=utcnow())
    with pytest.raises(NotAllowed):
        services.list_users(staff)


def test_role_is_checked_by_the_database(db, make_user):
    import sqlalchemy as sa

    user = make_user()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(User).where(User.id == user.id).values(role="mayor"))
