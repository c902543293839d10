def test_healthz_answers_ok_when_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_world_builds(world, client, login):
    login(world.users.admin)
    assert client.get("/home/admin").status_code == 200
