def test_coordinator_sees_programme(world, client_for):
    response = client_for(world.coordinator).get("/programs/")
    assert response.status_code == 200
    assert "2020双十一实训" in response.content.decode()
