"""Page cost must not grow with the data: count queries with a little and with a lot."""


def _queries_for(client, count_queries, url):
    client.get(url)  # warm-up: first-request work is not what we measure
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_home_page_queries_do_not_grow_with_districts(client, db, make_city, make_district, count_queries):
    make_city()
    make_district()
    few = _queries_for(client, count_queries, "/")
    for _ in range(20):
        make_district()
    assert _queries_for(client, count_queries, "/") == few


def test_account_list_queries_do_not_grow_with_accounts(client, db, login_as, make_user, make_district,
                                                        count_queries):
    login_as("admin")
    district = make_district()
    make_user(district_id=district.id)
    few = _queries_for(client, count_queries, "/admin/users")
    for _ in range(30):
        make_user(district_id=make_district().id)
    assert _queries_for(client, count_queries, "/admin/users") == few


def test_profile_page_query_budget(client, db, login_as, make_district, count_queries):
    login_as(district_id=make_district().id)
    # user (with district joined), city, districts for the select, voting verification, unread
    # notifications in the menu: nothing per row.
    assert _queries_for(client, count_queries, "/account/profile") == 5
