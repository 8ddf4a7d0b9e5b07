def test_public_home_page_invites_to_log_in(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "Se connecter" in response.content.decode()


def test_admin_sees_administration(client_admin_a):
    response = client_admin_a.get("/departement/")
    assert response.status_code == 200
    assert "Administration" in response.content.decode()
