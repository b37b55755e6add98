"""HTML to PDF for receipts, statements and reports."""

from django.conf import settings


def pdf_from_html(html: str) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which pages do not need

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
