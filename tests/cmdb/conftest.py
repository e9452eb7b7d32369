"""Fixtures of the CMDB browser-view tests: a small estate."""

import pytest

from tests.cmdb.factories import SERVER_SCHEMA, CIClassFactory, CIFactory, RelationshipFactory


@pytest.fixture
def estate():
    """Web shop (business service) depends on shop-app, which runs on srv-01 (a server with typed attributes)."""
    asset_tag = [{"name": "asset_tag", "type": "string"}]
    hardware = CIClassFactory(name="Hardware", slug="hardware", attribute_schema=asset_tag)
    server = CIClassFactory(name="Server", slug="server", parent=hardware, attribute_schema=SERVER_SCHEMA)
    application = CIClassFactory(name="Application", slug="application")
    service = CIClassFactory(name="Business Service", slug="business-service")
    srv = CIFactory(
        name="srv-01",
        ci_class=server,
        criticality="high",
        attributes={
            "asset_tag": "A-1",
            "ip_address": "10.0.0.1",
            "ram_gb": 64,
            "virtual": True,
            "commissioned": "2024-03-05",
        },
    )
    app = CIFactory(name="shop-app", ci_class=application, status="maintenance")
    shop = CIFactory(name="web shop", ci_class=service)
    RelationshipFactory(source=app, target=srv, type="runs_on")
    RelationshipFactory(source=shop, target=app, type="depends_on")
    return {"server": server, "application": application, "srv": srv, "app": app, "shop": shop, "hardware": hardware}
