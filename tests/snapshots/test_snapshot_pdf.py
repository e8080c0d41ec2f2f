"""The review's PDF: rendered on the server, its text real (extracted by pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from partners.models import PartnerView
from snapshots import services
from tests.snapshots.conftest import pdf_text


def test_the_pdf_names_every_integration_and_score(portfolio, client):
    PartnerView.objects.create(
        integration=portfolio.ledger,
        contact_name="Pat Partner",
        value_transfer=3,
        business_relationship=3,
        support=1,
        data_relationship=1,
        adoption_priority=1,
    )
    services.snapshot_create(
        partner=portfolio.partner,
        created_by=portfolio.lead,
        title="Q3 review",
        actions=[services.ActionInput("Share the sandbox")],
    )
    client.force_login(portfolio.lead)

    response = client.get("/partners/acme-payments/reviews/1.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="acme-payments-review-1.pdf"' in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3  # the summary, then a page per integration
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    text = pdf_text(response.content)
    for expected in (
        "Ledger sync",
        "Shipping labels",
        "7 / 15",
        "10 / 15",
        "Emerging",
        "Developing",
        "9 / 15",  # the partner's view
        "Our company and Acme Payments",
        "Share the sandbox",
        "Value transfer",  # the roadmap's labels are text too
    ):
        assert expected in text, expected
