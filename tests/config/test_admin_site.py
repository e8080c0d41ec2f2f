"""The admin speaks as the product (config/urls.py)."""


def test_the_admin_names_the_product(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert (
        "<title>Teams, people, partners and review cycles | Partnership Scorecard admin</title>"
        in page
    )
    assert ">Partnership Scorecard<" in page
    assert "Django administration" not in page
