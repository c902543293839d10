def test_readyz_answers_ok_when_database_reachable(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"]["status"] == "ok"


def test_world_builds(world, client, login):
    login(world.users.admin)
    assert client.get("/home/admin").status_code == 200
